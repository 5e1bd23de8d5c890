// A directory under $TMPDIR that is removed, with its content, when the object dies.
#ifndef DOMICILE_TESTS_FAKES_TEMP_DIR_H_
#define DOMICILE_TESTS_FAKES_TEMP_DIR_H_

#include <string>

namespace domicile::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Path of ../shared (specs and test data), or "" when it is absent.
std::string SharedDir();

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_FAKES_TEMP_DIR_H_
