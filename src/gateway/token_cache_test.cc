#include "gateway/token_cache.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "fakes/fake_clock.h"
#include "gateway/authenticator.h"

namespace domicile::gateway {
namespace {

constexpr int64_t kNow = 1'700'000'000;

VerifiedToken Claims(int64_t exp) {
  VerifiedToken v;
  v.issuer = "idp";
  v.subject = "ana";
  v.expires_at = exp;
  return v;
}

TEST(TokenCacheTest, HitsOnlyTheSameBytesBeforeExp) {
  TokenCache cache(8);
  cache.Insert("a.b.c", Claims(kNow + 60), kNow);
  ASSERT_TRUE(cache.Find("a.b.c", kNow).has_value());
  EXPECT_EQ(cache.Find("a.b.c", kNow + 59)->subject, "ana");
  EXPECT_FALSE(cache.Find("a.b.d", kNow).has_value());   // one byte differs
  EXPECT_FALSE(cache.Find("a.b.c ", kNow).has_value());  // trailing byte
  EXPECT_FALSE(cache.Find("a.b.c", kNow + 60).has_value());  // at exp: gone
  EXPECT_EQ(cache.stats().size, 0u);                         // and dropped
}

TEST(TokenCacheTest, ExpiredTokensAreNotKept) {
  TokenCache cache(8);
  cache.Insert("t", Claims(kNow), kNow);
  EXPECT_FALSE(cache.Find("t", kNow - 10).has_value());
  EXPECT_EQ(cache.stats().size, 0u);
}

TEST(TokenCacheTest, BoundedAndExpiredEntriesEvictedFirst) {
  TokenCache cache(4);
  cache.Insert("old", Claims(kNow + 5), kNow);
  for (int i = 0; i < 3; ++i) cache.Insert("live" + std::to_string(i), Claims(kNow + 600), kNow);
  // Full; at kNow + 10 "old" has expired and is the one that goes.
  cache.Insert("new", Claims(kNow + 600), kNow + 10);
  EXPECT_EQ(cache.stats().size, 4u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(cache.Find("live" + std::to_string(i), kNow + 10).has_value());
  EXPECT_TRUE(cache.Find("new", kNow + 10).has_value());
  for (int i = 0; i < 100; ++i) cache.Insert("more" + std::to_string(i), Claims(kNow + 600), kNow + 10);
  EXPECT_EQ(cache.stats().size, 4u);
}

TEST(TokenCacheTest, ZeroCapacityDisables) {
  TokenCache cache(0);
  cache.Insert("t", Claims(kNow + 60), kNow);
  EXPECT_FALSE(cache.Find("t", kNow).has_value());
}

// Through the Authenticator: the cache saves verification, never validity.
class CachedAuthenticationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *crypto::Ed25519Generate();
    JwtVerifierOptions o;
    o.audience = "domicile";
    o.leeway_seconds = 30;
    o.providers.push_back({"idp", {{"k1", key_.public_key}}});
    auto dir = Directory::Parse(R"([{"uid":{"type":"Domicile::Employee","id":"ana"}}])");
    ASSERT_TRUE(dir.ok());
    auth_.emplace(*JwtVerifier::Create(o, &clock_), std::make_shared<const Directory>(std::move(*dir)));
  }
  std::string Token(int64_t ttl, int64_t nbf = 0) {
    return *IssueJwt({key_.seed, "k1", "idp", "ana", {"domicile"}, kNow, ttl, nbf});
  }
  Status Auth(const std::string& token) { return auth_->Authenticate("Bearer " + token, std::nullopt).status(); }

  testing::FakeClock clock_{kNow * 1'000'000};
  crypto::Ed25519KeyPair key_;
  std::optional<Authenticator> auth_;
};

TEST_F(CachedAuthenticationTest, SecondUseIsAHit) {
  const std::string token = Token(600);
  ASSERT_TRUE(Auth(token).ok());
  ASSERT_TRUE(Auth(token).ok());
  EXPECT_EQ(auth_->token_cache_stats().hits, 1u);
  EXPECT_EQ(auth_->token_cache_stats().size, 1u);
}

TEST_F(CachedAuthenticationTest, ForgedSignatureOfACachedTokenIsRefused) {
  const std::string token = Token(600);
  ASSERT_TRUE(Auth(token).ok());
  // Same header and claims, another signature: a different key, so verified in full.
  std::string forged = token;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Auth(forged).code(), StatusCode::kUnauthenticated);
  // A token signed by another key with the same claims.
  const crypto::Ed25519KeyPair other = *crypto::Ed25519Generate();
  EXPECT_EQ(Auth(*IssueJwt({other.seed, "k1", "idp", "ana", {"domicile"}, kNow, 600, 0})).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_->token_cache_stats().hits, 0u);
  EXPECT_EQ(auth_->token_cache_stats().size, 1u);  // failures are never cached
}

TEST_F(CachedAuthenticationTest, ExpiryWinsOverTheCache) {
  const std::string token = Token(60);
  ASSERT_TRUE(Auth(token).ok());
  clock_.Advance(59'000'000);
  EXPECT_TRUE(Auth(token).ok());
  EXPECT_EQ(auth_->token_cache_stats().hits, 1u);
  // Past exp: the entry is not used; within the leeway the verifier still accepts.
  clock_.Advance(5'000'000);
  EXPECT_TRUE(Auth(token).ok());
  EXPECT_EQ(auth_->token_cache_stats().hits, 1u);
  EXPECT_EQ(auth_->token_cache_stats().size, 0u);  // not re-cached past exp
  clock_.Advance(30'000'000);
  EXPECT_EQ(Auth(token).code(), StatusCode::kUnauthenticated);
}

TEST_F(CachedAuthenticationTest, NotBeforeIsCheckedOnEveryHit) {
  // nbf 20 s ahead: accepted within the 30 s leeway, and cached.
  const std::string token = Token(600, kNow + 20);
  ASSERT_TRUE(Auth(token).ok());
  // The clock steps back: the cached token is not yet valid again.
  clock_.Set((kNow - 60) * 1'000'000);
  EXPECT_EQ(Auth(token).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_->token_cache_stats().hits, 1u);
}

TEST_F(CachedAuthenticationTest, CacheDisabledStillAuthenticates) {
  JwtVerifierOptions o;
  o.audience = "domicile";
  o.providers.push_back({"idp", {{"k1", key_.public_key}}});
  auto dir = Directory::Parse(R"([{"uid":{"type":"Domicile::Employee","id":"ana"}}])");
  Authenticator uncached(*JwtVerifier::Create(o, &clock_), std::make_shared<const Directory>(std::move(*dir)), 0);
  const std::string token = Token(600);
  EXPECT_TRUE(uncached.Authenticate("Bearer " + token, std::nullopt).ok());
  EXPECT_TRUE(uncached.Authenticate("Bearer " + token, std::nullopt).ok());
  EXPECT_EQ(uncached.token_cache_stats().hits, 0u);
}

}  // namespace
}  // namespace domicile::gateway
