// Property test at scale: a random tree of 100,000 leaves written through the
// tile machinery. Every inclusion proof verifies (and, for a sample, the proof
// read from the tiles equals the in-memory one), a sample of consistency proofs
// verifies, and mutated proofs are rejected.
#include <gtest/gtest.h>

#include <random>

#include "fakes/mem_file_system.h"
#include "tlog/merkle.h"
#include "tlog/tiles.h"

namespace domicile::tlog {
namespace {

TEST(TlogPropertyTest, HundredThousandLeavesFromTiles) {
  constexpr uint64_t kSize = 100000;
  std::mt19937_64 rng(20260707);
  testing::MemFileSystem fs;
  TreeEdge edge;
  MemoryTree tree;
  auto write = [&](int level, uint64_t index, std::span<const Hash> t) {
    std::string path = "log/" + TilePath(level, index, t.size());
    ASSERT_TRUE(fs.CreateDirs(DirName(path)).ok());
    fs.PutFile(path, std::string(reinterpret_cast<const char*>(t.data()), t.size() * kHashSize));
  };
  for (uint64_t i = 0; i < kSize; ++i) {
    Hash h = HashLeaf(std::to_string(rng()));
    tree.AppendLeafHash(h);
    edge.Append(h, write);
  }
  for (int l = 0; l < edge.num_levels(); ++l) {
    if (!edge.tail(l).empty()) write(l, (kSize >> (8 * l)) / 256, edge.tail(l));
  }
  ASSERT_EQ(edge.Root(), tree.Root());
  TileReader reader(fs, "log", kSize);
  std::string root(HashBytes(tree.Root()));
  for (uint64_t i = 0; i < kSize; ++i) {
    auto proof = InclusionProof(tree, i, kSize);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    if (i % 7 == 0) {
      ASSERT_EQ(*InclusionProof(reader, i, kSize), *proof) << i;
    }
    auto strs = HashesToStrings(*proof);
    std::string leaf(HashBytes(*tree.SubtreeHash(0, i)));
    ASSERT_TRUE(VerifyInclusion(i, kSize, leaf, strs, root).ok()) << i;
    if (i % 101 == 0) {
      strs[rng() % strs.size()][rng() % kHashSize] ^= char(1 << (rng() % 8));
      ASSERT_FALSE(VerifyInclusion(i, kSize, leaf, strs, root).ok()) << i;
    }
  }
  for (int s = 0; s < 2000; ++s) {
    uint64_t n1 = 1 + rng() % kSize;
    auto proof = ConsistencyProof(reader, n1, kSize);
    ASSERT_TRUE(proof.ok());
    auto strs = HashesToStrings(*proof);
    std::string r1(HashBytes(*TreeHash(tree, n1)));
    ASSERT_TRUE(VerifyConsistency(n1, kSize, strs, r1, root).ok()) << n1;
    if (!strs.empty()) {
      strs[rng() % strs.size()][rng() % kHashSize] ^= 0x01;
      ASSERT_FALSE(VerifyConsistency(n1, kSize, strs, r1, root).ok()) << n1;
    }
  }
}

}  // namespace
}  // namespace domicile::tlog
