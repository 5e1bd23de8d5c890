#include "fakes/mem_file_system.h"

#include <gtest/gtest.h>

namespace domicile::testing {
namespace {

TEST(MemFileSystemTest, UnsyncedDataIsLostInACrash) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("d").ok());
  auto f = fs.NewWritableFile("d/a");
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("durable").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE(fs.SyncDir("d").ok());
  ASSERT_TRUE((*f)->Append("-volatile").ok());
  EXPECT_EQ(*fs.ReadFile("d/a"), "durable-volatile");
  fs.SimulateCrash();
  EXPECT_EQ(*fs.ReadFile("d/a"), "durable");
}

TEST(MemFileSystemTest, NamesNeedADirectorySync) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("d").ok());
  ASSERT_TRUE(WriteFileSynced(fs, "d/a", "x").ok());
  fs.SimulateCrash();
  EXPECT_FALSE(*fs.Exists("d/a"));

  ASSERT_TRUE(AtomicWriteFile(fs, "d/a", "one").ok());
  ASSERT_TRUE(fs.Rename("d/a", "d/b").ok());
  fs.SimulateCrash();  // the rename was never made durable
  EXPECT_EQ(*fs.ReadFile("d/a"), "one");
  EXPECT_FALSE(*fs.Exists("d/b"));
}

TEST(MemFileSystemTest, AtomicWriteIsAllOrNothingAtEveryFaultPoint) {
  // Learn how many operations one atomic replace takes.
  uint64_t ops;
  {
    MemFileSystem fs;
    ASSERT_TRUE(AtomicWriteFile(fs, "f", "old").ok());
    fs.SimulateCrash();
    ASSERT_TRUE(AtomicWriteFile(fs, "f", "new").ok());
    ops = fs.op_count();
  }
  ASSERT_GT(ops, 3u);
  for (auto kind : {MemFileSystem::FaultKind::kError, MemFileSystem::FaultKind::kTornWrite}) {
    for (uint64_t n = 1; n <= ops; ++n) {
      MemFileSystem fs;
      ASSERT_TRUE(AtomicWriteFile(fs, "f", "old").ok());
      fs.SimulateCrash();
      fs.SetFault(n, kind);
      fs.SetCrashAfterFault(true);
      Status st = AtomicWriteFile(fs, "f", "new");
      EXPECT_TRUE(fs.fault_fired());
      EXPECT_FALSE(st.ok()) << "fault at op " << n;
      fs.SimulateCrash();
      std::string content = *fs.ReadFile("f");
      EXPECT_TRUE(content == "old" || content == "new") << "op " << n << ": " << content;
    }
  }
}

TEST(MemFileSystemTest, EverySimulatedCrashIsANewBoot) {
  MemFileSystem fs;
  const std::string first = *fs.BootId();
  EXPECT_EQ(*fs.BootId(), first);
  fs.SimulateCrash();
  EXPECT_NE(*fs.BootId(), first);
}

TEST(MemFileSystemTest, SyncFileSystemMakesEverythingDurable) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("a/b").ok());
  ASSERT_TRUE(AtomicWriteFile(fs, "a/gone", "x").ok());
  for (const char* path : {"a/f", "a/b/g"}) {
    auto f = fs.NewWritableFile(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append(path).ok());  // neither synced nor named durably
  }
  ASSERT_TRUE(fs.Rename("a/f", "a/renamed").ok());
  ASSERT_TRUE(fs.Remove("a/gone").ok());
  ASSERT_TRUE(fs.SyncFileSystem("a").ok());
  auto late = fs.NewWritableFile("a/late");  // after the barrier: not durable
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE((*late)->Append("late").ok());
  fs.SimulateCrash();
  EXPECT_EQ(*fs.ReadFile("a/renamed"), "a/f");
  EXPECT_EQ(*fs.ReadFile("a/b/g"), "a/b/g");
  EXPECT_FALSE(*fs.Exists("a/f"));
  EXPECT_FALSE(*fs.Exists("a/gone"));
  EXPECT_FALSE(*fs.Exists("a/late"));
  EXPECT_EQ(fs.SyncFileSystem("nope").code(), StatusCode::kNotFound);
}

TEST(MemFileSystemTest, AFailedSyncFileSystemMakesNothingDurable) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("a").ok());
  auto f = fs.NewWritableFile("a/f");  // op 1
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Append("x").ok());  // op 2
  fs.SetFault(3);
  EXPECT_EQ(fs.SyncFileSystem("a").code(), StatusCode::kUnavailable);
  EXPECT_TRUE(fs.fault_fired());
  fs.SimulateCrash();
  EXPECT_FALSE(*fs.Exists("a/f"));
}

TEST(MemFileSystemTest, ListDirShowsFilesAndSubdirs) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("a/b/c").ok());
  ASSERT_TRUE(WriteFileSynced(fs, "a/f", "").ok());
  EXPECT_EQ(*fs.ListDir("a"), (std::vector<std::string>{"b", "f"}));
  EXPECT_EQ(fs.ListDir("nope").status().code(), StatusCode::kNotFound);
}

TEST(MemFileSystemTest, RemoveDirOnlyWhenEmptyAndUndoneIfAFileSurvives) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("a/b/c").ok());
  ASSERT_TRUE(AtomicWriteFile(fs, "a/b/f", "x").ok());
  EXPECT_EQ(fs.RemoveDir("a/b").code(), StatusCode::kFailedPrecondition);  // holds f and c
  EXPECT_EQ(fs.RemoveDir("a/nope").code(), StatusCode::kNotFound);
  ASSERT_TRUE(fs.RemoveDir("a/b/c").ok());
  ASSERT_TRUE(fs.Remove("a/b/f").ok());  // not durable: a/b not synced
  ASSERT_TRUE(fs.RemoveDir("a/b").ok());
  EXPECT_EQ(*fs.ListDir("a"), std::vector<std::string>{});
  fs.SimulateCrash();
  EXPECT_EQ(*fs.ReadFile("a/b/f"), "x");
  EXPECT_EQ(*fs.ListDir("a/b"), std::vector<std::string>{"f"});
}

}  // namespace
}  // namespace domicile::testing
