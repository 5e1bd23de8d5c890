#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/encoding.h"
#include "crypto/hmac.h"

namespace domicile::crypto {
namespace {

const std::string kKey(32, 'k');

TEST(AeadTest, RoundTripsAndUsesFreshNonces) {
  auto a = AeadSeal(kKey, "hello", "aad");
  auto b = AeadSeal(kKey, "hello", "aad");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 5 + kAeadOverhead);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(AeadOpen(kKey, *a, "aad").value(), "hello");
  EXPECT_EQ(AeadOpen(kKey, *AeadSeal(kKey, "", ""), "").value(), "");
}

TEST(AeadTest, RejectsWrongKeyAadTamperingAndTruncation) {
  auto s = AeadSeal(kKey, "secret value", "bound").value();
  EXPECT_EQ(AeadOpen(std::string(32, 'x'), s, "bound").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(kKey, s, "other").status().code(), StatusCode::kDataLoss);
  for (size_t i = 0; i < s.size(); ++i) {
    std::string t = s;
    t[i] ^= 1;
    EXPECT_EQ(AeadOpen(kKey, t, "bound").status().code(), StatusCode::kDataLoss) << i;
  }
  EXPECT_EQ(AeadOpen(kKey, s.substr(0, 27), "bound").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadSeal("short", "x", "").status().code(), StatusCode::kInvalidArgument);
}

// NIST GCM test case 14 (AES-256, zero key and IV, one zero block): checks that we
// really run AES-256-GCM by opening a known-answer ciphertext.
TEST(AeadTest, OpensNistKnownAnswer) {
  const std::string key(32, '\0');
  const std::string sealed = HexDecode(
                                 "000000000000000000000000"
                                 "cea7403d4d606b6e074ec5d3baf39d18"
                                 "d0d1c8a799996bf0265b98b5d48ab919")
                                 .value();
  EXPECT_EQ(AeadOpen(key, sealed, "").value(), std::string(16, '\0'));
}

// One per-thread context serves both directions, re-keyed on every call:
// alternating keys and directions must never leak state between calls.
TEST(AeadTest, AlternatingKeysAndDirectionsOnOneThread) {
  const std::string other(32, 'o');
  for (int i = 0; i < 3; ++i) {
    const std::string plain = "value " + std::to_string(i);
    auto a = AeadSeal(kKey, plain, "aad").value();
    auto b = AeadSeal(other, plain, "aad").value();
    EXPECT_EQ(AeadOpen(other, b, "aad").value(), plain);
    EXPECT_EQ(AeadOpen(kKey, b, "aad").status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(AeadOpen(kKey, a, "aad").value(), plain);
  }
}

TEST(AeadTest, PrefixIsCopiedInFrontOutsideTheSealedBlob) {
  auto prefixed = AeadSeal(kKey, "v", "a", "PFX").value();
  ASSERT_EQ(prefixed.size(), 3 + 1 + kAeadOverhead);
  EXPECT_EQ(prefixed.substr(0, 3), "PFX");
  EXPECT_EQ(AeadOpen(kKey, prefixed.substr(3), "a").value(), "v");
}

TEST(AeadTest, ConcurrentThreadsUseTheirOwnContexts) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string key(32, char('A' + t));
      for (int i = 0; i < 500; ++i) {
        const std::string plain(100 + t, char('a' + t));
        auto sealed = AeadSeal(key, plain, std::to_string(t));
        if (!sealed.ok() || AeadOpen(key, *sealed, std::to_string(t)).value_or("") != plain) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// RFC 4231 test case 2.
TEST(HmacTest, MatchesRfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a key longer than the block is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HmacSha256("", "x"), HmacSha256(std::string(1, '\0'), "x"));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace domicile::crypto
