// How subcommands join the `domicile` CLI. Each `<area>_cmd.cc` file in src/cli/
// registers itself with DOMICILE_REGISTER_COMMAND; main.cc knows none of them by
// name. Commands stay thin: parse flags, call a module's public header, print.
#ifndef DOMICILE_CLI_COMMAND_H_
#define DOMICILE_CLI_COMMAND_H_

#include <CLI/CLI.hpp>

#include "common/status.h"

namespace domicile::cli {

// Adds a subcommand (and its callback) to the root app.
using SetupFn = void (*)(CLI::App& root);

struct CommandRegistration {
  CommandRegistration(const char* name, SetupFn setup);
};

// The process exit code; callbacks set it. 0 unless a command failed.
int& ExitCode();

// Prints "domicile: <message>" on stderr (one line) and sets the exit code to 1.
void Fail(const Status& status);

}  // namespace domicile::cli

#define DOMICILE_REGISTER_COMMAND(name, setup) \
  static ::domicile::cli::CommandRegistration domicile_command_registration_##name(#name, setup)

#endif  // DOMICILE_CLI_COMMAND_H_
