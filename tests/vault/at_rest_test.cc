// Acceptance on RocksDB: no plaintext at rest, and shredding reaches copies taken
// before the deletion. Every byte the backend wrote (SST files, WAL, MANIFEST,
// logs) is searched for the personal values written, raw and base64.
#include <filesystem>

#include "crypto/envelope.h"
#include "store/rocksdb/rocksdb_store.h"
#include "vault/at_rest.h"

namespace domicile::vault {
namespace {

namespace fs = std::filesystem;

TEST_F(AtRestTest, RocksDbFilesAndWalHoldNoPlaintext) {
  const auto people = People(50);
  const std::string dir = data_.path() + "/db";
  {
    auto store = store::OpenRocksDbStore(dir).value();
    auto vault = OpenVault(store.get());
    for (const auto& p : people) ASSERT_TRUE(vault->Put(p.id, "SG", ValuesOf(p)).ok());
    // Overwrites leave older versions in the WAL and in SST files until compaction.
    ASSERT_TRUE(vault->Put(people[0].id, "SG", {{"profile", {{"bio", people[1].bio}}}}).ok());
    ASSERT_EQ(vault->Get(people[7].id, "profile", {"name"}).value()[0].value, people[7].name);  // really stored
  }
  size_t bytes = 0;
  const auto found = FindAll(dir, Needles(people), &bytes);
  EXPECT_GT(bytes, 50u * 5 * 40) << "the backend wrote less than the sealed values' size";
  EXPECT_TRUE(found.empty()) << found.size() << " plaintext hits, first: " << found.front();
}

// The search above can fail: values written unencrypted are found, raw and base64.
TEST_F(AtRestTest, SearchFindsPlaintextWrittenWithoutTheVault) {
  const auto people = People(2);
  const std::string dir = data_.path() + "/control";
  {
    auto store = store::OpenRocksDbStore(dir).value();
    ASSERT_TRUE(store->PutMeta("raw", people[0].name).ok());
    ASSERT_TRUE(store->PutMeta("b64", Base64Encode("x" + people[1].caption)).ok());
  }
  size_t bytes = 0;
  const auto found = FindAll(dir, Needles(people), &bytes);
  EXPECT_GE(found.size(), 2u);
}

TEST_F(AtRestTest, ShreddedSubjectCannotBeDecryptedFromAnEarlierCopy) {
  const auto people = People(24);
  const std::string dir = data_.path() + "/db";
  const std::string copy = data_.path() + "/copy";
  {
    auto store = store::OpenRocksDbStore(dir).value();
    auto vault = OpenVault(store.get());
    for (const auto& p : people) ASSERT_TRUE(vault->Put(p.id, "SG", ValuesOf(p)).ok());
  }
  fs::copy(dir, copy, fs::copy_options::recursive);  // the backup, taken before the deletion

  const std::string victim = people[3].id;
  ShredReceipt receipt;
  {
    auto store = store::OpenRocksDbStore(dir).value();
    auto vault = OpenVault(store.get());
    auto r = vault->Delete(victim);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    receipt = *r;
    for (const auto& p : people) {  // the live store: everyone else intact
      if (p.id != victim) {
        EXPECT_EQ(vault->Get(p.id, "profile", {"email"}).value()[0].value, p.email);
      }
    }
  }
  // Restore the copy and try everything a holder of the copy and the (unsealed,
  // current) keyring could do.
  auto old = store::OpenRocksDbStore(copy).value();
  auto vault = OpenVault(old.get());
  EXPECT_EQ(vault->Get(victim, "profile", {}).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(vault->Get(victim, "videos", {}).status().code(), StatusCode::kDataLoss);
  const auto rec = old->GetSubject(victim).value().value();
  EXPECT_EQ(keyring_->UnwrapKey("SG", rec.key_blob, crypto::DataKeyBinding(victim, "SG")).status().code(),
            StatusCode::kDataLoss);
  // Subjects outside the shredded bucket are still restorable from the copy;
  // those that shared it were rewrapped in the live store only (docs/vault.md).
  int restorable = 0;
  for (const auto& p : people) {
    auto got = vault->Get(p.id, "profile", {"email"});
    if (got.ok()) {
      EXPECT_EQ((*got)[0].value, p.email);
      ++restorable;
    } else {
      EXPECT_EQ(got.status().code(), StatusCode::kDataLoss);
    }
  }
  EXPECT_EQ(restorable, int(people.size()) - 1 - int(receipt.keys_rewrapped));
  EXPECT_GT(restorable, 0);
}

}  // namespace
}  // namespace domicile::vault
