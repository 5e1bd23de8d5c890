// The contract of store/store.h, run against every backend: round trips of any
// bytes, ordering, atomicity (a failing Mutation changes nothing), bad input
// (a specific error each), concurrency, and persistence for durable backends.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "store/backends.h"
#include "store/store.h"

namespace domicile::store::testing {
namespace {

using namespace std::string_literals;

SubjectRecord Subject(const std::string& id, uint64_t generation = 1) {
  return {id, "US", "wrapped-dek-of-" + id, generation};
}
FieldRecord Field(const std::string& c, const std::string& f, uint64_t v = 1) {
  return {c, f, v, "sealed:" + c + "/" + f + "/" + std::to_string(v)};
}
IndexEntry Entry(const std::string& index, const std::string& token, const std::string& subject) {
  return {index, token, subject};
}
Mutation Create(const std::string& id, std::vector<FieldRecord> fields = {}, std::vector<IndexEntry> index = {}) {
  Mutation m;
  m.subject = id;
  m.upsert = Subject(id);
  m.put_fields = std::move(fields);
  m.put_index = std::move(index);
  return m;
}

class StoreConformanceTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    if (std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    auto backend = GetParam().create();
    ASSERT_TRUE(backend.ok()) << backend.status().message();
    backend_ = std::move(backend).value();
    Reopen();
  }

  void Reopen() {
    store_.reset();
    auto s = backend_->Open();
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(s).value();
  }

  std::optional<SubjectRecord> GetSubject(const std::string& id) {
    auto r = store_->GetSubject(id);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::nullopt;
  }
  std::vector<FieldRecord> AllFields(const std::string& id) {
    auto r = store_->GetAllFields(id);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<FieldRecord>{};
  }
  std::vector<FieldRecord> Fields(const std::string& id, const std::string& c, std::vector<std::string> names = {}) {
    auto r = store_->GetFields(id, c, names);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<FieldRecord>{};
  }
  std::vector<std::string> Lookup(const std::string& index, const std::string& token) {
    auto r = store_->Lookup(index, token);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<std::string>{};
  }
  std::vector<std::string> List(const std::string& after = "", size_t limit = 1000) {
    auto r = store_->ListSubjects(after, limit);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<std::string>{};
  }

  // Everything observable about the store, for "nothing changed" checks.
  std::string Snapshot() {
    std::string out;
    for (const auto& id : List()) {
      auto s = GetSubject(id);
      out += "S " + id + " " + (s ? s->home + " " + s->key_blob + " " + std::to_string(s->generation) : "?") + "\n";
      for (const auto& f : AllFields(id)) {
        out += "F " + f.collection + " " + f.field + " " + std::to_string(f.version) + " " + f.sealed + "\n";
      }
      for (const auto& e : IndexOf(id)) out += "I " + e.index + " " + e.token + "\n";
    }
    for (const auto& e : Meta("")) out += "M " + e.key + " " + e.value + "\n";
    return out;
  }
  std::vector<IndexEntry> IndexOf(const std::string& id) {
    auto r = store_->GetIndexEntries(id);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<IndexEntry>{};
  }
  std::vector<MetaEntry> Meta(const std::string& prefix, const std::string& after = "", size_t limit = 1000) {
    auto r = store_->ListMeta(prefix, after, limit);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<MetaEntry>{};
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformanceTest, EmptyStoreHasNothing) {
  EXPECT_EQ(GetSubject("nobody"), std::nullopt);
  EXPECT_TRUE(AllFields("nobody").empty());
  EXPECT_TRUE(Fields("nobody", "profile").empty());
  EXPECT_TRUE(Lookup("profile.email", "tok").empty());
  EXPECT_TRUE(List().empty());
  auto meta = store_->GetMeta("config");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(*meta, std::nullopt);
  EXPECT_EQ(store_->DeleteSubject("nobody").code(), StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, SubjectRoundTripsAnyBytes) {
  SubjectRecord r{"s\0\xff\x01"s, "DE", std::string("\0\x01\xff\0key", 7), ~uint64_t{0}};
  Mutation m;
  m.subject = r.id;
  m.upsert = r;
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(GetSubject(r.id), r);
  EXPECT_EQ(GetSubject("s"), std::nullopt);
  EXPECT_EQ(List(), std::vector<std::string>{r.id});
}

TEST_P(StoreConformanceTest, UpsertReplacesTheSubjectRecord) {
  ASSERT_TRUE(store_->Apply(Create("alice")).ok());
  Mutation m;
  m.subject = "alice";
  m.upsert = SubjectRecord{"alice", "FR", "rewrapped", 2};
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(GetSubject("alice"), (SubjectRecord{"alice", "FR", "rewrapped", 2}));
}

TEST_P(StoreConformanceTest, FieldsNeedAnExistingSubject) {
  ASSERT_TRUE(store_->Apply(Create("bob", {Field("p", "name")})).ok());
  const std::string before = Snapshot();
  Mutation m;
  m.subject = "carol";
  m.put_fields = {Field("p", "name")};
  EXPECT_EQ(store_->Apply(m).code(), StatusCode::kNotFound);
  m.put_fields.clear();
  m.put_index = {Entry("p.email", "t", "carol")};
  EXPECT_EQ(store_->Apply(m).code(), StatusCode::kNotFound);
  m.put_index.clear();
  m.delete_index = {Entry("p.email", "t", "carol")};
  EXPECT_EQ(store_->Apply(m).code(), StatusCode::kNotFound);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_TRUE(Lookup("p.email", "t").empty());
  EXPECT_EQ(GetSubject("carol"), std::nullopt);
}

TEST_P(StoreConformanceTest, FieldsAreSortedFilteredAndIsolated) {
  ASSERT_TRUE(store_->Apply(Create("s", {Field("profile", "phone"), Field("profile", "email"), Field("profile", "a"),
                                         Field("profilex", "b"), Field("prof", "c"), Field("activity", "likes")}))
                  .ok());
  // Neighbours whose ids extend "s" must not leak into s's reads.
  ASSERT_TRUE(store_->Apply(Create("s1", {Field("profile", "zz")})).ok());
  ASSERT_TRUE(store_->Apply(Create("s\0"s, {Field("profile", "zzz")})).ok());

  auto names = [](const std::vector<FieldRecord>& v) {
    std::vector<std::string> out;
    for (const auto& f : v) out.push_back(f.collection + "." + f.field);
    return out;
  };
  EXPECT_EQ(names(Fields("s", "profile")),
            (std::vector<std::string>{"profile.a", "profile.email", "profile.phone"}));
  EXPECT_EQ(names(Fields("s", "profile", {"phone", "missing", "a"})),
            (std::vector<std::string>{"profile.a", "profile.phone"}));
  EXPECT_EQ(names(AllFields("s")), (std::vector<std::string>{"activity.likes", "prof.c", "profile.a",
                                                             "profile.email", "profile.phone", "profilex.b"}));
  EXPECT_EQ(Fields("s", "profile", {"email"}), std::vector<FieldRecord>{Field("profile", "email")});
  EXPECT_TRUE(Fields("s", "nothing").empty());
  EXPECT_EQ(names(AllFields("s1")), std::vector<std::string>{"profile.zz"});
}

TEST_P(StoreConformanceTest, PutFieldReplacesValueAndVersion) {
  ASSERT_TRUE(store_->Apply(Create("s", {Field("p", "email", 1)})).ok());
  Mutation m;
  m.subject = "s";
  m.put_fields = {Field("p", "email", 2), FieldRecord{"p", "bin", 0, std::string("\0\xff", 2)}};
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(AllFields("s"), (std::vector<FieldRecord>{FieldRecord{"p", "bin", 0, std::string("\0\xff", 2)},
                                                      Field("p", "email", 2)}));
  // A later duplicate in one mutation wins.
  m.put_fields = {Field("p", "email", 3), Field("p", "email", 4)};
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(Fields("s", "p", {"email"}), std::vector<FieldRecord>{Field("p", "email", 4)});
}

TEST_P(StoreConformanceTest, EmptyAndLargeValuesRoundTrip) {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131);
  ASSERT_TRUE(store_->Apply(Create("s", {FieldRecord{"p", "empty", 1, ""}, FieldRecord{"p", "big", 1, big}})).ok());
  auto f = Fields("s", "p");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].sealed, big);
  EXPECT_EQ(f[1].sealed, "");
}

TEST_P(StoreConformanceTest, BlindIndexLookupAndDelete) {
  ASSERT_TRUE(store_->Apply(Create("b", {}, {Entry("p.email", "tok1", "b"), Entry("p.phone", "tok1", "b")})).ok());
  ASSERT_TRUE(store_->Apply(Create("a", {}, {Entry("p.email", "tok1", "a"), Entry("p.email", "tok2", "a")})).ok());
  ASSERT_TRUE(store_->Apply(Create("c", {}, {Entry("p.email", "tok10", "c")})).ok());
  EXPECT_EQ(Lookup("p.email", "tok1"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Lookup("p.email", "tok2"), std::vector<std::string>{"a"});
  EXPECT_EQ(Lookup("p.phone", "tok1"), std::vector<std::string>{"b"});
  EXPECT_TRUE(Lookup("p.email", "tok").empty());
  EXPECT_TRUE(Lookup("p", "email").empty());

  // Adding an entry twice is harmless; deleting an absent one too.
  Mutation m;
  m.subject = "a";
  m.put_index = {Entry("p.email", "tok1", "a")};
  m.delete_index = {Entry("p.email", "tok2", "a"), Entry("p.email", "never", "a")};
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(Lookup("p.email", "tok1"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Lookup("p.email", "tok2").empty());

  // Replacing a token in one mutation (delete old, add new) as the vault does on change.
  m.put_index = {Entry("p.email", "tok3", "a")};
  m.delete_index = {Entry("p.email", "tok1", "a")};
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(Lookup("p.email", "tok1"), std::vector<std::string>{"b"});
  EXPECT_EQ(Lookup("p.email", "tok3"), std::vector<std::string>{"a"});
  // Delete before put: the same entry in both ends up present.
  m.put_index = {Entry("p.email", "tok3", "a")};
  m.delete_index = {Entry("p.email", "tok3", "a")};
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(Lookup("p.email", "tok3"), std::vector<std::string>{"a"});
}

TEST_P(StoreConformanceTest, IndexEntriesOfASubjectAreListedSortedAndIsolated) {
  ASSERT_TRUE(store_->Apply(Create("s", {}, {Entry("p.phone", "t2", "s"), Entry("p.email", "z", "s"),
                                             Entry("p.email", "a\0\xff"s, "s"), Entry("vault.b", "US/7", "s")}))
                  .ok());
  // Neighbours whose ids extend "s", sharing its tokens, stay out of s's listing.
  ASSERT_TRUE(store_->Apply(Create("s1", {}, {Entry("p.email", "z", "s1")})).ok());
  ASSERT_TRUE(store_->Apply(Create("s\0"s, {}, {Entry("p.email", "z", "s\0"s)})).ok());
  EXPECT_EQ(IndexOf("s"), (std::vector<IndexEntry>{Entry("p.email", "a\0\xff"s, "s"), Entry("p.email", "z", "s"),
                                                   Entry("p.phone", "t2", "s"), Entry("vault.b", "US/7", "s")}));
  EXPECT_EQ(IndexOf("s1"), std::vector<IndexEntry>{Entry("p.email", "z", "s1")});
  EXPECT_TRUE(IndexOf("nobody").empty());

  Mutation m;
  m.subject = "s";
  m.delete_index = {Entry("p.email", "z", "s")};
  m.put_index = {Entry("p.email", "y", "s")};
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(IndexOf("s"), (std::vector<IndexEntry>{Entry("p.email", "a\0\xff"s, "s"), Entry("p.email", "y", "s"),
                                                   Entry("p.phone", "t2", "s"), Entry("vault.b", "US/7", "s")}));
  ASSERT_TRUE(store_->DeleteSubject("s").ok());
  EXPECT_TRUE(IndexOf("s").empty());
  EXPECT_EQ(Lookup("p.email", "z"), (std::vector<std::string>{"s\0"s, "s1"}));
}

TEST_P(StoreConformanceTest, DeleteSubjectRemovesEverythingOfItOnly) {
  ASSERT_TRUE(
      store_->Apply(Create("a", {Field("p", "email"), Field("q", "x")}, {Entry("p.email", "t", "a")})).ok());
  ASSERT_TRUE(store_->Apply(Create("b", {Field("p", "email")}, {Entry("p.email", "t", "b")})).ok());
  ASSERT_TRUE(store_->DeleteSubject("a").ok());
  EXPECT_EQ(GetSubject("a"), std::nullopt);
  EXPECT_TRUE(AllFields("a").empty());
  EXPECT_EQ(Lookup("p.email", "t"), std::vector<std::string>{"b"});
  EXPECT_EQ(List(), std::vector<std::string>{"b"});
  EXPECT_EQ(AllFields("b").size(), 1u);
  EXPECT_EQ(store_->DeleteSubject("a").code(), StatusCode::kNotFound);

  // Re-creating the id starts clean.
  ASSERT_TRUE(store_->Apply(Create("a")).ok());
  EXPECT_TRUE(AllFields("a").empty());
  EXPECT_EQ(Lookup("p.email", "t"), std::vector<std::string>{"b"});
}

TEST_P(StoreConformanceTest, ListSubjectsPagesInByteOrder) {
  std::vector<std::string> ids = {"b", "a", "a\0"s, "ab", "\xff", "\x01", "B", "a\xff"};
  for (const auto& id : ids) ASSERT_TRUE(store_->Apply(Create(id)).ok());
  std::sort(ids.begin(), ids.end());  // std::string compares bytes as unsigned
  EXPECT_EQ(List(), ids);
  std::vector<std::string> paged;
  std::string after;
  for (;;) {
    auto page = List(after, 3);
    ASSERT_LE(page.size(), 3u);
    if (page.empty()) break;
    paged.insert(paged.end(), page.begin(), page.end());
    after = page.back();
  }
  EXPECT_EQ(paged, ids);
  EXPECT_TRUE(List("", 0).empty());
  EXPECT_EQ(List("a"), std::vector<std::string>(ids.begin() + 3, ids.end()));
  EXPECT_EQ(List("aa"), std::vector<std::string>(ids.begin() + 4, ids.end()));
}

TEST_P(StoreConformanceTest, MetaRoundTripsAndOverwrites) {
  ASSERT_TRUE(store_->PutMeta("config", "v1").ok());
  ASSERT_TRUE(store_->PutMeta("config\0x"s, std::string("\0\xff", 2)).ok());
  ASSERT_TRUE(store_->PutMeta("empty", "").ok());
  ASSERT_TRUE(store_->PutMeta("config", "v2").ok());
  EXPECT_EQ(*store_->GetMeta("config"), "v2");
  EXPECT_EQ(*store_->GetMeta("config\0x"s), std::string("\0\xff", 2));
  EXPECT_EQ(*store_->GetMeta("empty"), "");
  EXPECT_EQ(*store_->GetMeta("conf"), std::nullopt);
  // Meta is not a subject.
  EXPECT_TRUE(List().empty());
}

TEST_P(StoreConformanceTest, MetaIsListedByPrefixInByteOrderAndDeleted) {
  const std::vector<std::string> keys = {"out/b", "out/a", "out/a\0"s, "out/\xff", "ou", "out", "outx", "\xff\xff"};
  for (const auto& k : keys) ASSERT_TRUE(store_->PutMeta(k, "v:" + k).ok());
  auto key_list = [](const std::vector<MetaEntry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.key);
    return out;
  };
  EXPECT_EQ(key_list(Meta("out/")), (std::vector<std::string>{"out/a", "out/a\0"s, "out/b", "out/\xff"}));
  EXPECT_EQ(Meta("out/", "", 1), (std::vector<MetaEntry>{MetaEntry{"out/a", "v:out/a"}}));
  EXPECT_EQ(key_list(Meta("out/", "out/a\0"s)), (std::vector<std::string>{"out/b", "out/\xff"}));
  EXPECT_EQ(key_list(Meta("out/", "out/aa")), (std::vector<std::string>{"out/b", "out/\xff"}));
  EXPECT_EQ(key_list(Meta("out/", "a")).size(), 4u);  // `after` before the prefix: from the first
  EXPECT_TRUE(Meta("out/", "", 0).empty());
  EXPECT_TRUE(Meta("out/", "out/\xff").empty());
  EXPECT_EQ(key_list(Meta("out")), (std::vector<std::string>{"out", "out/a", "out/a\0"s, "out/b", "out/\xff", "outx"}));
  EXPECT_EQ(key_list(Meta("\xff")), std::vector<std::string>{"\xff\xff"});  // no upper bound
  EXPECT_EQ(Meta("").size(), keys.size());
  std::vector<std::string> paged;
  for (std::string after;;) {
    auto page = Meta("", after, 3);
    if (page.empty()) break;
    for (const auto& e : page) paged.push_back(e.key);
    after = page.back().key;
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(paged, sorted);

  ASSERT_TRUE(store_->DeleteMeta("out/a").ok());
  ASSERT_TRUE(store_->DeleteMeta("out/never").ok());  // absent: OK
  EXPECT_EQ(*store_->GetMeta("out/a"), std::nullopt);
  EXPECT_EQ(*store_->GetMeta("out/a\0"s), "v:out/a\0"s);
  EXPECT_EQ(key_list(Meta("out/")), (std::vector<std::string>{"out/a\0"s, "out/b", "out/\xff"}));
  EXPECT_EQ(store_->DeleteMeta("").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->DeleteMeta(std::string(kMaxNameBytes + 1, 'k')).code(), StatusCode::kResourceExhausted);
  // Meta is not a subject, and subjects are not meta.
  EXPECT_TRUE(List().empty());
  ASSERT_TRUE(store_->Apply(Create("out/b")).ok());
  EXPECT_EQ(Meta("").size(), keys.size() - 1);
}

TEST_P(StoreConformanceTest, BadInputIsRejectedWithASpecificErrorAndChangesNothing) {
  ASSERT_TRUE(store_->Apply(Create("a", {Field("p", "email")}, {Entry("p.email", "t", "a")})).ok());
  ASSERT_TRUE(store_->PutMeta("k", "v").ok());
  const std::string before = Snapshot();

  struct Case {
    const char* name;
    Mutation m;
    StatusCode code;
  };
  std::vector<Case> cases;
  auto add = [&](const char* name, StatusCode code, auto edit) {
    Mutation m = Create("a", {Field("p", "email", 9), Field("p", "new")}, {Entry("p.email", "t2", "a")});
    edit(m);
    cases.push_back({name, std::move(m), code});
  };
  const auto kInvalid = StatusCode::kInvalidArgument;
  const auto kTooBig = StatusCode::kResourceExhausted;
  add("empty subject", kInvalid, [](Mutation& m) { m.subject = ""; m.upsert->id = ""; });
  add("upsert of another subject", kInvalid, [](Mutation& m) { m.upsert->id = "b"; });
  add("index entry of another subject", kInvalid, [](Mutation& m) { m.put_index.push_back(Entry("i", "t", "b")); });
  add("delete entry of another subject", kInvalid,
      [](Mutation& m) { m.delete_index.push_back(Entry("p.email", "t", "b")); });
  add("empty collection", kInvalid, [](Mutation& m) { m.put_fields.push_back(Field("", "f")); });
  add("empty field", kInvalid, [](Mutation& m) { m.put_fields.push_back(Field("p", "")); });
  add("empty index name", kInvalid, [](Mutation& m) { m.put_index.push_back(Entry("", "t", "a")); });
  add("empty token", kInvalid, [](Mutation& m) { m.delete_index.push_back(Entry("i", "", "a")); });
  add("oversized subject id", kTooBig, [](Mutation& m) {
    m.subject = std::string(kMaxNameBytes + 1, 'a');
    m.upsert->id = m.subject;
    m.put_index.clear();
  });
  add("oversized field name", kTooBig,
      [](Mutation& m) { m.put_fields.push_back(Field("p", std::string(kMaxNameBytes + 1, 'f'))); });
  add("oversized token", kTooBig,
      [](Mutation& m) { m.put_index.push_back(Entry("i", std::string(kMaxNameBytes + 1, 't'), "a")); });
  add("oversized value", kTooBig,
      [](Mutation& m) { m.put_fields.push_back(FieldRecord{"p", "big", 1, std::string(kMaxValueBytes + 1, 'x')}); });
  add("oversized key blob", kTooBig, [](Mutation& m) { m.upsert->key_blob.assign(kMaxValueBytes + 1, 'k'); });

  for (const auto& c : cases) {
    EXPECT_EQ(store_->Apply(c.m).code(), c.code) << c.name;
  }
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Lookup("p.email", "t"), std::vector<std::string>{"a"});
  EXPECT_TRUE(Lookup("p.email", "t2").empty());

  EXPECT_EQ(store_->PutMeta("", "v").code(), kInvalid);
  EXPECT_EQ(store_->PutMeta(std::string(kMaxNameBytes + 1, 'k'), "v").code(), kTooBig);
  EXPECT_EQ(store_->PutMeta("k", std::string(kMaxValueBytes + 1, 'v')).code(), kTooBig);
  EXPECT_EQ(*store_->GetMeta("k"), "v");
  EXPECT_EQ(store_->DeleteSubject("").code(), kInvalid);
}

TEST_P(StoreConformanceTest, ConcurrentWritersAllLand) {
  constexpr int kThreads = 6, kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        // Every writer also touches one shared index token.
        if (!store_->Apply(Create(id, {Field("p", "email"), Field("p", "phone")},
                                  {Entry("p.email", "shared", id), Entry("p.email", "own-" + id, id)}))
                 .ok()) {
          failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(List().size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(Lookup("p.email", "shared").size(), size_t{kThreads * kPerThread});
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; i += 7) {
      std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
      EXPECT_EQ(AllFields(id).size(), 2u) << id;
      EXPECT_EQ(Lookup("p.email", "own-" + id), std::vector<std::string>{id});
    }
  }
}

TEST_P(StoreConformanceTest, ConcurrentWritesAndDeletesLeaveNoOrphans) {
  constexpr int kSubjects = 20, kRounds = 15;
  for (int i = 0; i < kSubjects; ++i) ASSERT_TRUE(store_->Apply(Create("s" + std::to_string(i))).ok());
  std::atomic<int> unexpected{0};
  auto writer = [&] {
    for (int r = 0; r < kRounds; ++r) {
      for (int i = 0; i < kSubjects; ++i) {
        std::string id = "s" + std::to_string(i);
        Mutation m;
        m.subject = id;
        m.put_fields = {Field("p", "f" + std::to_string(r))};
        m.put_index = {Entry("p.email", "tok", id)};
        Status s = store_->Apply(m);
        if (!s.ok() && s.code() != StatusCode::kNotFound) unexpected++;
      }
    }
  };
  auto deleter = [&] {
    for (int r = 0; r < kRounds; ++r) {
      for (int i = r % 2; i < kSubjects; i += 2) {
        std::string id = "s" + std::to_string(i);
        Status s = store_->DeleteSubject(id);
        if (!s.ok() && s.code() != StatusCode::kNotFound) unexpected++;
        if (!store_->Apply(Create(id)).ok()) unexpected++;
      }
    }
  };
  std::thread w1(writer), w2(writer), d(deleter);
  w1.join();
  w2.join();
  d.join();
  EXPECT_EQ(unexpected.load(), 0);
  // Fields or index entries of a subject exist only while the subject does.
  auto tok = Lookup("p.email", "tok");
  for (int i = 0; i < kSubjects; ++i) {
    std::string id = "s" + std::to_string(i);
    if (!GetSubject(id)) {
      EXPECT_TRUE(AllFields(id).empty()) << id;
      EXPECT_EQ(std::count(tok.begin(), tok.end(), id), 0) << id;
    }
  }
  for (const auto& id : tok) EXPECT_TRUE(GetSubject(id).has_value()) << id;
}

TEST_P(StoreConformanceTest, ReadersSeeWholeMutations) {
  // A reader never observes half of a mutation: the two fields are always written
  // together with the same version.
  ASSERT_TRUE(store_->Apply(Create("s", {Field("p", "a", 0), Field("p", "b", 0)})).ok());
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done) {
      auto f = store_->GetFields("s", "p", {});
      if (!f.ok() || f->size() != 2 || (*f)[0].version != (*f)[1].version) torn++;
    }
  });
  for (uint64_t v = 1; v <= 100; ++v) {
    Mutation m;
    m.subject = "s";
    m.put_fields = {Field("p", "a", v), Field("p", "b", v)};
    ASSERT_TRUE(store_->Apply(m).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_P(StoreConformanceTest, DataSurvivesReopen) {
  if (!backend_->durable()) GTEST_SKIP() << GetParam().name << " keeps nothing after the store object";
  ASSERT_TRUE(store_->Apply(Create("a", {Field("p", "email")}, {Entry("p.email", "t", "a")})).ok());
  ASSERT_TRUE(store_->Apply(Create("b")).ok());
  ASSERT_TRUE(store_->DeleteSubject("b").ok());
  ASSERT_TRUE(store_->PutMeta("k", "v").ok());
  const std::string before = Snapshot();
  Reopen();
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Lookup("p.email", "t"), std::vector<std::string>{"a"});
  EXPECT_EQ(IndexOf("a"), std::vector<IndexEntry>{Entry("p.email", "t", "a")});
  EXPECT_EQ(*store_->GetMeta("k"), "v");
  EXPECT_EQ(GetSubject("b"), std::nullopt);
  ASSERT_TRUE(store_->DeleteMeta("k").ok());
  Reopen();
  EXPECT_EQ(*store_->GetMeta("k"), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest, ::testing::Values(MemoryBackend(), RocksDbBackend(), PostgresBackend()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace domicile::store::testing
