#include "vault/internal/dek_cache.h"

#include <gtest/gtest.h>

namespace domicile::vault::internal {
namespace {

TEST(DekCacheTest, HitsOnlyForTheSameHomeAndWrappedBlob) {
  DekCache c(4);
  c.Insert(c.generation(), "alice", "SG", "blob-1", "dek-a");
  EXPECT_EQ(c.Find("alice", "SG", "blob-1"), "dek-a");
  EXPECT_EQ(c.Find("alice", "SG", "blob-2"), std::nullopt);  // rewrapped or restored record
  EXPECT_EQ(c.Find("alice", "US", "blob-1"), std::nullopt);  // home tampered with
  EXPECT_EQ(c.Find("bob", "SG", "blob-1"), std::nullopt);
  c.Insert(c.generation(), "alice", "SG", "blob-2", "dek-a");  // replaces the entry
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.Find("alice", "SG", "blob-1"), std::nullopt);
  EXPECT_EQ(c.Find("alice", "SG", "blob-2"), "dek-a");
}

TEST(DekCacheTest, EvictsTheLeastRecentlyUsed) {
  DekCache c(2);
  c.Insert(c.generation(), "a", "SG", "wa", "ka");
  c.Insert(c.generation(), "b", "SG", "wb", "kb");
  EXPECT_TRUE(c.Find("a", "SG", "wa"));  // a is now the most recent
  c.Insert(c.generation(), "c", "SG", "wc", "kc");
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.Find("b", "SG", "wb"), std::nullopt);
  EXPECT_EQ(c.Find("a", "SG", "wa"), "ka");
  EXPECT_EQ(c.Find("c", "SG", "wc"), "kc");
}

TEST(DekCacheTest, InsertRacingAnEraseOrClearIsDropped) {
  DekCache c(8);
  uint64_t g = c.generation();
  c.Erase("alice");  // a shred ran while the key was being unwrapped
  c.Insert(g, "alice", "SG", "w", "k");
  EXPECT_EQ(c.Find("alice", "SG", "w"), std::nullopt);
  g = c.generation();
  c.Clear();  // a seal
  c.Insert(g, "alice", "SG", "w", "k");
  EXPECT_EQ(c.size(), 0u);
  c.Insert(c.generation(), "alice", "SG", "w", "k");
  EXPECT_EQ(c.size(), 1u);
}

TEST(DekCacheTest, EraseAndClearRemoveEntries) {
  DekCache c(8);
  c.Insert(c.generation(), "a", "SG", "wa", "ka");
  c.Insert(c.generation(), "b", "SG", "wb", "kb");
  c.Erase("a");
  EXPECT_EQ(c.Find("a", "SG", "wa"), std::nullopt);
  EXPECT_EQ(c.Find("b", "SG", "wb"), "kb");
  c.Erase("nobody");
  c.Clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.Find("b", "SG", "wb"), std::nullopt);
}

TEST(DekCacheTest, CapacityZeroDisables) {
  DekCache c(0);
  c.Insert(c.generation(), "a", "SG", "wa", "ka");
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.Find("a", "SG", "wa"), std::nullopt);
}

}  // namespace
}  // namespace domicile::vault::internal
