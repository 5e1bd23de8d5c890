#include "tlog/merkle.h"

#include <gtest/gtest.h>

#include <bit>
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

// Every valid subtree of every tree up to 40 leaves: its hash is the reference MTH,
// its consistency proof verifies, and bit flips in every element, a dropped or an
// extra element, a longer range, or swapped hashes are rejected. (A different tree
// size is not always detectable from the proof alone, as with RFC 9162 proofs:
// the proof for [0, 2) in 3 leaves also fits a 4-leaf tree with the same root.)
TEST(MerkleTest, SubtreeConsistencyProofsOfSmallTreesVerifyAndResistMutation) {
  MemoryTree big = TreeOf(40);
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < 40; ++i) leaves.push_back(*big.SubtreeHash(0, i));
  int checked = 0;
  for (uint64_t n = 1; n <= 40; ++n) {
    std::string root(HashBytes(*TreeHash(big, n)));
    for (uint64_t start = 0; start < n; ++start) {
      for (uint64_t end = start + 1; end <= n; ++end) {
        if (!IsValidSubtree(start, end)) {
          EXPECT_FALSE(SubtreeConsistencyProof(big, start, end, n).ok());
          continue;
        }
        auto node = SubtreeRootHash(big, start, end);
        ASSERT_TRUE(node.ok());
        ASSERT_EQ(*node, ReferenceRoot(leaves, start, end)) << start << "," << end;
        std::string sub(HashBytes(*node));
        auto proof = SubtreeConsistencyProof(big, start, end, n);
        ASSERT_TRUE(proof.ok());
        auto strs = HashesToStrings(*proof);
        ASSERT_TRUE(VerifySubtreeConsistency(start, end, n, strs, sub, root).ok())
            << "[" << start << "," << end << ") in " << n;
        ++checked;
        for (size_t i = 0; i < strs.size(); ++i) {
          for (int bit = 0; bit < 8 * int(kHashSize); bit += 37) {
            auto bad = strs;
            bad[i][bit / 8] ^= char(1 << (bit % 8));
            EXPECT_FALSE(VerifySubtreeConsistency(start, end, n, bad, sub, root).ok());
          }
        }
        if (!strs.empty()) {
          auto shorter = strs;
          shorter.pop_back();
          EXPECT_FALSE(VerifySubtreeConsistency(start, end, n, shorter, sub, root).ok());
        }
        auto longer = strs;
        longer.push_back(sub);
        EXPECT_FALSE(VerifySubtreeConsistency(start, end, n, longer, sub, root).ok());
        if (sub != root) {
          EXPECT_FALSE(VerifySubtreeConsistency(start, end, n, strs, root, sub).ok());
        }
        if (end < n && IsValidSubtree(start, end + 1)) {
          EXPECT_FALSE(VerifySubtreeConsistency(start, end + 1, n, strs, sub, root).ok());
        }
      }
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(MerkleTest, SubtreeConsistencyEdgeCases) {
  MemoryTree t = TreeOf(8);
  std::string root(HashBytes(t.Root())), empty(HashBytes(EmptyRoot()));
  // The whole tree: empty proof, equal hashes.
  EXPECT_TRUE(SubtreeConsistencyProof(t, 0, 8, 8)->empty());
  EXPECT_TRUE(VerifySubtreeConsistency(0, 8, 8, {}, root, root).ok());
  EXPECT_FALSE(VerifySubtreeConsistency(0, 8, 8, {}, empty, root).ok());
  // An empty range: only with the empty tree's hash and no proof.
  EXPECT_TRUE(VerifySubtreeConsistency(3, 3, 8, {}, empty, root).ok());
  EXPECT_FALSE(VerifySubtreeConsistency(3, 3, 8, {}, root, root).ok());
  std::vector<std::string> one = {empty};
  EXPECT_FALSE(VerifySubtreeConsistency(3, 3, 8, one, empty, root).ok());
  EXPECT_FALSE(VerifySubtreeConsistency(9, 9, 8, {}, empty, root).ok());
  // Ranges that are not subtrees, or beyond the tree.
  EXPECT_EQ(SubtreeConsistencyProof(t, 2, 5, 8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SubtreeConsistencyProof(t, 4, 8, 7).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(SubtreeRootHash(t, 1, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(VerifySubtreeConsistency(5, 4, 8, {}, empty, root).ok());
  // Hashes of the wrong length cannot verify.
  auto proof = HashesToStrings(*SubtreeConsistencyProof(t, 4, 6, 8));
  std::string sub(HashBytes(*SubtreeRootHash(t, 4, 6)));
  ASSERT_TRUE(VerifySubtreeConsistency(4, 6, 8, proof, sub, root).ok());
  EXPECT_FALSE(VerifySubtreeConsistency(4, 6, 8, proof, sub.substr(1), root).ok());
  proof[0].push_back('x');
  EXPECT_FALSE(VerifySubtreeConsistency(4, 6, 8, proof, sub, root).ok());
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
    // A random valid subtree of the same tree: a power of two at an aligned start.
    uint64_t width = uint64_t{1} << (rng() % std::bit_width(n2));
    uint64_t start = (rng() % n2) / width * width, end = std::min(start + 1 + rng() % width, n2);
    ASSERT_TRUE(IsValidSubtree(start, end)) << start << "," << end;
    auto sp = SubtreeConsistencyProof(t, start, end, n2);
    ASSERT_TRUE(sp.ok());
    std::string sub(HashBytes(*SubtreeRootHash(t, start, end)));
    auto sstrs = HashesToStrings(*sp);
    ASSERT_TRUE(VerifySubtreeConsistency(start, end, n2, sstrs, sub, r2).ok());
    if (!sstrs.empty()) {
      sstrs[rng() % sstrs.size()][rng() % kHashSize] ^= 0x01;
      EXPECT_FALSE(VerifySubtreeConsistency(start, end, n2, sstrs, sub, r2).ok());
    }
  }
}

TEST(MerklePropertyTest, RandomTrees) {
  std::mt19937 rng(7);
  for (int k = 0; k < 20; ++k) PropertyCheck(1 + rng() % 3000, rng(), 50);
}

}  // namespace
}  // namespace domicile::tlog
