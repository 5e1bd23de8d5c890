#include "fakes/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace domicile::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/domicile-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string SharedDir() {
  const char* env = std::getenv("DOMICILE_SHARED_DIR");
  std::string dir = env && *env ? env : "";
#ifdef DOMICILE_SHARED_DIR_DEFAULT
  if (dir.empty()) dir = DOMICILE_SHARED_DIR_DEFAULT;
#endif
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir + "/testdata", ec)) return "";
  return dir;
}

}  // namespace domicile::testing
