#include "vault/internal/dek_cache.h"

#include <gtest/gtest.h>

namespace domicile::vault::internal {
namespace {

std::string Dek(char c) { return std::string(32, c); }

// True if `key` is the pre-keyed form of the raw key `dek`.
bool Holds(const DekCache::Key& key, const std::string& dek) {
  if (!key) return false;
  auto sealed = key->Seal("probe", "");
  return sealed.ok() && crypto::AeadOpen(dek, *sealed, "").ok();
}

TEST(DekCacheTest, HitsOnlyForTheSameHomeAndWrappedBlob) {
  DekCache c(4);
  ASSERT_TRUE(Holds(c.Insert(c.generation(), "alice", "SG", "blob-1", Dek('a')).value(), Dek('a')));
  EXPECT_TRUE(Holds(c.Find("alice", "SG", "blob-1"), Dek('a')));
  EXPECT_EQ(c.Find("alice", "SG", "blob-2"), nullptr);  // rewrapped or restored record
  EXPECT_EQ(c.Find("alice", "US", "blob-1"), nullptr);  // home tampered with
  EXPECT_EQ(c.Find("bob", "SG", "blob-1"), nullptr);
  ASSERT_TRUE(c.Insert(c.generation(), "alice", "SG", "blob-2", Dek('a')).ok());  // replaces the entry
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.Find("alice", "SG", "blob-1"), nullptr);
  EXPECT_TRUE(Holds(c.Find("alice", "SG", "blob-2"), Dek('a')));
}

TEST(DekCacheTest, EvictsTheLeastRecentlyUsed) {
  DekCache c(2);
  ASSERT_TRUE(c.Insert(c.generation(), "a", "SG", "wa", Dek('a')).ok());
  ASSERT_TRUE(c.Insert(c.generation(), "b", "SG", "wb", Dek('b')).ok());
  EXPECT_TRUE(c.Find("a", "SG", "wa"));  // a is now the most recent
  ASSERT_TRUE(c.Insert(c.generation(), "c", "SG", "wc", Dek('c')).ok());
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.Find("b", "SG", "wb"), nullptr);
  EXPECT_TRUE(Holds(c.Find("a", "SG", "wa"), Dek('a')));
  EXPECT_TRUE(Holds(c.Find("c", "SG", "wc"), Dek('c')));
}

// At capacity a miss re-keys the evicted entry's context, unless someone still
// holds it: then that holder's key must stay what it was.
TEST(DekCacheTest, RecyclingNeverChangesAKeySomeoneHolds) {
  DekCache c(1);
  DekCache::Key held = c.Insert(c.generation(), "a", "SG", "wa", Dek('a')).value();
  DekCache::Key b = c.Insert(c.generation(), "b", "SG", "wb", Dek('b')).value();
  EXPECT_NE(held, b);
  EXPECT_TRUE(Holds(held, Dek('a')));
  EXPECT_TRUE(Holds(b, Dek('b')));
  const crypto::AeadKey* b_context = b.get();
  b.reset();  // nobody holds b's key now: the next miss reuses its context
  DekCache::Key c_key = c.Insert(c.generation(), "c", "SG", "wc", Dek('c')).value();
  EXPECT_EQ(c_key.get(), b_context);
  EXPECT_TRUE(Holds(c_key, Dek('c')));
  EXPECT_FALSE(Holds(c_key, Dek('b')));
  EXPECT_EQ(c.Find("b", "SG", "wb"), nullptr);
  EXPECT_TRUE(Holds(c.Find("c", "SG", "wc"), Dek('c')));
  EXPECT_EQ(c.size(), 1u);
}

TEST(DekCacheTest, InsertRacingAnEraseOrClearIsNotCached) {
  DekCache c(8);
  uint64_t g = c.generation();
  c.Erase("alice");  // a shred ran while the key was being unwrapped
  EXPECT_TRUE(Holds(c.Insert(g, "alice", "SG", "w", Dek('k')).value(), Dek('k')));  // usable, not cached
  EXPECT_EQ(c.Find("alice", "SG", "w"), nullptr);
  g = c.generation();
  c.Clear();  // a seal
  ASSERT_TRUE(c.Insert(g, "alice", "SG", "w", Dek('k')).ok());
  EXPECT_EQ(c.size(), 0u);
  ASSERT_TRUE(c.Insert(c.generation(), "alice", "SG", "w", Dek('k')).ok());
  EXPECT_EQ(c.size(), 1u);
}

TEST(DekCacheTest, EraseAndClearRemoveEntries) {
  DekCache c(8);
  ASSERT_TRUE(c.Insert(c.generation(), "a", "SG", "wa", Dek('a')).ok());
  ASSERT_TRUE(c.Insert(c.generation(), "b", "SG", "wb", Dek('b')).ok());
  c.Erase("a");
  EXPECT_EQ(c.Find("a", "SG", "wa"), nullptr);
  EXPECT_TRUE(Holds(c.Find("b", "SG", "wb"), Dek('b')));
  c.Erase("nobody");
  c.Clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.Find("b", "SG", "wb"), nullptr);
}

TEST(DekCacheTest, CapacityZeroDisables) {
  DekCache c(0);
  EXPECT_TRUE(Holds(c.Insert(c.generation(), "a", "SG", "wa", Dek('a')).value(), Dek('a')));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.Find("a", "SG", "wa"), nullptr);
}

TEST(DekCacheTest, BadKeyIsRefusedAndNotCached) {
  DekCache c(8);
  EXPECT_EQ(c.Insert(c.generation(), "a", "SG", "wa", "short").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace domicile::vault::internal
