// The transparency-dev Merkle test vectors (../shared/testdata/tlog/testdata):
// every inclusion, consistency, subtree-inclusion and subtree-consistency
// (draft-ietf-plants-merkle-tree-certs) vector, positive and negative; our proof
// generators reproduce the positive ones.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/encoding.h"
#include "fakes/temp_dir.h"
#include "tlog/merkle.h"

namespace domicile::tlog {
namespace {

namespace fs = std::filesystem;

std::string VectorsDir() {
  std::string shared = testing::SharedDir();
  return shared.empty() ? "" : shared + "/testdata/tlog/testdata";
}

std::vector<fs::path> JsonFiles(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json Load(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// Decodes base64 as a wire decoder would; undecodable input becomes bytes that
// cannot be a hash.
std::string B64(const nlohmann::json& j) {
  if (j.is_null()) return "";
  auto d = Base64Decode(j.get<std::string>());
  return d.ok() ? *d : "<undecodable>";
}

std::vector<std::string> Proof(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_null()) return out;
  for (const auto& h : j) out.push_back(B64(h));
  return out;
}

TEST(VectorsTest, Inclusion) {
  std::string dir = VectorsDir();
  if (dir.empty()) GTEST_SKIP() << "shared test data (../shared/testdata/tlog) is absent";
  int pos = 0, neg = 0;
  for (const auto& p : JsonFiles(dir + "/inclusion")) {
    auto j = Load(p);
    Status st = VerifyInclusion(j["leafIdx"].get<uint64_t>(), j["treeSize"].get<uint64_t>(), B64(j["leafHash"]),
                                Proof(j["proof"]), B64(j["root"]));
    bool want_err = j["wantErr"].get<bool>();
    EXPECT_EQ(!st.ok(), want_err) << p << ": " << st.ToString();
    (want_err ? neg : pos)++;
  }
  EXPECT_GE(pos, 5);
  EXPECT_GE(neg, 50);
  RecordProperty("inclusion_vectors", pos + neg);
}

TEST(VectorsTest, Consistency) {
  std::string dir = VectorsDir();
  if (dir.empty()) GTEST_SKIP() << "shared test data (../shared/testdata/tlog) is absent";
  int pos = 0, neg = 0;
  for (const auto& p : JsonFiles(dir + "/consistency")) {
    auto j = Load(p);
    Status st = VerifyConsistency(j["size1"].get<uint64_t>(), j["size2"].get<uint64_t>(), Proof(j["proof"]),
                                  B64(j["root1"]), B64(j["root2"]));
    bool want_err = j["wantErr"].get<bool>();
    EXPECT_EQ(!st.ok(), want_err) << p << ": " << st.ToString();
    (want_err ? neg : pos)++;
  }
  EXPECT_GE(pos, 5);
  EXPECT_GE(neg, 50);
  RecordProperty("consistency_vectors", pos + neg);
}

// The happy-path vectors were produced from a reference tree; our generator must
// produce exactly the same proofs for the same tree. Leaves of the reference tree
// (RFC 6962 test inputs) are rebuilt here.
TEST(VectorsTest, GeneratedProofsEqualTheVectors) {
  std::string dir = VectorsDir();
  if (dir.empty()) GTEST_SKIP() << "shared test data (../shared/testdata/tlog) is absent";
  std::vector<std::string> inputs = {"", std::string("\x00", 1), "\x10", "\x20\x21", "\x30\x31",
                                     "\x40\x41\x42\x43", "\x50\x51\x52\x53\x54\x55\x56\x57",
                                     "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  MemoryTree tree;
  for (const auto& in : inputs) tree.AppendEntry(in);
  int compared = 0;
  for (const auto& p : JsonFiles(dir + "/inclusion")) {
    auto j = Load(p);
    if (j["wantErr"].get<bool>() || j["treeSize"].get<uint64_t>() > 8) continue;
    if (B64(j["leafHash"]) != HashBytes(*tree.SubtreeHash(0, j["leafIdx"].get<uint64_t>()))) continue;
    auto proof = InclusionProof(tree, j["leafIdx"].get<uint64_t>(), j["treeSize"].get<uint64_t>());
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(HashesToStrings(*proof), Proof(j["proof"])) << p;
    ++compared;
  }
  for (const auto& p : JsonFiles(dir + "/consistency")) {
    auto j = Load(p);
    if (j["wantErr"].get<bool>() || j["size2"].get<uint64_t>() > 8) continue;
    uint64_t s1 = j["size1"].get<uint64_t>(), s2 = j["size2"].get<uint64_t>();
    if (s1 == 0 || B64(j["root2"]) != HashBytes(*TreeHash(tree, s2))) continue;
    EXPECT_EQ(HashesToStrings(*ConsistencyProof(tree, s1, s2)), Proof(j["proof"])) << p;
    ++compared;
  }
  int subtree_compared = 0;
  for (const auto& p : JsonFiles(dir + "/subtreeconsistency")) {
    auto j = Load(p);
    uint64_t start = j["start"].get<uint64_t>(), end = j["end"].get<uint64_t>(), size = j["size"].get<uint64_t>();
    if (j["wantErr"].get<bool>() || size > 8 || !IsValidSubtree(start, end) ||
        B64(j["root2"]) != HashBytes(*TreeHash(tree, size))) {
      continue;
    }
    EXPECT_EQ(B64(j["root1"]), HashBytes(*SubtreeRootHash(tree, start, end))) << p;
    EXPECT_EQ(HashesToStrings(*SubtreeConsistencyProof(tree, start, end, size)), Proof(j["proof"])) << p;
    ++subtree_compared;
  }
  EXPECT_GE(subtree_compared, 5);
  EXPECT_GT(compared, 0);
}

TEST(VectorsTest, SubtreeInclusion) {
  std::string dir = VectorsDir();
  if (dir.empty()) GTEST_SKIP() << "shared test data (../shared/testdata/tlog) is absent";
  int pos = 0, neg = 0;
  for (const auto& p : JsonFiles(dir + "/subtreeinclusion")) {
    auto j = Load(p);
    Status st = VerifySubtreeInclusion(j["leafIdx"].get<uint64_t>(), j["start"].get<uint64_t>(),
                                       j["end"].get<uint64_t>(), B64(j["leafHash"]), Proof(j["proof"]),
                                       B64(j["root"]));
    bool want_err = j["wantErr"].get<bool>();
    EXPECT_EQ(!st.ok(), want_err) << p << ": " << st.ToString();
    (want_err ? neg : pos)++;
  }
  EXPECT_GE(pos, 5);
  EXPECT_GE(neg, 50);
}

TEST(VectorsTest, SubtreeConsistency) {
  std::string dir = VectorsDir();
  if (dir.empty()) GTEST_SKIP() << "shared test data (../shared/testdata/tlog) is absent";
  int pos = 0, neg = 0;
  for (const auto& p : JsonFiles(dir + "/subtreeconsistency")) {
    auto j = Load(p);
    Status st = VerifySubtreeConsistency(j["start"].get<uint64_t>(), j["end"].get<uint64_t>(),
                                         j["size"].get<uint64_t>(), Proof(j["proof"]), B64(j["root1"]),
                                         B64(j["root2"]));
    bool want_err = j["wantErr"].get<bool>();
    EXPECT_EQ(!st.ok(), want_err) << p << ": " << st.ToString();
    (want_err ? neg : pos)++;
  }
  EXPECT_EQ(pos + neg, 118);
  EXPECT_GE(pos, 5);
  EXPECT_GE(neg, 50);
  RecordProperty("subtree_consistency_vectors", pos + neg);
}

}  // namespace
}  // namespace domicile::tlog
