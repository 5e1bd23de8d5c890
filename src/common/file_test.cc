#include "common/file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "common/secret_file.h"
#include "fakes/temp_dir.h"

namespace domicile {
namespace {

TEST(PathTest, DirNameAndJoin) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(JoinPath("a/", "/b"), "a/b");
  EXPECT_EQ(JoinPath("a", "b/c"), "a/b/c");
}

TEST(PosixFileSystemTest, AtomicWriteCreatesParentsAndReplaces) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  std::string path = tmp.path() + "/x/y/file";
  ASSERT_TRUE(AtomicWriteFile(fs, path, "one").ok());
  EXPECT_EQ(*fs.ReadFile(path), "one");
  ASSERT_TRUE(AtomicWriteFile(fs, path, "two").ok());
  EXPECT_EQ(*fs.ReadFile(path), "two");
  EXPECT_EQ(*fs.FileSize(path), 3u);
  // No temporary files are left behind.
  EXPECT_EQ(*fs.ListDir(tmp.path() + "/x/y"), std::vector<std::string>{"file"});
}

TEST(PosixFileSystemTest, ErrorsHavePreciseCodes) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  EXPECT_EQ(fs.ReadFile(tmp.path() + "/missing").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*fs.Exists(tmp.path() + "/missing"));
  EXPECT_EQ(fs.Rename(tmp.path() + "/missing", tmp.path() + "/b").code(), StatusCode::kNotFound);
  ASSERT_TRUE(AtomicWriteFile(fs, tmp.path() + "/f", "x").ok());
  EXPECT_EQ(fs.CreateDirs(tmp.path() + "/f").code(), StatusCode::kFailedPrecondition);
}

TEST(PosixFileSystemTest, RemoveDirRemovesOnlyEmptyDirectories) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  ASSERT_TRUE(AtomicWriteFile(fs, tmp.path() + "/d/f", "x").ok());
  EXPECT_EQ(fs.RemoveDir(tmp.path() + "/d").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fs.RemoveDir(tmp.path() + "/missing").code(), StatusCode::kNotFound);
  ASSERT_TRUE(fs.Remove(tmp.path() + "/d/f").ok());
  ASSERT_TRUE(fs.RemoveDir(tmp.path() + "/d").ok());
  EXPECT_FALSE(*fs.Exists(tmp.path() + "/d"));
}

TEST(PosixFileSystemTest, SecretFilesAreOwnerOnly) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  const std::string path = tmp.path() + "/keys/secret";
  ASSERT_TRUE(AtomicWriteSecretFile(fs, path, "seed").ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*fs.ReadFile(path), "seed");
  // The process umask is restored afterwards.
  ASSERT_TRUE(AtomicWriteFile(fs, tmp.path() + "/public", "x").ok());
  ASSERT_EQ(::stat((tmp.path() + "/public").c_str(), &st), 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666u & ~mask);
}

TEST(PosixFileSystemTest, AppendableFileKeepsContent) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  std::string path = tmp.path() + "/log";
  for (const char* part : {"ab", "cd"}) {
    auto f = fs.NewAppendableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(part).ok());
    ASSERT_TRUE((*f)->Sync().ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  EXPECT_EQ(*fs.ReadFile(path), "abcd");
}

TEST(PosixFileSystemTest, BootIdNamesThisBoot) {
  FileSystem& fs = *FileSystem::Default();
  auto id = fs.BootId();
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->size(), 36u) << *id;  // a UUID, without its newline
  EXPECT_EQ(*fs.BootId(), *id);
}

TEST(PosixFileSystemTest, SyncFileSystem) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  ASSERT_TRUE(fs.CreateDirs(tmp.path() + "/d").ok());
  auto f = fs.NewWritableFile(tmp.path() + "/d/f");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("data").ok());
  ASSERT_TRUE((*f)->Close().ok());
  EXPECT_TRUE(fs.SyncFileSystem(tmp.path()).ok());
  EXPECT_TRUE(fs.SyncFileSystem(tmp.path()).ok());  // the cached descriptor again
  EXPECT_EQ(fs.SyncFileSystem(tmp.path() + "/missing").code(), StatusCode::kNotFound);
}

// Pages of `path` in the page cache (mincore on a mapping that touches none);
// nullopt if they cannot be counted.
std::optional<size_t> ResidentPages(const std::string& path, size_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return std::nullopt;
  const size_t page = size_t(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in((size + page - 1) / page);
  const bool counted = ::mincore(map, size, in.data()) == 0;
  ::munmap(map, size);
  if (!counted) return std::nullopt;
  size_t resident = 0;
  for (unsigned char c : in) resident += c & 1;
  return resident;
}

TEST(PosixFileSystemTest, DropCacheEvictsADurableFileAndKeepsItsContent) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  const std::string path = tmp.path() + "/bundle", data(256 << 10, 'b');
  auto f = fs.NewWritableFile(path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append(data).ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  struct statfs sfs {};
  ASSERT_EQ(::statfs(path.c_str(), &sfs), 0);
  if (sfs.f_type == TMPFS_MAGIC) GTEST_SKIP() << "on tmpfs the page cache is the file's storage";
  const std::optional<size_t> before = ResidentPages(path, data.size());
  ASSERT_TRUE(before.has_value());
  ASSERT_GT(*before, 0u);  // just written: cached
  ASSERT_TRUE(fs.DropCache(path).ok());
  EXPECT_EQ(ResidentPages(path, data.size()), std::optional<size_t>(0));
  EXPECT_EQ(*fs.ReadFile(path), data);
  EXPECT_EQ(fs.DropCache(tmp.path() + "/missing").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace domicile
