// Shared by the vault's at-rest acceptance tests: distinctive personal values, the
// search for them (raw and base64) in every file under a directory, and a fixture
// with a file keyring and a vault over any store.
#ifndef DOMICILE_TESTS_VAULT_AT_REST_H_
#define DOMICILE_TESTS_VAULT_AT_REST_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/file.h"
#include "crypto/keyring.h"
#include "fakes/fake_clock.h"
#include "fakes/temp_dir.h"
#include "vault/vault.h"

namespace domicile::vault {


inline constexpr char kConfig[] = R"(
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
inline std::vector<Person> People(int n) {
  std::vector<Person> out;
  for (int i = 0; i < n; ++i) {
    const std::string k = std::to_string(1000 + i);
    out.push_back({"subject-" + k, "Quokka.Marmalade" + k + "@Example.org", "+65 9" + k + " 4" + k,
                   "Wilhelmina Fairweather-" + k, "Collects antique barometers " + k,
                   "Sunset over Marina Bay, take " + k});
  }
  return out;
}

inline FieldValues ValuesOf(const Person& p) {
  return {{"profile", {{"email", p.email}, {"phone", p.phone}, {"name", p.name}, {"bio", p.bio}}},
          {"videos", {{"caption", p.caption}}}};
}

// What must not be found: each value, its normalised index form, raw and in
// base64 at all three alignments (the stable middle part of each encoding).
inline std::vector<std::string> Needles(const std::vector<Person>& people) {
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
inline std::vector<std::string> FindAll(const std::string& dir, const std::vector<std::string>& needles, size_t* bytes) {
  std::vector<std::string> found;
  *bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
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

}  // namespace domicile::vault

#endif  // DOMICILE_TESTS_VAULT_AT_REST_H_
