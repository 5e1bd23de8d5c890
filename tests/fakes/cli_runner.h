// Runs the `domicile` binary as a real process from integration tests: one-shot
// commands with captured output, and the path of the binary (next to the test
// binary, or $DOMICILE_BIN_DIR).
#ifndef DOMICILE_TESTS_FAKES_CLI_RUNNER_H_
#define DOMICILE_TESTS_FAKES_CLI_RUNNER_H_

#include <string>

namespace domicile::testing {

// $DOMICILE_BIN_DIR/domicile, or `domicile` in the directory of the running binary.
std::string DomicileBinary();

struct CmdResult {
  int code;  // exit status; -1 if the process did not exit normally
  std::string out, err;
};

// Runs `domicile <args>` through the shell (`args` must be shell-safe words) with
// `input` on stdin; its stdin/stdout/stderr pass through files in `scratch_dir`.
CmdResult RunDomicile(const std::string& scratch_dir, const std::string& args,
                      const std::string& input = "");

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_FAKES_CLI_RUNNER_H_
