// Acceptance: no plaintext at rest, and shredding reaches copies taken before the
// deletion. Personal values are written through the vault on a real backend, then
// every byte the backend wrote (RocksDB: SST files, WAL, MANIFEST, logs) is searched
// for them, raw and base64.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/encoding.h"
#include "common/file.h"
#include "crypto/envelope.h"
#include "crypto/keyring.h"
#include "fakes/fake_clock.h"
#include "fakes/temp_dir.h"
#include "store/rocksdb/rocksdb_store.h"
#include "vault/vault.h"

namespace domicile::vault {
namespace {

namespace fs = std::filesystem;

constexpr char kConfig[] = R"(
site: sg-1
sites:
  - {id: sg-1, jurisdiction: SG, custodian: SG Data Trust, role: enclave}
collections:
  profile:
    fields:
      email: {category: protected, blind_index: email}
      phone: {category: protected, blind_index: phone}
      name: protected
      bio: public
  videos:
    fields:
      caption: profiling
)";

struct Person {
  std::string id, email, phone, name, bio, caption;
};

// Distinctive values that cannot occur by chance in the backend's files.
std::vector<Person> People(int n) {
  std::vector<Person> out;
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(1000 + i);
    out.push_back({"subject-" + k, "Quokka.Marmalade" + k + "@Example.org", "+65 9" + k + " 4" + k,
                   "Wilhelmina Fairweather-" + k, "Collects antique barometers " + k,
                   "Sunset over Marina Bay, take " + k});
  }
  return out;
}

FieldValues ValuesOf(const Person& p) {
  return {{"profile", {{"email", p.email}, {"phone", p.phone}, {"name", p.name}, {"bio", p.bio}}},
          {"videos", {{"caption", p.caption}}}};
}

// What must not be found: each value, its normalised index form, raw and in
// base64 at all three alignments (the stable middle part of each encoding).
std::vector<std::string> Needles(const std::vector<Person>& people) {
  std::vector<std::string> out;
  for (const auto& p : people) {
    std::string lower = p.email;
    for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    std::string digits = "+";
    for (char c : p.phone) {
      if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    for (const std::string& v : {p.email, lower, digits, p.phone, p.name, p.bio, p.caption}) {
      out.push_back(v);
      for (int shift = 0; shift < 3; ++shift) {
        const std::string enc = Base64Encode(std::string(shift, 'A') + v);
        out.push_back(enc.substr(4, enc.size() - 8));
      }
    }
  }
  return out;
}

// Every needle found in any file under `dir`, with the file name.
std::vector<std::string> FindAll(const std::string& dir, const std::vector<std::string>& needles, size_t* bytes) {
  std::vector<std::string> found;
  *bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    *bytes += data.size();
    for (const auto& n : needles) {
      if (data.find(n) != std::string::npos) found.push_back(e.path().filename().string() + ": " + n);
    }
  }
  return found;
}

class AtRestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created =
        crypto::FileKeyring::Create(*FileSystem::Default(), keys_.path() + "/keyring.json", {"SG"}, /*buckets=*/8);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    keyring_ = std::move(created->keyring);
    root_ = created->root_key;
  }
  std::unique_ptr<Vault> OpenVault(store::Store* s) {
    auto v = Vault::Open(ParseVaultConfig(kConfig).value(), s, keyring_.get(), &clock_);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE((*v)->Unseal(root_).ok());
    return std::move(v).value();
  }

  testing::TempDir keys_;
  testing::TempDir data_;
  testing::FakeClock clock_;
  std::unique_ptr<crypto::FileKeyring> keyring_;
  std::string root_;
};

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
