#include "gateway/jwt.h"

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "fakes/fake_clock.h"

namespace domicile::gateway {
namespace {

constexpr int64_t kNow = 1'700'000'000;

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *crypto::Ed25519Generate();
    other_ = *crypto::Ed25519Generate();
    JwtVerifierOptions options;
    options.audience = "domicile";
    options.leeway_seconds = 30;
    options.providers.push_back({"https://idp.example", {{"k1", key_.public_key}}});
    auto v = JwtVerifier::Create(options, &clock_);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    verifier_.emplace(*v);
  }

  JwtIssueOptions Issue() const {
    JwtIssueOptions o;
    o.seed = key_.seed;
    o.key_id = "k1";
    o.issuer = "https://idp.example";
    o.subject = "ana";
    o.audience = {"domicile"};
    o.issued_at = kNow;
    o.ttl_seconds = 600;
    return o;
  }

  // A token with a hand-made header and payload, signed by `seed`.
  static std::string Craft(const std::string& header, const std::string& payload, const std::string& seed) {
    std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
    return input + "." + Base64UrlEncode(*crypto::Ed25519Sign(seed, input));
  }

  void ExpectRejected(const std::string& token, std::string_view reason) {
    auto r = verifier_->Verify(token);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
    EXPECT_NE(r.status().message().find(reason), std::string::npos) << r.status().message();
  }

  testing::FakeClock clock_{kNow * 1'000'000};
  crypto::Ed25519KeyPair key_, other_;
  std::optional<JwtVerifier> verifier_;
};

TEST_F(JwtTest, ValidTokenVerifies) {
  auto token = IssueJwt(Issue());
  ASSERT_TRUE(token.ok());
  auto v = verifier_->Verify(*token);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->subject, "ana");
  EXPECT_EQ(v->issuer, "https://idp.example");
  EXPECT_EQ(v->key_id, "k1");
  EXPECT_EQ(v->expires_at, kNow + 600);
}

TEST_F(JwtTest, AudienceArrayContainingUsIsAccepted) {
  auto o = Issue();
  o.audience = {"other", "domicile"};
  EXPECT_TRUE(verifier_->Verify(*IssueJwt(o)).ok());
}

TEST_F(JwtTest, WrongAudienceRejected) {
  auto o = Issue();
  o.audience = {"other"};
  ExpectRejected(*IssueJwt(o), "audience");
  o.audience = {"other", "another"};
  ExpectRejected(*IssueJwt(o), "audience");
}

TEST_F(JwtTest, ExpiredRejectedAfterLeeway) {
  auto token = *IssueJwt(Issue());
  clock_.Set((kNow + 600 + 29) * 1'000'000);
  EXPECT_TRUE(verifier_->Verify(token).ok());  // within the leeway
  clock_.Set((kNow + 600 + 30) * 1'000'000);
  ExpectRejected(token, "expired");
}

TEST_F(JwtTest, NotYetValidRejected) {
  auto o = Issue();
  o.not_before = kNow + 120;
  ExpectRejected(*IssueJwt(o), "not yet valid");
  o.not_before = kNow + 20;  // within the leeway
  EXPECT_TRUE(verifier_->Verify(*IssueJwt(o)).ok());
}

TEST_F(JwtTest, IssuedInTheFutureRejected) {
  auto o = Issue();
  o.issued_at = kNow + 3600;
  ExpectRejected(*IssueJwt(o), "future");
}

TEST_F(JwtTest, OverlongLifetimeRejected) {
  auto o = Issue();
  o.ttl_seconds = 30 * 24 * 3600;
  ExpectRejected(*IssueJwt(o), "lifetime");
}

TEST_F(JwtTest, ForgedSignatureRejected) {
  auto o = Issue();
  o.seed = other_.seed;  // right kid, wrong key
  ExpectRejected(*IssueJwt(o), "signature");
}

TEST_F(JwtTest, TamperedPayloadRejected) {
  std::string token = *IssueJwt(Issue());
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.find('.', dot1 + 1);
  std::string payload = R"({"iss":"https://idp.example","sub":"root","aud":"domicile","exp":1700000600})";
  std::string forged = token.substr(0, dot1 + 1) + Base64UrlEncode(payload) + token.substr(dot2);
  ExpectRejected(forged, "signature");
}

TEST_F(JwtTest, AlgNoneAndOtherAlgsRejected) {
  const std::string payload = R"({"iss":"https://idp.example","sub":"ana","aud":"domicile","exp":1700000600})";
  ExpectRejected(Base64UrlEncode(R"({"alg":"none","kid":"k1"})") + "." + Base64UrlEncode(payload) + ".",
                 "algorithm 'none'");
  ExpectRejected(Craft(R"({"alg":"HS256","kid":"k1"})", payload, key_.seed), "algorithm 'HS256'");
  ExpectRejected(Craft(R"({"alg":"ES256","kid":"k1"})", payload, key_.seed), "not accepted");
  ExpectRejected(Craft(R"({"kid":"k1"})", payload, key_.seed), "no 'alg'");
  ExpectRejected(Craft(R"({"alg":"EdDSA","kid":"k1","crit":["exp"]})", payload, key_.seed), "crit");
  ExpectRejected(Craft(R"({"alg":"EdDSA","kid":"k1","typ":"JWE"})", payload, key_.seed), "type");
}

TEST_F(JwtTest, UnknownKeyOrIssuerRejected) {
  auto o = Issue();
  o.key_id = "k2";
  ExpectRejected(*IssueJwt(o), "unknown key id");
  o = Issue();
  o.issuer = "https://evil.example";
  ExpectRejected(*IssueJwt(o), "issuer is not trusted");
}

TEST_F(JwtTest, MalformedTokensRejected) {
  ExpectRejected("", "empty");
  ExpectRejected("abc", "three");
  ExpectRejected("a.b", "three");
  ExpectRejected("a.b.c.d", "three");
  ExpectRejected("!!.e30.AA", "base64url");
  ExpectRejected(Base64UrlEncode("[1]") + ".e30.AA", "not a JSON object");
  ExpectRejected(Base64UrlEncode("{") + ".e30.AA", "not a JSON object");
  ExpectRejected(std::string(9000, 'a'), "too large");
  // Padding is not base64url as JWS uses it.
  std::string token = *IssueJwt(Issue());
  ExpectRejected(token + "==", "base64url");
}

TEST_F(JwtTest, ClaimTypesChecked) {
  const std::string header = R"({"alg":"EdDSA","kid":"k1"})";
  auto with = [&](const std::string& claims) { return Craft(header, claims, key_.seed); };
  ExpectRejected(with(R"({"iss":"https://idp.example","aud":"domicile","exp":1700000600})"), "sub");
  ExpectRejected(with(R"({"iss":"https://idp.example","sub":"ana","exp":1700000600})"), "no 'aud'");
  ExpectRejected(with(R"({"iss":"https://idp.example","sub":"ana","aud":"domicile"})"), "no 'exp'");
  ExpectRejected(with(R"({"iss":"https://idp.example","sub":"ana","aud":"domicile","exp":"soon"})"), "not a number");
  ExpectRejected(with(R"({"iss":"https://idp.example","sub":"ana","aud":"domicile","exp":-5})"), "out of range");
  ExpectRejected(with(R"({"iss":"https://idp.example","sub":"ana","aud":[1],"exp":1700000600})"), "non-string");
  ExpectRejected(with(R"({"iss":"https://idp.example","sub":"ana","aud":{},"exp":1700000600})"), "neither");
  ExpectRejected(with(R"({"sub":"ana","aud":"domicile","exp":1700000600})"), "no 'iss'");
  EXPECT_TRUE(verifier_->Verify(with(R"({"iss":"https://idp.example","sub":"ana","aud":"domicile","exp":1700000600.5})")).ok());
}

TEST_F(JwtTest, BearerHeader) {
  EXPECT_EQ(*JwtVerifier::FromAuthorizationHeader("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(*JwtVerifier::FromAuthorizationHeader("bearer  x "), "x");
  EXPECT_FALSE(JwtVerifier::FromAuthorizationHeader("Basic Zm9v").ok());
  EXPECT_FALSE(JwtVerifier::FromAuthorizationHeader("Bearer ").ok());
  EXPECT_FALSE(JwtVerifier::FromAuthorizationHeader("").ok());
}

TEST_F(JwtTest, CreateValidatesOptions) {
  JwtVerifierOptions o;
  EXPECT_FALSE(JwtVerifier::Create(o, &clock_).ok());  // no audience
  o.audience = "x";
  o.providers.push_back({"iss", {{"k", "short"}}});
  EXPECT_FALSE(JwtVerifier::Create(o, &clock_).ok());
  o.providers = {{"iss", {{"k", key_.public_key}}}, {"iss", {{"k", key_.public_key}}}};
  EXPECT_FALSE(JwtVerifier::Create(o, &clock_).ok());
}

TEST(JwkTest, RoundTripsAndChecksPrivatePart) {
  auto pair = *crypto::Ed25519Generate();
  Ed25519Jwk jwk{"k1", pair.public_key, pair.seed};
  auto back = ParseEd25519Jwk(FormatEd25519Jwk(jwk, true));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->seed, pair.seed);
  auto pub = ParseEd25519Jwk(FormatEd25519Jwk(jwk, false));
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(pub->seed.empty());
  auto other = *crypto::Ed25519Generate();
  Ed25519Jwk mismatched{"k1", pair.public_key, other.seed};
  EXPECT_FALSE(ParseEd25519Jwk(FormatEd25519Jwk(mismatched, true)).ok());
  EXPECT_FALSE(ParseEd25519Jwk(R"({"kty":"EC","crv":"P-256","kid":"a","x":"AA"})").ok());
  EXPECT_FALSE(ParseEd25519Jwk(R"({"kty":"OKP","crv":"Ed25519","x":"AA"})").ok());
}

}  // namespace
}  // namespace domicile::gateway
