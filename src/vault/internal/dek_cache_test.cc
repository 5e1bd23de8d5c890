#include "vault/internal/dek_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace domicile::vault::internal {
namespace {

std::string Dek(char c) { return std::string(32, c); }

// The cached key of `subject`, or nullopt.
std::optional<std::string> Get(DekCache& c, std::string_view subject, std::string_view home,
                               std::string_view wrapped) {
  DataKey k;
  if (!c.Find(subject, home, wrapped, k)) return std::nullopt;
  return std::string(k.view());
}

TEST(DekCacheTest, HitsOnlyForTheSameHomeAndWrappedBlob) {
  DekCache c(4);
  c.Insert(c.generation(), "alice", "SG", "blob-1", Dek('a'));
  EXPECT_EQ(Get(c, "alice", "SG", "blob-1"), Dek('a'));
  EXPECT_EQ(Get(c, "alice", "SG", "blob-2"), std::nullopt);  // rewrapped or restored record
  EXPECT_EQ(Get(c, "alice", "US", "blob-1"), std::nullopt);  // home tampered with
  EXPECT_EQ(Get(c, "bob", "SG", "blob-1"), std::nullopt);
  c.Insert(c.generation(), "alice", "SG", "blob-2", Dek('b'));  // replaces the entry
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(Get(c, "alice", "SG", "blob-1"), std::nullopt);
  EXPECT_EQ(Get(c, "alice", "SG", "blob-2"), Dek('b'));
}

TEST(DekCacheTest, EvictsTheLeastRecentlyUsed) {
  DekCache c(2);
  c.Insert(c.generation(), "a", "SG", "wa", Dek('a'));
  c.Insert(c.generation(), "b", "SG", "wb", Dek('b'));
  EXPECT_TRUE(Get(c, "a", "SG", "wa"));  // a is now the most recent
  c.Insert(c.generation(), "c", "SG", "wc", Dek('c'));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(Get(c, "b", "SG", "wb"), std::nullopt);
  EXPECT_EQ(Get(c, "a", "SG", "wa"), Dek('a'));
  EXPECT_EQ(Get(c, "c", "SG", "wc"), Dek('c'));
  // Reusing entries in place keeps the index exact through many evictions.
  for (int i = 0; i < 100; ++i) c.Insert(c.generation(), "s" + std::to_string(i), "SG", "w", Dek(char('0' + i % 10)));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(Get(c, "s98", "SG", "w"), Dek('8'));
  EXPECT_EQ(Get(c, "s99", "SG", "w"), Dek('9'));
  EXPECT_EQ(Get(c, "s97", "SG", "w"), std::nullopt);
  EXPECT_EQ(Get(c, "a", "SG", "wa"), std::nullopt);
}

TEST(DekCacheTest, AReadMissIsCachedOnItsSecondMissOnly) {
  DekCache c(4);
  c.InsertOnSecondMiss(c.generation(), "a", "SG", "wa", Dek('a'));
  EXPECT_EQ(c.size(), 0u);  // seen once: not cached
  EXPECT_EQ(Get(c, "a", "SG", "wa"), std::nullopt);
  c.InsertOnSecondMiss(c.generation(), "a", "SG", "wa", Dek('a'));
  EXPECT_EQ(Get(c, "a", "SG", "wa"), Dek('a'));
  // A one-off read does not evict what is in use: a full cache keeps its entries.
  for (const char* s : {"b", "c", "d"}) {
    c.Insert(c.generation(), s, "SG", "w", Dek('x'));
  }
  for (int i = 0; i < 20; ++i) c.InsertOnSecondMiss(c.generation(), "once" + std::to_string(i), "SG", "w", Dek('o'));
  EXPECT_EQ(c.size(), 4u);
  EXPECT_EQ(Get(c, "b", "SG", "w"), Dek('x'));
  EXPECT_EQ(Get(c, "once19", "SG", "w"), std::nullopt);
  // A write (Insert) counts as seen: after a Clear the next read miss is cached.
  c.Insert(c.generation(), "e", "SG", "we", Dek('e'));
  c.Clear();
  c.InsertOnSecondMiss(c.generation(), "e", "SG", "we", Dek('e'));
  EXPECT_EQ(Get(c, "e", "SG", "we"), Dek('e'));
  // The generation rule holds for admitted inserts too.
  const uint64_t g = c.generation();
  c.InsertOnSecondMiss(g, "f", "SG", "wf", Dek('f'));
  c.Erase("e");
  c.InsertOnSecondMiss(g, "f", "SG", "wf", Dek('f'));
  EXPECT_EQ(Get(c, "f", "SG", "wf"), std::nullopt);
}

TEST(DekCacheTest, StaysExactThroughManyInsertsEvictionsAndErases) {
  // Against a model: a key is found iff it is among the last `capacity` distinct
  // subjects inserted (and not erased since). Small tables, so hash slots collide.
  constexpr size_t kCapacity = 3;
  DekCache c(kCapacity);
  std::vector<std::string> recent;  // most recent first
  uint32_t x = 12345;
  for (int step = 0; step < 2000; ++step) {
    x = x * 1103515245 + 12345;
    const std::string s = "s" + std::to_string((x >> 8) % 10);
    const int op = (x >> 20) % 4;
    recent.erase(std::remove(recent.begin(), recent.end(), s), recent.end());
    if (op == 0) {
      c.Erase(s);
    } else if (op == 3 && step % 97 == 0) {
      c.Clear();
      recent.clear();
    } else {
      c.Insert(c.generation(), s, "SG", "w" + s, Dek('k'));
      recent.insert(recent.begin(), s);
      if (recent.size() > kCapacity) recent.pop_back();
    }
    for (int i = 0; i < 10; ++i) {
      const std::string t = "s" + std::to_string(i);
      const bool cached = std::find(recent.begin(), recent.end(), t) != recent.end();
      DataKey k;
      ASSERT_EQ(c.Find(t, "SG", "w" + t, k), cached) << "step " << step << " subject " << t;
      if (cached) {  // a Find moves it to the front, as in the cache
        recent.erase(std::remove(recent.begin(), recent.end(), t), recent.end());
        recent.insert(recent.begin(), t);
      }
    }
    ASSERT_EQ(c.size(), recent.size());
  }
}

TEST(DekCacheTest, InsertRacingAnEraseOrClearIsDropped) {
  DekCache c(8);
  uint64_t g = c.generation();
  c.Erase("alice");  // a shred ran while the key was being unwrapped
  c.Insert(g, "alice", "SG", "w", Dek('k'));
  EXPECT_EQ(Get(c, "alice", "SG", "w"), std::nullopt);
  g = c.generation();
  c.Clear();  // a seal
  c.Insert(g, "alice", "SG", "w", Dek('k'));
  EXPECT_EQ(c.size(), 0u);
  c.Insert(c.generation(), "alice", "SG", "w", Dek('k'));
  EXPECT_EQ(c.size(), 1u);
}

TEST(DekCacheTest, EraseAndClearRemoveEntries) {
  DekCache c(8);
  c.Insert(c.generation(), "a", "SG", "wa", Dek('a'));
  c.Insert(c.generation(), "b", "SG", "wb", Dek('b'));
  c.Erase("a");
  EXPECT_EQ(Get(c, "a", "SG", "wa"), std::nullopt);
  EXPECT_EQ(Get(c, "b", "SG", "wb"), Dek('b'));
  c.Erase("nobody");
  c.Clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(Get(c, "b", "SG", "wb"), std::nullopt);
}

TEST(DekCacheTest, CapacityZeroDisablesAndNonKeysAreNotCached) {
  DekCache off(0);
  off.Insert(off.generation(), "a", "SG", "wa", Dek('a'));
  off.InsertOnSecondMiss(off.generation(), "a", "SG", "wa", Dek('a'));
  EXPECT_EQ(off.size(), 0u);
  EXPECT_EQ(Get(off, "a", "SG", "wa"), std::nullopt);
  DekCache c(8);
  c.Insert(c.generation(), "a", "SG", "wa", "short");
  EXPECT_EQ(c.size(), 0u);
}

}  // namespace
}  // namespace domicile::vault::internal
