#include "tlog/tiles.h"

#include <gtest/gtest.h>

#include "fakes/mem_file_system.h"

namespace domicile::tlog {
namespace {

TEST(TilesTest, PathEncodingFollowsTheSpec) {
  EXPECT_EQ(EncodeTileIndex(0), "000");
  EXPECT_EQ(EncodeTileIndex(67), "067");
  EXPECT_EQ(EncodeTileIndex(1000), "x001/000");
  EXPECT_EQ(EncodeTileIndex(1234067), "x001/x234/067");
  EXPECT_EQ(TilePath(0, 1234067, 256), "tile/0/x001/x234/067");
  EXPECT_EQ(TilePath(2, 5, 17), "tile/2/005.p/17");
  EXPECT_EQ(EntriesPath(1000, 1), "tile/entries/x001/000.p/1");
}

TEST(TilesTest, WidthsOfTheSpecExample) {
  // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
  // level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of
  // width 17, and one partial level 2 tile of width 1."
  EXPECT_EQ(TileWidth(0, 272, 70000), 256u);
  EXPECT_EQ(TileWidth(0, 273, 70000), 112u);
  EXPECT_EQ(TileWidth(0, 274, 70000), 0u);
  EXPECT_EQ(TileWidth(1, 0, 70000), 256u);
  EXPECT_EQ(TileWidth(1, 1, 70000), 17u);
  EXPECT_EQ(TileWidth(2, 0, 70000), 1u);
  EXPECT_EQ(TileWidth(3, 0, 70000), 0u);
  EXPECT_EQ(TileWidth(1, 0, 256), 1u);
}

TEST(TilesTest, BundlesSplitAndRejectCutEntries) {
  std::string b;
  AppendBundleEntry(b, "one");
  AppendBundleEntry(b, "");
  AppendBundleEntry(b, std::string(65535, 'x'));
  auto e = SplitBundle(b);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ((*e)[0], "one");
  EXPECT_EQ((*e)[1], "");
  EXPECT_EQ((*e)[2].size(), 65535u);
  EXPECT_EQ(SplitBundle(b.substr(0, b.size() - 1)).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(SplitBundle(std::string(1, '\0')).status().code(), StatusCode::kDataLoss);
}

TEST(TilesTest, EdgeRootMatchesTheFullTreeAndRebuildsFromItsTails) {
  TreeEdge edge;
  MemoryTree tree;
  std::map<std::pair<int, uint64_t>, std::vector<Hash>> full;
  for (uint64_t i = 0; i < 70000; ++i) {
    Hash h = HashLeaf(std::to_string(i));
    tree.AppendLeafHash(h);
    edge.Append(h, [&](int level, uint64_t index, std::span<const Hash> t) {
      full[{level, index}] = std::vector<Hash>(t.begin(), t.end());
    });
    if (i % 4999 == 0 || i > 65530) {
      ASSERT_EQ(edge.Root(), tree.Root()) << i;
    }
  }
  EXPECT_EQ(full.size(), 273u + 1u);
  // A level-1 hash is the root of the level-0 tile below it.
  EXPECT_EQ(full[std::make_pair(1, uint64_t{0})][3], *tree.SubtreeHash(8, 3));
  std::vector<std::vector<Hash>> tails;
  for (int l = 0; l < edge.num_levels(); ++l) tails.emplace_back(edge.tail(l).begin(), edge.tail(l).end());
  auto rebuilt = TreeEdge::FromTails(70000, tails);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->Root(), tree.Root());
  EXPECT_FALSE(TreeEdge::FromTails(70001, tails).ok());
}

TEST(TilesTest, TileReaderServesProofsFromFiles) {
  testing::MemFileSystem fs;
  TreeEdge edge;
  MemoryTree tree;
  auto write = [&](int level, uint64_t index, std::span<const Hash> t) {
    std::string path = "log/" + TilePath(level, index, t.size());
    ASSERT_TRUE(fs.CreateDirs(DirName(path)).ok());
    fs.PutFile(path, std::string(reinterpret_cast<const char*>(t.data()), t.size() * kHashSize));
  };
  const uint64_t n = 1000;
  for (uint64_t i = 0; i < n; ++i) {
    Hash h = HashLeaf(std::to_string(i));
    tree.AppendLeafHash(h);
    edge.Append(h, write);
  }
  for (int l = 0; l < edge.num_levels(); ++l) {
    if (!edge.tail(l).empty()) write(l, (n >> (8 * l)) / 256, edge.tail(l));
  }
  TileReader reader(fs, "log", n);
  EXPECT_EQ(*TreeHash(reader, n), tree.Root());
  for (uint64_t i : {0u, 255u, 256u, 999u}) EXPECT_EQ(*InclusionProof(reader, i, n), *InclusionProof(tree, i, n));
  EXPECT_EQ(*ConsistencyProof(reader, 300, n), *ConsistencyProof(tree, 300, n));
  // A truncated tile is reported by name.
  fs.PutFile("log/tile/0/003.p/232", "short");
  TileReader broken(fs, "log", n);
  auto r = InclusionProof(broken, 999, n);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tile/0/003.p/232"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace domicile::tlog
