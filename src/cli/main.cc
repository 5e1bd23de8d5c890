// The `domicile` command. Subcommands register themselves (see command.h).
#include <cstdio>
#include <map>
#include <string>

#include "cli/command.h"

namespace domicile::cli {
namespace {
std::map<std::string, SetupFn>& Registry() {
  static std::map<std::string, SetupFn> registry;  // filled during static init
  return registry;
}
}  // namespace

CommandRegistration::CommandRegistration(const char* name, SetupFn setup) { Registry()[name] = setup; }

int& ExitCode() {
  static int code = 0;
  return code;
}

void Fail(const Status& status) {
  std::string msg = status.message().empty() ? status.ToString() : status.message();
  for (char& c : msg) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "domicile: %s\n", msg.c_str());
  ExitCode() = 1;
}

}  // namespace domicile::cli

int main(int argc, char** argv) {
  CLI::App app{"Domicile: residency-pinned personal data with policy-decided, audited access"};
  app.require_subcommand(1);
  for (const auto& [name, setup] : domicile::cli::Registry()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return domicile::cli::ExitCode();
}
