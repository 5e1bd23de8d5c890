#include <cstdio>

#include "cli/command.h"

namespace {
void Setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("version", "Print the version");
  cmd->callback([] { std::printf("domicile 0.1.0\n"); });
}
}  // namespace

DOMICILE_REGISTER_COMMAND(version, Setup);
