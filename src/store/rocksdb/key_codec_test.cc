#include "store/rocksdb/key_codec.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"

namespace domicile::store::rocksdb_layout {
namespace {

using namespace std::string_literals;

TEST(KeyCodecTest, ComponentRoundTripsAnyBytes) {
  for (std::string x : {""s, "a"s, "\0"s, "\0\xff"s, "a\0\x01"s, "\xff\xff"s, std::string(300, '\0')}) {
    std::string key;
    AppendComponent(&key, x);
    AppendComponent(&key, "tail");
    std::string_view in = key;
    std::string out, tail;
    ASSERT_TRUE(ConsumeComponent(&in, &out));
    ASSERT_TRUE(ConsumeComponent(&in, &tail));
    EXPECT_EQ(out, x);
    EXPECT_EQ(tail, "tail");
    EXPECT_TRUE(in.empty());
  }
}

TEST(KeyCodecTest, KeysSortLikeTheirTuples) {
  std::vector<std::tuple<std::string, std::string>> tuples = {
      {"", "b"}, {"a", ""}, {"a", "\0"s}, {"a\0"s, ""}, {"ab", "a"}, {"a", "b"}, {"\xff", ""}, {"a\x01", "z"}};
  std::vector<std::pair<std::string, std::tuple<std::string, std::string>>> keyed;
  for (const auto& t : tuples) {
    std::string k;
    AppendComponent(&k, std::get<0>(t));
    AppendComponent(&k, std::get<1>(t));
    keyed.push_back({k, t});
  }
  std::sort(tuples.begin(), tuples.end());
  std::sort(keyed.begin(), keyed.end());
  for (size_t i = 0; i < tuples.size(); ++i) EXPECT_EQ(keyed[i].second, tuples[i]) << i;
}

TEST(KeyCodecTest, SubjectPrefixesDoNotOverlap) {
  // Fields of subject "s" must not include those of "s1" or "s\0".
  std::string p = FieldPrefix("s");
  for (std::string other : {"s1"s, "s\0"s, "s\0\x01"s}) {
    std::string k = FieldKey(other, "c", "f");
    EXPECT_NE(k.compare(0, p.size(), p), 0) << other;
    EXPECT_FALSE(k >= p && k < PrefixEnd(p)) << other;
  }
}

TEST(KeyCodecTest, ASubjectsRecordSortsJustBeforeItsOwnFields) {
  // Format 3: record, then fields, then the next subject; nothing of another
  // subject in between (so one data block usually holds a record and its fields).
  std::vector<std::string> keys = {SubjectKey("s"),  FieldKey("s", "a", "x"), FieldKey("s", "b", "y"),
                                   SubjectKey("s\0"s), FieldKey("s\0"s, "a", "x"), SubjectKey("s1"),
                                   FieldKey("s1", "a", "x"), SubjectKey("t")};
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  const std::string p = RecordPrefix("s");
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys[i] >= p && keys[i] < PrefixEnd(p), i < 3) << i;
  EXPECT_EQ(FieldPrefix("s").rfind(p, 0), 0u);
}

TEST(KeyCodecTest, Format2KeysMapToFormat3) {
  std::string out;
  ASSERT_TRUE(Format3KeyOf(Format2SubjectKey("a\0b"s), &out));
  EXPECT_EQ(out, SubjectKey("a\0b"s));
  ASSERT_TRUE(Format3KeyOf(Format2FieldKey("a", "c\0"s, "f"), &out));
  EXPECT_EQ(out, FieldKey("a", "c\0"s, "f"));
  for (std::string bad : {""s, "s"s, "sa"s, "sa\0\x01x"s, "fa\0\x01"s, "fa\0\x01c\0\x01"s, "x"s,
                          "s\0\x01"s, Format2FieldKey("a", "c", "f") + "x"}) {
    EXPECT_FALSE(Format3KeyOf(bad, &out)) << bad;
  }
}

TEST(KeyCodecTest, MalformedComponentsAreRejected) {
  for (std::string bad : {""s, "abc"s, "a\0"s, "a\0\x02"s, "\0"s}) {
    std::string_view in = bad;
    std::string out;
    EXPECT_FALSE(ConsumeComponent(&in, &out)) << bad;
  }
}

TEST(KeyCodecTest, RecordsRoundTrip) {
  SubjectRecord r{"id", "US", "wrapped\0key"s, ~uint64_t{0}};
  auto back = DecodeSubject("id", EncodeSubject(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, r);
  FieldRecord f{"c", "f", 1ull << 40, "\0sealed"s};
  auto fb = DecodeField("c", "f", EncodeField(f));
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(*fb, f);
}

TEST(KeyCodecTest, CorruptRecordsAreDataLoss) {
  std::string good = EncodeSubject({"id", "US", "k", 7});
  for (std::string bad : {""s, "\x02"s + good.substr(1), good.substr(0, good.size() - 1), good + "x",
                          "\x01\x05US"s, "\x01\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"s}) {
    EXPECT_EQ(DecodeSubject("id", bad).status().code(), StatusCode::kDataLoss);
  }
  EXPECT_EQ(DecodeField("c", "f", "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeField("c", "f", "\x01\x80").status().code(), StatusCode::kDataLoss);
  std::string c, f;
  EXPECT_EQ(ParseFieldKeySuffix("c\0\x01"s, &c, &f).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace domicile::store::rocksdb_layout
