// RocksDB-specific behaviour beyond the conformance suite: opening, format
// versions, and corrupt stored bytes.
#include "store/rocksdb/rocksdb_store.h"

#include <rocksdb/db.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fakes/temp_dir.h"
#include "gtest/gtest.h"
#include "store/rocksdb/key_codec.h"

namespace domicile::store {
namespace {

namespace layout = rocksdb_layout;

const std::string kFormatKey(layout::kFormatKey, sizeof(layout::kFormatKey) - 1);

// A closed store's database opened directly. `aux`: with the aux family (created
// if missing); without it, the database as format 1 had it (default family only).
class RawDb {
 public:
  explicit RawDb(const std::string& dir, bool aux = true) {
    rocksdb::DBOptions opts;
    opts.create_if_missing = true;
    opts.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {{rocksdb::kDefaultColumnFamilyName, {}}};
    if (aux) families.push_back({layout::kAuxFamily, {}});
    rocksdb::DB* raw = nullptr;
    status_ = rocksdb::DB::Open(opts, dir, families, &handles_, &raw);
    db_.reset(raw);
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  const rocksdb::Status& status() const { return status_; }
  void Put(const std::string& key, const std::string& value, int family = 0) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_.at(family), key, value).ok());
  }
  // Every key of a family, in order.
  std::vector<std::string> Keys(int family) {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_.at(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
    return out;
  }

 private:
  rocksdb::Status status_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// Writes raw key/values into a closed store's database (default family).
void RawPut(const std::string& dir, const std::string& key, const std::string& value) {
  RawDb db(dir);
  ASSERT_TRUE(db.status().ok()) << db.status().ToString();
  db.Put(key, value);
}

// A format-1 database as the previous build wrote it: one family holding subject
// "a" with field p.f, its blind-index entry and reverse entry, and two meta values.
void WriteFormat1(const std::string& dir) {
  RawDb db(dir, /*aux=*/false);
  ASSERT_TRUE(db.status().ok()) << db.status().ToString();
  db.Put(kFormatKey, layout::kFormatVersion1);
  db.Put(layout::Format2SubjectKey("a"), layout::EncodeSubject({"a", "US", "k", 1}));
  db.Put(layout::Format2FieldKey("a", "p", "f"), layout::EncodeField({"p", "f", 1, "sealed"}));
  db.Put(layout::IndexKey("p.f", "tok", "a"), "");
  db.Put(layout::ReverseKey("a", "p.f", "tok"), "");
  db.Put(layout::MetaKey("vault/x"), "1");
  db.Put(layout::MetaKey("vault/y"), "2");
}

// What WriteFormat1 wrote, read back through the store.
void ExpectFormat1Contents(Store& s) {
  auto subject = s.GetSubject("a");
  ASSERT_TRUE(subject.ok()) << subject.status().message();
  EXPECT_EQ(*subject, (SubjectRecord{"a", "US", "k", 1}));
  auto fields = s.GetFields("a", "p", {"f"});
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(*fields, (std::vector<FieldRecord>{{"p", "f", 1, "sealed"}}));
  EXPECT_EQ(*s.Lookup("p.f", "tok"), std::vector<std::string>{"a"});
  EXPECT_EQ(*s.GetIndexEntries("a"), (std::vector<IndexEntry>{{"p.f", "tok", "a"}}));
  EXPECT_EQ(*s.ListMeta("vault/", "", 10), (std::vector<MetaEntry>{{"vault/x", "1"}, {"vault/y", "2"}}));
}

// Format 3: the default family holds the format key and subject records and
// fields (under their subject's prefix) only; the aux family everything else.
void ExpectFormat3Layout(const std::string& dir) {
  RawDb db(dir);
  ASSERT_TRUE(db.status().ok()) << db.status().ToString();
  for (const auto& key : db.Keys(0)) {
    EXPECT_TRUE(key == kFormatKey || key[0] == layout::kRecordTag) << key;
  }
  for (const auto& key : db.Keys(1)) {
    EXPECT_TRUE(key[0] == layout::kIndexTag || key[0] == layout::kReverseTag || key[0] == layout::kMetaTag) << key;
  }
  EXPECT_FALSE(db.Keys(1).empty());
}

// A format-2 database as session 4's build wrote it: subject records and fields
// in two key ranges of the default family ("a" with p.f and q.g, "b" with p.f),
// index entries and meta in the aux family.
void WriteFormat2(const std::string& dir) {
  RawDb db(dir);
  ASSERT_TRUE(db.status().ok()) << db.status().ToString();
  db.Put(kFormatKey, layout::kFormatVersion2);
  db.Put(layout::Format2SubjectKey("a"), layout::EncodeSubject({"a", "US", "k", 1}));
  db.Put(layout::Format2FieldKey("a", "p", "f"), layout::EncodeField({"p", "f", 1, "sealed"}));
  db.Put(layout::Format2FieldKey("a", "q", "g"), layout::EncodeField({"q", "g", 3, "sealed-g"}));
  db.Put(layout::Format2SubjectKey("b"), layout::EncodeSubject({"b", "SG", "kb", 2}));
  db.Put(layout::Format2FieldKey("b", "p", "f"), layout::EncodeField({"p", "f", 2, "sealed-b"}));
  db.Put(layout::IndexKey("p.f", "tok", "a"), "", /*family=*/1);
  db.Put(layout::ReverseKey("a", "p.f", "tok"), "", /*family=*/1);
  db.Put(layout::MetaKey("vault/x"), "1", /*family=*/1);
}

void ExpectFormat2Contents(Store& s) {
  EXPECT_EQ(*s.ListSubjects("", 10), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*s.ListSubjects("a", 10), std::vector<std::string>{"b"});
  EXPECT_EQ(**s.GetSubject("a"), (SubjectRecord{"a", "US", "k", 1}));
  EXPECT_EQ(**s.GetSubject("b"), (SubjectRecord{"b", "SG", "kb", 2}));
  EXPECT_EQ(*s.GetAllFields("a"), (std::vector<FieldRecord>{{"p", "f", 1, "sealed"}, {"q", "g", 3, "sealed-g"}}));
  EXPECT_EQ(*s.GetFields("b", "p", {}), (std::vector<FieldRecord>{{"p", "f", 2, "sealed-b"}}));
  EXPECT_EQ(*s.Lookup("p.f", "tok"), std::vector<std::string>{"a"});
  EXPECT_EQ(*s.GetMeta("vault/x"), std::optional<std::string>("1"));
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
  RawPut(dir.path(), kFormatKey, "4");
  auto s = OpenRocksDbStore(dir.path());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
}

TEST(RocksDbStoreTest, IndexEntriesAndMetaLiveInTheAuxFamily) {
  domicile::testing::TempDir dir;
  {
    auto s = OpenRocksDbStore(dir.path());
    ASSERT_TRUE(s.ok());
    Mutation m = Create("a");
    m.put_index = {{"p.f", "tok", "a"}};
    ASSERT_TRUE((*s)->Apply(m).ok());
    ASSERT_TRUE((*s)->PutMeta("vault/x", "1").ok());
  }
  ExpectFormat3Layout(dir.path());
}

TEST(RocksDbStoreTest, FormatOneDatabaseIsMigratedOnOpen) {
  domicile::testing::TempDir dir;
  WriteFormat1(dir.path());
  {
    auto s = OpenRocksDbStore(dir.path());
    ASSERT_TRUE(s.ok()) << s.status().message();
    ExpectFormat1Contents(**s);
  }
  ExpectFormat3Layout(dir.path());
  {
    RawDb db(dir.path());
    ASSERT_TRUE(db.status().ok());
    EXPECT_EQ(db.Keys(0).front(), kFormatKey);
  }
  // Reopened as format 3: the same contents, and deletion finds the moved entries.
  auto s = OpenRocksDbStore(dir.path());
  ASSERT_TRUE(s.ok()) << s.status().message();
  ExpectFormat1Contents(**s);
  ASSERT_TRUE((*s)->DeleteSubject("a").ok());
  EXPECT_TRUE(s->get()->Lookup("p.f", "tok")->empty());
  EXPECT_TRUE(s->get()->GetIndexEntries("a")->empty());
}

TEST(RocksDbStoreTest, InterruptedMigrationIsRedoneOnTheNextOpen) {
  domicile::testing::TempDir dir;
  WriteFormat1(dir.path());
  {
    // A crash after some copies: the aux family exists and holds part of the
    // keys, the format is still 1 and the default family still has them all.
    RawDb db(dir.path());
    ASSERT_TRUE(db.status().ok());
    db.Put(layout::IndexKey("p.f", "tok", "a"), "", /*family=*/1);
    db.Put(layout::MetaKey("vault/x"), "1", /*family=*/1);
  }
  auto s = OpenRocksDbStore(dir.path());
  ASSERT_TRUE(s.ok()) << s.status().message();
  ExpectFormat1Contents(**s);
  s->reset();
  ExpectFormat3Layout(dir.path());
}

TEST(RocksDbStoreTest, FormatTwoDatabaseIsMigratedOnOpen) {
  domicile::testing::TempDir dir;
  WriteFormat2(dir.path());
  {
    auto s = OpenRocksDbStore(dir.path());
    ASSERT_TRUE(s.ok()) << s.status().message();
    ExpectFormat2Contents(**s);
  }
  ExpectFormat3Layout(dir.path());
  {
    RawDb db(dir.path());
    ASSERT_TRUE(db.status().ok());
    // Each subject's record, then its fields; the format key first.
    EXPECT_EQ(db.Keys(0), (std::vector<std::string>{kFormatKey, layout::SubjectKey("a"), layout::FieldKey("a", "p", "f"),
                                                    layout::FieldKey("a", "q", "g"), layout::SubjectKey("b"),
                                                    layout::FieldKey("b", "p", "f")}));
  }
  auto s = OpenRocksDbStore(dir.path());
  ASSERT_TRUE(s.ok()) << s.status().message();
  ExpectFormat2Contents(**s);
  ASSERT_TRUE((*s)->DeleteSubject("a").ok());
  EXPECT_EQ(*(*s)->ListSubjects("", 10), std::vector<std::string>{"b"});
  EXPECT_TRUE((*s)->GetAllFields("a")->empty());
  EXPECT_TRUE((*s)->Lookup("p.f", "tok")->empty());
}

TEST(RocksDbStoreTest, InterruptedFormatTwoMigrationIsRedoneOnTheNextOpen) {
  domicile::testing::TempDir dir;
  WriteFormat2(dir.path());
  {
    // A crash after some copies, then a format-2 build deleted "c" whose copy
    // was made: the leftover copy must not come back.
    RawDb db(dir.path());
    ASSERT_TRUE(db.status().ok());
    db.Put(layout::SubjectKey("a"), layout::EncodeSubject({"a", "US", "k", 1}));
    db.Put(layout::SubjectKey("c"), layout::EncodeSubject({"c", "US", "kc", 1}));
    db.Put(layout::FieldKey("c", "p", "f"), layout::EncodeField({"p", "f", 1, "gone"}));
  }
  auto s = OpenRocksDbStore(dir.path());
  ASSERT_TRUE(s.ok()) << s.status().message();
  ExpectFormat2Contents(**s);
  EXPECT_FALSE((*s)->GetSubject("c")->has_value());
  EXPECT_TRUE((*s)->GetAllFields("c")->empty());
  s->reset();
  ExpectFormat3Layout(dir.path());
}

TEST(RocksDbStoreTest, ACorruptFormatTwoKeyStopsTheMigration) {
  domicile::testing::TempDir dir;
  WriteFormat2(dir.path());
  RawPut(dir.path(), std::string(1, layout::kFormat2SubjectTag) + "no-terminator", "");
  EXPECT_EQ(OpenRocksDbStore(dir.path()).status().code(), StatusCode::kDataLoss);
  RawDb db(dir.path());  // still format 2, nothing lost
  ASSERT_TRUE(db.status().ok());
  EXPECT_EQ(db.Keys(0).front(), kFormatKey);
  EXPECT_EQ(db.Keys(0).size(), 7u);
}

TEST(RocksDbStoreTest, ListingSubjectsSkipsTheirFields) {
  domicile::testing::TempDir dir;
  auto s = OpenRocksDbStore(dir.path());
  ASSERT_TRUE(s.ok());
  for (const std::string id : {"a", "a\x01", "b", "c"}) {
    Mutation m = Create(id);
    for (int i = 0; i < 50; ++i) m.put_fields.push_back({"p", "f" + std::to_string(i), 1, std::string(100, 'x')});
    ASSERT_TRUE((*s)->Apply(m).ok());
  }
  EXPECT_EQ(*(*s)->ListSubjects("", 10), (std::vector<std::string>{"a", "a\x01", "b", "c"}));
  EXPECT_EQ(*(*s)->ListSubjects("a", 2), (std::vector<std::string>{"a\x01", "b"}));
  EXPECT_EQ(*(*s)->ListSubjects("b", 10), std::vector<std::string>{"c"});
  EXPECT_TRUE((*s)->ListSubjects("c", 10)->empty());
}

TEST(RocksDbStoreTest, BuildsThatDoNotKnowTheAuxFamilyCannotOpenTheDatabase) {
  domicile::testing::TempDir dir;
  ASSERT_TRUE(OpenRocksDbStore(dir.path()).ok());
  // A format-1 build opens the default family only; RocksDB refuses that.
  RawDb old(dir.path(), /*aux=*/false);
  EXPECT_TRUE(old.status().IsInvalidArgument()) << old.status().ToString();
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
  RawPut(dir.path(), std::string(1, layout::kRecordTag) + "no-terminator", "");
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
