#include "fakes/cli_runner.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "common/file.h"

namespace domicile::testing {

std::string DomicileBinary() {
  if (const char* dir = std::getenv("DOMICILE_BIN_DIR")) return std::string(dir) + "/domicile";
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "domicile").string();
}

CmdResult RunDomicile(const std::string& scratch_dir, const std::string& args,
                      const std::string& input) {
  FileSystem& fs = *FileSystem::Default();
  const std::string in = scratch_dir + "/stdin", out = scratch_dir + "/stdout",
                    err = scratch_dir + "/stderr";
  if (!WriteFileSynced(fs, in, input).ok()) return CmdResult{-1, "", "cannot write " + in};
  const std::string cmd = DomicileBinary() + " " + args + " <" + in + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  return CmdResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, fs.ReadFile(out).value_or(""),
                   fs.ReadFile(err).value_or("")};
}

}  // namespace domicile::testing
