#include "gateway/authenticator.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "fakes/fake_clock.h"

namespace domicile::gateway {
namespace {

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *crypto::Ed25519Generate();
    JwtVerifierOptions o;
    o.audience = "domicile";
    o.providers.push_back({"idp", {{"k1", key_.public_key}}});
    auto dir = Directory::Parse(R"([{"uid":{"type":"Domicile::Employee","id":"ana"}},
                                    {"uid":{"type":"Domicile::Service","id":"ingest"}}])");
    ASSERT_TRUE(dir.ok());
    auth_.emplace(*JwtVerifier::Create(o, &clock_), std::make_shared<const Directory>(std::move(*dir)));
  }
  std::string Bearer(const std::string& sub) {
    return "Bearer " + *IssueJwt({key_.seed, "k1", "idp", sub, {"domicile"}, 1'700'000'000, 600, 0});
  }
  testing::FakeClock clock_{1'700'000'000'000'000};
  crypto::Ed25519KeyPair key_;
  std::optional<Authenticator> auth_;
};

TEST_F(AuthenticatorTest, TokenNamesADirectoryPrincipal) {
  auto p = auth_->Authenticate(Bearer("ana"), std::nullopt);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->uid.id, "ana");
  EXPECT_EQ(p->authenticated_by, "jwt:idp");
}

TEST_F(AuthenticatorTest, ClientCertificateAlone) {
  auto p = auth_->Authenticate("", std::string("ingest"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->uid.type, "Domicile::Service");
  EXPECT_EQ(p->authenticated_by, "mtls");
}

TEST_F(AuthenticatorTest, Failures) {
  EXPECT_EQ(auth_->Authenticate("", std::nullopt).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_->Authenticate(Bearer("mallory"), std::nullopt).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth_->Authenticate("", std::string("mallory")).status().code(), StatusCode::kUnauthenticated);
  // A certificate does not rescue a bad token, and the two must agree.
  EXPECT_FALSE(auth_->Authenticate("Bearer x.y.z", std::string("ana")).ok());
  EXPECT_FALSE(auth_->Authenticate(Bearer("ana"), std::string("ingest")).ok());
  EXPECT_TRUE(auth_->Authenticate(Bearer("ana"), std::string("ana")).ok());
}

}  // namespace
}  // namespace domicile::gateway
