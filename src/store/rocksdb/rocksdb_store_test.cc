// RocksDB-specific behaviour beyond the conformance suite: opening, format
// versions, and corrupt stored bytes.
#include "store/rocksdb/rocksdb_store.h"

#include <rocksdb/db.h>

#include <cstdio>

#include "fakes/temp_dir.h"
#include "gtest/gtest.h"
#include "store/rocksdb/key_codec.h"

namespace domicile::store {
namespace {

namespace layout = rocksdb_layout;

// Writes raw key/values into a closed store's database.
void RawPut(const std::string& dir, const std::string& key, const std::string& value) {
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

Mutation Create(const std::string& id) {
  Mutation m;
  m.subject = id;
  m.upsert = SubjectRecord{id, "US", "k", 1};
  m.put_fields = {FieldRecord{"p", "f", 1, "sealed"}};
  return m;
}

TEST(RocksDbStoreTest, SecondOpenOfTheSameDirectoryIsRefused) {
  domicile::testing::TempDir dir;
  auto a = OpenRocksDbStore(dir.path());
  ASSERT_TRUE(a.ok()) << a.status().message();
  auto b = OpenRocksDbStore(dir.path());
  EXPECT_EQ(b.status().code(), StatusCode::kFailedPrecondition) << b.status().message();
}

TEST(RocksDbStoreTest, AnotherFormatVersionIsRefused) {
  domicile::testing::TempDir dir;
  ASSERT_TRUE(OpenRocksDbStore(dir.path()).ok());
  RawPut(dir.path(), std::string(layout::kFormatKey, sizeof(layout::kFormatKey) - 1), "2");
  auto s = OpenRocksDbStore(dir.path());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
}

TEST(RocksDbStoreTest, CorruptRecordsAreDataLossNotACrash) {
  domicile::testing::TempDir dir;
  {
    auto s = OpenRocksDbStore(dir.path());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Apply(Create("a")).ok());
  }
  RawPut(dir.path(), layout::SubjectKey("a"), "\x01\x7f");
  RawPut(dir.path(), layout::FieldKey("a", "p", "f"), "");
  RawPut(dir.path(), std::string(1, layout::kSubjectTag) + "no-terminator", "");
  auto s = OpenRocksDbStore(dir.path());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->GetSubject("a").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ((*s)->GetAllFields("a").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ((*s)->GetFields("a", "p", {"f"}).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ((*s)->ListSubjects("", 10).status().code(), StatusCode::kDataLoss);
}

TEST(RocksDbStoreTest, UnusableDirectoryIsAnError) {
  domicile::testing::TempDir dir;
  std::string file = dir.path() + "/file";
  FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_EQ(OpenRocksDbStore(file + "/db").status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace domicile::store
