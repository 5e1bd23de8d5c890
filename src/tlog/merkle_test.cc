#include "tlog/merkle.h"

#include <gtest/gtest.h>

#include <random>

#include "common/encoding.h"

namespace domicile::tlog {
namespace {

std::string B64(const Hash& h) { return Base64Encode(HashBytes(h)); }

MemoryTree TreeOf(uint64_t n) {
  MemoryTree t;
  for (uint64_t i = 0; i < n; ++i) t.AppendEntry("entry " + std::to_string(i));
  return t;
}

// Reference MTH straight from the RFC 9162 definition.
Hash ReferenceRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return HashChildren(ReferenceRoot(leaves, begin, begin + k), ReferenceRoot(leaves, begin + k, end));
}

TEST(MerkleTest, KnownHashes) {
  EXPECT_EQ(B64(EmptyRoot()), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(B64(HashLeaf("")), "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=");
  // RFC 6962 reference tree of 8 leaves (certificate-transparency-go testdata).
  std::vector<std::string> inputs = {"", std::string("\x00", 1), "\x10", "\x20\x21", "\x30\x31",
                                     "\x40\x41\x42\x43", "\x50\x51\x52\x53\x54\x55\x56\x57",
                                     "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  MemoryTree t;
  for (const auto& in : inputs) t.AppendEntry(in);
  EXPECT_EQ(HexEncode(HashBytes(t.Root())), "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
}

TEST(MerkleTest, RootMatchesDefinitionForEverySizeUpTo300) {
  MemoryTree t;
  std::vector<Hash> leaves;
  EXPECT_EQ(t.Root(), EmptyRoot());
  for (int i = 0; i < 300; ++i) {
    leaves.push_back(HashLeaf(std::to_string(i)));
    t.AppendLeafHash(leaves.back());
    ASSERT_EQ(t.Root(), ReferenceRoot(leaves, 0, leaves.size())) << "size " << leaves.size();
  }
}

TEST(MerkleTest, InclusionProofsOfSmallTreesVerifyAndRejectOtherLeaves) {
  for (uint64_t n = 1; n <= 70; ++n) {
    MemoryTree t = TreeOf(n);
    std::string root(HashBytes(t.Root()));
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = InclusionProof(t, i, n);
      ASSERT_TRUE(proof.ok());
      auto strs = HashesToStrings(*proof);
      std::string leaf(HashBytes(HashLeaf("entry " + std::to_string(i))));
      ASSERT_TRUE(VerifyInclusion(i, n, leaf, strs, root).ok()) << i << "/" << n;
      EXPECT_FALSE(VerifyInclusion(i, n, std::string(HashBytes(HashLeaf("x"))), strs, root).ok());
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion((i + 1) % n, n, leaf, strs, root).ok());
      }
    }
  }
}

TEST(MerkleTest, ConsistencyProofsOfSmallTreesVerify) {
  MemoryTree big = TreeOf(70);
  for (uint64_t n = 1; n <= 70; ++n) {
    MemoryTree t = TreeOf(n);
    std::string root2(HashBytes(t.Root()));
    for (uint64_t m = 1; m <= n; ++m) {
      std::string root1(HashBytes(TreeOf(m).Root()));
      auto proof = ConsistencyProof(big, m, n);  // a bigger tree serves the same subtrees
      ASSERT_TRUE(proof.ok());
      auto strs = HashesToStrings(*proof);
      ASSERT_TRUE(VerifyConsistency(m, n, strs, root1, root2).ok()) << m << "->" << n;
      if (m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, strs, root2, root2).ok());
        EXPECT_FALSE(VerifyConsistency(m, n, strs, root1, root1).ok());
      }
    }
  }
}

TEST(MerkleTest, ProofRequestsOutOfRangeFail) {
  MemoryTree t = TreeOf(5);
  EXPECT_EQ(InclusionProof(t, 5, 5).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ConsistencyProof(t, 6, 5).status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(ConsistencyProof(t, 0, 5)->empty());
  EXPECT_TRUE(ConsistencyProof(t, 5, 5)->empty());
  EXPECT_FALSE(InclusionProof(t, 0, 9).ok());  // the tree does not have those subtrees
}

// Property test: every inclusion proof of a random tree verifies, a sample of
// consistency proofs verifies, and every single-bit mutation of a proof is rejected.
void PropertyCheck(uint64_t n, uint32_t seed, int consistency_samples) {
  std::mt19937_64 rng(seed);
  MemoryTree t;
  for (uint64_t i = 0; i < n; ++i) t.AppendLeafHash(HashLeaf(std::to_string(rng())));
  std::string root(HashBytes(t.Root()));
  for (uint64_t i = 0; i < n; ++i) {
    auto proof = InclusionProof(t, i, n);
    ASSERT_TRUE(proof.ok());
    std::string leaf(HashBytes(*t.SubtreeHash(0, i)));
    auto strs = HashesToStrings(*proof);
    ASSERT_TRUE(VerifyInclusion(i, n, leaf, strs, root).ok()) << i;
    if (i % 997 == 0 && !strs.empty()) {
      size_t which = rng() % strs.size();
      strs[which][rng() % kHashSize] ^= char(1 << (rng() % 8));
      EXPECT_FALSE(VerifyInclusion(i, n, leaf, strs, root).ok());
      strs.pop_back();
      EXPECT_FALSE(VerifyInclusion(i, n, leaf, strs, root).ok());
    }
  }
  for (int s = 0; s < consistency_samples; ++s) {
    uint64_t n2 = 1 + rng() % n, n1 = 1 + rng() % n2;
    auto proof = ConsistencyProof(t, n1, n2);
    ASSERT_TRUE(proof.ok());
    std::string r1(HashBytes(*TreeHash(t, n1))), r2(HashBytes(*TreeHash(t, n2)));
    auto strs = HashesToStrings(*proof);
    ASSERT_TRUE(VerifyConsistency(n1, n2, strs, r1, r2).ok()) << n1 << "->" << n2;
    if (!strs.empty()) {
      strs[rng() % strs.size()][rng() % kHashSize] ^= 0x80;
      EXPECT_FALSE(VerifyConsistency(n1, n2, strs, r1, r2).ok());
    }
  }
}

TEST(MerklePropertyTest, RandomTrees) {
  std::mt19937 rng(7);
  for (int k = 0; k < 20; ++k) PropertyCheck(1 + rng() % 3000, rng(), 50);
}

}  // namespace
}  // namespace domicile::tlog
