#include "vault/vault.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "crypto/envelope.h"
#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "store/memory/memory_store.h"

namespace domicile::vault {
namespace {

constexpr char kSites[] = R"(
sites:
  - {id: sg-1, jurisdiction: SG, custodian: SG Data Trust, role: enclave}
  - {id: us-1, jurisdiction: US, custodian: US Trust, role: enclave}
  - {id: bak, jurisdiction: CH, custodian: Vaulting AG, role: backup}
  - {id: glob, jurisdiction: GLOBAL, custodian: Platform, role: global}
max_value_bytes: 256
collections:
  profile:
    fields:
      email: {category: protected, blind_index: email}
      phone: {category: protected, blind_index: phone}
      display_name: public
      followers: interoperable
  videos:
    fields:
      caption: profiling
)";

VaultConfig Config(const std::string& site) { return ParseVaultConfig("site: " + site + kSites).value(); }

// Everything the store holds, as one string: to check that a refused operation
// changed nothing.
std::string Dump(store::Store& s) {
  std::string out;
  const std::vector<std::string> ids = s.ListSubjects("", 1000000).value();
  for (const auto& id : ids) {
    auto rec = s.GetSubject(id).value();
    out += id + "|" + rec->home + "|" + rec->key_blob + "|" + std::to_string(rec->generation) + "\n";
    const std::vector<store::FieldRecord> fields = s.GetAllFields(id).value();
    for (const auto& f : fields) {
      out += " " + f.collection + "." + f.field + "@" + std::to_string(f.version) + "=" + f.sealed + "\n";
    }
  }
  return out;
}

// Forwards to another store, counting subject-record reads.
class CountingStore final : public store::Store {
 public:
  explicit CountingStore(store::Store* inner) : inner_(inner) {}
  int subject_reads() const { return subject_reads_.load(); }
  Status Apply(const store::Mutation& m) override { return inner_->Apply(m); }
  Result<std::optional<store::SubjectRecord>> GetSubject(std::string_view id) override {
    ++subject_reads_;
    return inner_->GetSubject(id);
  }
  Result<std::vector<store::FieldRecord>> GetFields(std::string_view subject, std::string_view collection,
                                                    const std::vector<std::string>& fields) override {
    return inner_->GetFields(subject, collection, fields);
  }
  Result<std::vector<store::FieldRecord>> GetAllFields(std::string_view subject) override {
    return inner_->GetAllFields(subject);
  }
  Result<std::vector<std::string>> Lookup(std::string_view index, std::string_view token) override {
    return inner_->Lookup(index, token);
  }
  Result<std::vector<store::IndexEntry>> GetIndexEntries(std::string_view subject) override {
    return inner_->GetIndexEntries(subject);
  }
  Status DeleteSubject(std::string_view id) override { return inner_->DeleteSubject(id); }
  Result<std::vector<std::string>> ListSubjects(std::string_view after, size_t limit) override {
    return inner_->ListSubjects(after, limit);
  }
  Status PutMeta(std::string_view key, std::string_view value) override { return inner_->PutMeta(key, value); }
  Result<std::optional<std::string>> GetMeta(std::string_view key) override { return inner_->GetMeta(key); }
  Status DeleteMeta(std::string_view key) override { return inner_->DeleteMeta(key); }
  Result<std::vector<store::MetaEntry>> ListMeta(std::string_view prefix, std::string_view after,
                                                 size_t limit) override {
    return inner_->ListMeta(prefix, after, limit);
  }

 private:
  store::Store* const inner_;
  std::atomic<int> subject_reads_{0};
};

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = crypto::FileKeyring::Create(fs_, "/keyring", {"SG", "US", "GLOBAL"}, /*shred_buckets=*/2).value();
    root_ = created.root_key;
    created.keyring->Seal();
    keyring_ = std::move(created.keyring);
    store_ = store::NewMemoryStore();
    vault_ = Open("sg-1");
    ASSERT_TRUE(vault_->Unseal(root_).ok());
  }
  std::unique_ptr<Vault> Open(const std::string& site) {
    auto v = Vault::Open(Config(site), store_.get(), keyring_.get(), &clock_);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }
  Status PutAlice() {
    return vault_->Put("alice", "SG",
                       {{"profile",
                         {{"email", "Alice@Example.org"}, {"phone", "+65 6123 4567"}, {"display_name", "Alice"}}},
                        {"videos", {{"caption", {{"text", "my cat"}, {"tags", {"cats"}}}}}}});
  }

  testing::MemFileSystem fs_;
  testing::FakeClock clock_;
  std::unique_ptr<crypto::FileKeyring> keyring_;
  std::string root_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(VaultTest, PutGetRoundTripWithCategoriesAndVersions) {
  ASSERT_TRUE(PutAlice().ok());
  auto got = vault_->Get("alice", "profile", {}).value();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].field, "display_name");
  EXPECT_EQ(got[0].value, "Alice");
  EXPECT_EQ(got[0].category, Category::kPublic);
  EXPECT_EQ(got[1].field, "email");
  EXPECT_EQ(got[1].category, Category::kProtected);
  EXPECT_EQ(got[1].version, 1u);
  auto caption = vault_->Get("alice", "videos", {"caption"}).value();
  ASSERT_EQ(caption.size(), 1u);
  EXPECT_EQ(caption[0].value["tags"][0], "cats");
  EXPECT_EQ(caption[0].category, Category::kProfiling);

  ASSERT_TRUE(vault_->Put("bob", "SG", {{"profile", {{"display_name", "Zoë 🐧 \"q\""}, {"followers", 12.5}}}}).ok());
  auto bob = vault_->Get("bob", "profile", {}).value();
  EXPECT_EQ(bob[0].value, "Zoë 🐧 \"q\"");
  EXPECT_EQ(bob[1].value, 12.5);
  ASSERT_TRUE(vault_->Put("alice", "SG", {{"profile", {{"display_name", "Al"}, {"birth_date", "1990-01-01"}}}}).ok());
  got = vault_->Get("alice", "profile", {"display_name", "birth_date", "absent"}).value();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].field, "birth_date");
  EXPECT_EQ(got[0].category, Category::kProtected);  // unclassified
  EXPECT_EQ(got[1].value, "Al");
  EXPECT_EQ(got[1].version, 2u);
  EXPECT_EQ(vault_->Home("alice").value(), "SG");
  EXPECT_EQ(vault_->Home("carol").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault_->Get("carol", "profile", {}).status().code(), StatusCode::kNotFound);
}

TEST_F(VaultTest, SubjectThenGetReadsTheSubjectRecordOnce) {
  ASSERT_TRUE(PutAlice().ok());
  CountingStore counting(store_.get());
  auto v = Vault::Open(Config("sg-1"), &counting, keyring_.get(), &clock_).value();
  ASSERT_TRUE(v->Unseal(root_).ok());
  const int before = counting.subject_reads();
  const SubjectRef alice = v->Subject("alice").value();
  EXPECT_EQ(alice.id(), "alice");
  EXPECT_EQ(alice.home(), "SG");
  auto got = v->Get(alice, "profile", {"email", "display_name"}).value();
  EXPECT_EQ(counting.subject_reads() - before, 1);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].field, "display_name");
  EXPECT_EQ(got[0].value, "Alice");
  EXPECT_EQ(got[1].value, "Alice@Example.org");
  EXPECT_EQ(got[1].category, Category::kProtected);
  // The same answer as Get by id, for every collection.
  EXPECT_EQ(v->Get(alice, "videos", {}).value()[0].value, v->Get("alice", "videos", {}).value()[0].value);
  EXPECT_EQ(v->Get(alice, "nope", {}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, SubjectFailsClosedLikeHomeAndGet) {
  ASSERT_TRUE(PutAlice().ok());
  EXPECT_EQ(vault_->Subject("carol").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault_->Subject("").status().code(), StatusCode::kInvalidArgument);
  const SubjectRef alice = vault_->Subject("alice").value();
  vault_->Seal();
  EXPECT_EQ(vault_->Subject("alice").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault_->Get(alice, "profile", {}).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(vault_->Unseal(root_).ok());
  EXPECT_EQ(vault_->Get(alice, "profile", {"display_name"}).value()[0].value, "Alice");  // read afresh
  // A subject record of another site's jurisdiction is refused by Get as before.
  ASSERT_TRUE(vault_->Put("bob", "SG", {{"profile", {{"display_name", "B"}}}}).ok());
  auto us = Open("us-1");
  ASSERT_TRUE(us->Unseal(root_).ok());
  const SubjectRef bob = us->Subject("bob").value();  // the home is readable anywhere, as Home
  EXPECT_EQ(bob.home(), "SG");
  EXPECT_EQ(us->Get(bob, "profile", {}).status().code(), us->Get("bob", "profile", {}).status().code());
  EXPECT_EQ(us->Get(bob, "profile", {}).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(VaultTest, SubjectRefDoesNotOutliveAShred) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Get("alice", "profile", {}).ok());  // key cached
  const SubjectRef alice = vault_->Subject("alice").value();
  const auto alice_before = store_->GetSubject("alice").value().value();
  const auto alice_fields = store_->GetAllFields("alice").value();
  ASSERT_TRUE(vault_->Delete("alice").ok());
  EXPECT_EQ(vault_->Get(alice, "profile", {}).status().code(), StatusCode::kNotFound);
  // An earlier copy restored behind the vault's back: as Get by id, DataLoss.
  store::Mutation restore;
  restore.subject = "alice";
  restore.upsert = alice_before;
  restore.put_fields = alice_fields;
  ASSERT_TRUE(store_->Apply(restore).ok());
  EXPECT_EQ(vault_->Get(alice, "profile", {}).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(vault_->Get("alice", "profile", {}).status().code(), StatusCode::kDataLoss);
}

TEST_F(VaultTest, SubjectRefFollowsAKekRotation) {
  ASSERT_TRUE(PutAlice().ok());
  const SubjectRef alice = vault_->Subject("alice").value();  // wrapped under the KEK about to be destroyed
  ASSERT_TRUE(vault_->RotateKek().ok());
  EXPECT_EQ(vault_->Get(alice, "profile", {"display_name"}).value()[0].value, "Alice");
  // Rotated by another vault over the same keyring (no epoch change here): the
  // stale wrapped key no longer unwraps, and the record is read afresh.
  auto reader = Open("sg-1");
  ASSERT_TRUE(reader->Unseal(root_).ok());
  const SubjectRef stale = reader->Subject("alice").value();
  ASSERT_TRUE(vault_->RotateKek().ok());
  EXPECT_EQ(reader->Get(stale, "profile", {"display_name"}).value()[0].value, "Alice");
  // A record taken by another vault over the same store is not trusted: read afresh.
  auto other = Open("sg-1");
  ASSERT_TRUE(other->Unseal(root_).ok());
  const SubjectRef from_other = other->Subject("alice").value();
  ASSERT_TRUE(vault_->Delete("alice").ok());
  EXPECT_EQ(vault_->Get(from_other, "profile", {}).status().code(), StatusCode::kNotFound);
}

TEST_F(VaultTest, NoPlaintextReachesTheStore) {
  ASSERT_TRUE(PutAlice().ok());
  const std::string all = Dump(*store_);
  for (const char* secret : {"Alice@Example.org", "alice@example.org", "6123 4567", "6561234567", "my cat", "Alice"}) {
    EXPECT_EQ(all.find(secret), std::string::npos) << secret;
  }
}

TEST_F(VaultTest, BlindIndexLookupFollowsUpdates) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Put("bob", "SG", {{"profile", {{"email", "bob@example.org"}}}}).ok());
  EXPECT_EQ(vault_->Lookup("profile", "email", " ALICE@example.org").value(), std::vector<std::string>{"alice"});
  EXPECT_EQ(vault_->Lookup("profile", "phone", "0065-6123-4567").value(), std::vector<std::string>{"alice"});
  ASSERT_TRUE(vault_->Put("alice", "SG", {{"profile", {{"email", "new@example.org"}}}}).ok());
  EXPECT_TRUE(vault_->Lookup("profile", "email", "alice@example.org").value().empty());
  EXPECT_EQ(vault_->Lookup("profile", "email", "new@example.org").value(), std::vector<std::string>{"alice"});
  EXPECT_EQ(vault_->Lookup("profile", "display_name", "Alice").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vault_->Lookup("nope", "email", "x@y").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, BadInputIsRefusedAndChangesNothing) {
  ASSERT_TRUE(PutAlice().ok());
  const std::string before = Dump(*store_);
  struct Case {
    std::string subject, home;
    FieldValues values;
    StatusCode code;
    std::string message;
  } cases[] = {
      {"alice", "SG", {{"contacts", {{"x", 1}}}}, StatusCode::kInvalidArgument, "unknown collection 'contacts'"},
      {"alice", "SG", {{"profile", {{"display_name", std::string(300, 'x')}}}}, StatusCode::kResourceExhausted,
       "limit 256"},
      {"alice", "SG", {{"profile", {{"email", "plainly-invalid"}}}}, StatusCode::kInvalidArgument, "profile.email"},
      {"alice", "SG", {{"profile", {{"email", 42}}}}, StatusCode::kInvalidArgument, "must be a string"},
      {"carol", "US", {{"profile", {{"display_name", "C"}}}}, StatusCode::kPermissionDenied, "residency.enclave-home"},
      {"alice", "US", {{"profile", {{"display_name", "C"}}}}, StatusCode::kPermissionDenied, "residency.enclave-home"},
      {"", "SG", {{"profile", {{"display_name", "C"}}}}, StatusCode::kInvalidArgument, "subject id"},
      {"alice", "SG", {{"profile", {{"display_name", "\xff\xfe"}}}}, StatusCode::kInvalidArgument, "UTF-8"},
      {"alice", "SG", {{"profile", {{"display_name", "a\xed\xa0\x80"}}}}, StatusCode::kInvalidArgument, "UTF-8"},
      {"alice", "SG", {{"profile", {{"display_name", "\xc3"}}}}, StatusCode::kInvalidArgument, "UTF-8"},
      {"alice", "SG", {{"profile", {{"display_name", nlohmann::json::array({"ok", "\xc0\xaf"})}}}},
       StatusCode::kInvalidArgument, "UTF-8"},
      {"alice", "SG", {}, StatusCode::kInvalidArgument, "nothing to write"},
      // A valid field next to an invalid one: all or nothing.
      {"alice", "SG", {{"profile", {{"display_name", "ok"}}}, {"zzz", {{"x", 1}}}}, StatusCode::kInvalidArgument,
       "unknown collection"},
  };
  for (const auto& c : cases) {
    Status s = vault_->Put(c.subject, c.home, c.values);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("plainly-invalid"), std::string::npos);
    EXPECT_EQ(Dump(*store_), before);
  }
  EXPECT_EQ(vault_->Get("alice", "contacts", {}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, SealedVaultFailsClosed) {
  ASSERT_TRUE(PutAlice().ok());
  const std::string before = Dump(*store_);
  vault_->Seal();
  EXPECT_TRUE(vault_->sealed());
  EXPECT_EQ(PutAlice().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault_->Get("alice", "profile", {}).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault_->Lookup("profile", "email", "alice@example.org").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault_->Delete("alice").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault_->Home("alice").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault_->RotateKek().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Dump(*store_), before);
  EXPECT_EQ(vault_->Unseal(std::string(32, 'w')).code(), StatusCode::kPermissionDenied);  // wrong key
  EXPECT_TRUE(vault_->sealed());
  ASSERT_TRUE(vault_->Unseal(root_).ok());
  EXPECT_EQ(vault_->Get("alice", "profile", {"email"}).value()[0].value, "Alice@Example.org");
}

TEST_F(VaultTest, TamperedAndSwappedCiphertextIsDataLoss) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Put("bob", "SG", {{"profile", {{"email", "bob@example.org"}}}}).ok());
  auto fields = store_->GetFields("alice", "profile", {"email", "phone"}).value();
  auto write = [&](const std::string& subject, store::FieldRecord f) {
    store::Mutation m;
    m.subject = subject;
    m.put_fields.push_back(std::move(f));
    ASSERT_TRUE(store_->Apply(m).ok());
  };
  // Tampered: one flipped bit.
  store::FieldRecord tampered = fields[0];
  tampered.sealed[20] ^= 1;
  write("alice", tampered);
  auto r = vault_->Get("alice", "profile", {"email"});
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("profile.email"), std::string::npos);
  write("alice", fields[0]);
  // Swapped fields: the phone ciphertext stored as the email.
  store::FieldRecord swapped = fields[1];
  swapped.field = "email";
  write("alice", swapped);
  EXPECT_EQ(vault_->Get("alice", "profile", {"email"}).status().code(), StatusCode::kDataLoss);
  write("alice", fields[0]);
  // Moved to another subject.
  write("bob", fields[0]);
  EXPECT_EQ(vault_->Get("bob", "profile", {"email"}).status().code(), StatusCode::kDataLoss);
  // Rolled back to another version number.
  store::FieldRecord rolled = fields[0];
  rolled.version = 7;
  write("alice", rolled);
  EXPECT_EQ(vault_->Get("alice", "profile", {"email"}).status().code(), StatusCode::kDataLoss);
  // A key blob swapped between subjects does not unwrap.
  auto alice = store_->GetSubject("alice").value().value();
  auto bob = store_->GetSubject("bob").value().value();
  bob.key_blob = alice.key_blob;
  store::Mutation m;
  m.subject = "bob";
  m.upsert = bob;
  ASSERT_TRUE(store_->Apply(m).ok());
  EXPECT_EQ(vault_->Get("bob", "profile", {}).status().code(), StatusCode::kDataLoss);
}

TEST_F(VaultTest, ShreddingMakesEarlierCopiesUndecryptable) {
  ASSERT_TRUE(PutAlice().ok());
  for (int i = 0; i < 6; ++i) {  // two buckets: some share alice's
    ASSERT_TRUE(vault_->Put("s" + std::to_string(i), "SG", {{"profile", {{"display_name", i}}}}).ok());
  }
  // A "backup" taken before the deletion.
  const auto alice_before = store_->GetSubject("alice").value().value();
  const auto alice_fields = store_->GetAllFields("alice").value();

  auto receipt = vault_->Delete("alice");
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_EQ(receipt->fields_destroyed, 4u);
  EXPECT_EQ(receipt->index_entries_removed, 2u);
  EXPECT_EQ(receipt->home, "SG");
  EXPECT_EQ(receipt->time_micros, clock_.NowUnixMicros());
  EXPECT_EQ(receipt->subject_pseudonym.size(), 64u);
  EXPECT_EQ(receipt->ToJson().find("alice"), std::string::npos);
  EXPECT_EQ(receipt->digest.size(), 64u);

  EXPECT_EQ(vault_->Get("alice", "profile", {}).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(vault_->Lookup("profile", "email", "alice@example.org").value().empty());
  EXPECT_EQ(vault_->Delete("alice").status().code(), StatusCode::kNotFound);
  // The copy's wrapped key no longer opens, even with the unsealed keyring...
  EXPECT_EQ(keyring_->UnwrapKey("SG", alice_before.key_blob, crypto::DataKeyBinding("alice", "SG")).status().code(),
            StatusCode::kDataLoss);
  // ... nor after a restart from the keyring file, nor restoring the copy into the store.
  store::Mutation restore;
  restore.subject = "alice";
  restore.upsert = alice_before;
  restore.put_fields = alice_fields;
  ASSERT_TRUE(store_->Apply(restore).ok());
  auto k2 = crypto::FileKeyring::Open(fs_, "/keyring").value();
  auto v2 = Vault::Open(Config("sg-1"), store_.get(), k2.get(), &clock_).value();
  ASSERT_TRUE(v2->Unseal(root_).ok());
  EXPECT_EQ(v2->Get("alice", "profile", {}).status().code(), StatusCode::kDataLoss);
  // Everyone else is intact.
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(v2->Get("s" + std::to_string(i), "profile", {}).value()[0].value, i);
  }
}

// The data-key cache must not outlive a shred: with alice's key cached, deleting
// her and restoring a copy of her records into the same running vault yields
// DataLoss, never her data.
TEST_F(VaultTest, ShredIsExactWithAWarmKeyCache) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Get("alice", "profile", {}).ok());
  ASSERT_TRUE(vault_->Put("bob", "SG", {{"profile", {{"display_name", "B"}}}}).ok());
  EXPECT_EQ(vault_->cached_data_keys(), 2u);
  const auto alice_before = store_->GetSubject("alice").value().value();
  const auto alice_fields = store_->GetAllFields("alice").value();
  ASSERT_TRUE(vault_->Delete("alice").ok());
  store::Mutation restore;
  restore.subject = "alice";
  restore.upsert = alice_before;
  restore.put_fields = alice_fields;
  ASSERT_TRUE(store_->Apply(restore).ok());
  EXPECT_EQ(vault_->Get("alice", "profile", {}).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(vault_->Get("bob", "profile", {}).value()[0].value, "B");
}

TEST_F(VaultTest, ShredIsExactUnderConcurrentReaders) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Get("alice", "profile", {}).ok());
  const auto alice_before = store_->GetSubject("alice").value().value();
  const auto alice_fields = store_->GetAllFields("alice").value();
  std::atomic<bool> deleted{false}, stop{false};
  std::atomic<int> reads_after_delete{0}, leaks{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const bool after = deleted.load();  // read before the Get starts
        auto r = vault_->Get("alice", "profile", {"email"});
        if (after) {
          ++reads_after_delete;
          if (r.ok()) ++leaks;
        }
        // Pause between reads: the shared lock prefers readers, and the shred
        // needs a moment with none.
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(vault_->Delete("alice").ok());
  deleted = true;
  store::Mutation restore;  // an earlier copy reappears while readers keep going
  restore.subject = "alice";
  restore.upsert = alice_before;
  restore.put_fields = alice_fields;
  ASSERT_TRUE(store_->Apply(restore).ok());
  while (reads_after_delete.load() < 200) std::this_thread::yield();
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(leaks.load(), 0);
  EXPECT_EQ(vault_->Get("alice", "profile", {}).status().code(), StatusCode::kDataLoss);
}

TEST_F(VaultTest, SealDropsTheKeyCache) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Get("alice", "profile", {}).ok());
  EXPECT_EQ(vault_->cached_data_keys(), 1u);
  vault_->Seal();
  EXPECT_EQ(vault_->cached_data_keys(), 0u);
  ASSERT_TRUE(vault_->Unseal(root_).ok());
  ASSERT_TRUE(vault_->Get("alice", "profile", {}).ok());
  EXPECT_EQ(vault_->cached_data_keys(), 1u);
  keyring_->Seal();  // sealed behind the vault's back: the next call drops the keys
  EXPECT_EQ(vault_->Get("alice", "profile", {}).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault_->cached_data_keys(), 0u);
}

TEST_F(VaultTest, KekRotationDropsTheKeyCache) {
  ASSERT_TRUE(PutAlice().ok());
  const auto alice_before = store_->GetSubject("alice").value().value();
  ASSERT_TRUE(vault_->Get("alice", "profile", {}).ok());
  ASSERT_TRUE(vault_->RotateKek().ok());
  EXPECT_EQ(vault_->cached_data_keys(), 0u);
  // A copy wrapped under the destroyed KEK does not open from memory either.
  store::Mutation restore;
  restore.subject = "alice";
  restore.upsert = alice_before;
  ASSERT_TRUE(store_->Apply(restore).ok());
  EXPECT_EQ(vault_->Get("alice", "profile", {}).status().code(), StatusCode::kDataLoss);
}

TEST_F(VaultTest, KeyCacheCanBeDisabled) {
  VaultConfig config = Config("sg-1");
  config.dek_cache_entries = 0;
  auto v = Vault::Open(config, store_.get(), keyring_.get(), &clock_).value();
  ASSERT_TRUE(v->Put("bob", "SG", {{"profile", {{"display_name", "B"}}}}).ok());
  EXPECT_EQ(v->Get("bob", "profile", {}).value()[0].value, "B");
  EXPECT_EQ(v->cached_data_keys(), 0u);
}

TEST_F(VaultTest, InterruptedShredIsFinishedAtUnseal) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Put("bob", "SG", {{"profile", {{"display_name", "B"}}}}).ok());
  const auto alice = store_->GetSubject("alice").value().value();
  // Crash after the bucket got its new secret and the subject's records were
  // removed, before the old secret was destroyed.
  const uint32_t bucket = uint8_t(alice.key_blob[8]);
  ASSERT_TRUE(keyring_->RotateBucket("SG", bucket).ok());
  ASSERT_TRUE(store_->DeleteSubject("alice").ok());
  vault_->Seal();
  ASSERT_TRUE(vault_->Unseal(root_).ok());
  EXPECT_TRUE(keyring_->StaleBuckets("SG").value().empty());
  EXPECT_EQ(keyring_->UnwrapKey("SG", alice.key_blob, crypto::DataKeyBinding("alice", "SG")).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(vault_->Get("bob", "profile", {}).value()[0].value, "B");
}

TEST_F(VaultTest, KekRotationRewrapsKeysWithoutRewritingData) {
  ASSERT_TRUE(PutAlice().ok());
  ASSERT_TRUE(vault_->Put("bob", "SG", {{"profile", {{"display_name", "B"}}}}).ok());
  const auto alice_before = store_->GetSubject("alice").value().value();
  const auto fields_before = store_->GetAllFields("alice").value();
  EXPECT_EQ(vault_->RotateKek().value(), 2u);
  const auto alice_after = store_->GetSubject("alice").value().value();
  EXPECT_NE(alice_after.key_blob, alice_before.key_blob);
  EXPECT_EQ(alice_after.generation, alice_before.generation + 1);
  EXPECT_EQ(store_->GetAllFields("alice").value(), fields_before);  // data untouched
  EXPECT_EQ(vault_->Get("alice", "profile", {"email"}).value()[0].value, "Alice@Example.org");
  // The old KEK is gone: the old wrapping no longer opens.
  EXPECT_EQ(keyring_->UnwrapKey("SG", alice_before.key_blob, crypto::DataKeyBinding("alice", "SG")).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(vault_->RotateKek().value(), 2u);
}

TEST_F(VaultTest, BackupAndGlobalSitesFollowTheirRules) {
  auto backup = Open("bak");
  Status s = backup->Unseal(root_);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("residency.backup-sealed-only"), std::string::npos);

  vault_->Seal();
  auto global = Open("glob");
  ASSERT_TRUE(global->Unseal(root_).ok());
  EXPECT_TRUE(global->Put("alice", "SG", {{"profile", {{"followers", 120}}}}).ok());
  s = global->Put("alice", "SG", {{"profile", {{"display_name", "A"}}}});
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("residency.global-interoperable-only"), std::string::npos);
  EXPECT_EQ(global->Get("alice", "profile", {"followers"}).value()[0].value, 120);
  EXPECT_EQ(global->Get("alice", "profile", {"email"}).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(VaultTest, ClassificationLoweringIsRefusedUnlessApprovedAndRecorded) {
  ASSERT_TRUE(vault_->classification_change().has_value());  // first start
  EXPECT_FALSE(Open("sg-1")->classification_change().has_value());
  std::string lowered = std::string("site: sg-1") + kSites;
  lowered.replace(lowered.find("{category: protected, blind_index: email}"),
                  std::string("{category: protected, blind_index: email}").size(), "public");
  auto refused = Vault::Open(ParseVaultConfig(lowered).value(), store_.get(), keyring_.get(), &clock_);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  lowered += "lowering: [{field: profile.email, from: protected, to: public, approved_by: dpo@x, reason: test}]\n";
  auto accepted = Vault::Open(ParseVaultConfig(lowered).value(), store_.get(), keyring_.get(), &clock_);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  ASSERT_TRUE((*accepted)->classification_change().has_value());
  EXPECT_EQ((*accepted)->classification_change()->changes.at(0).field, "profile.email");
  auto log = store_->GetMeta("vault/classification-log").value().value();
  EXPECT_NE(log.find("dpo@x"), std::string::npos);
}

}  // namespace
}  // namespace domicile::vault
