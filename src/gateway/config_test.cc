#include "gateway/config.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"

namespace domicile::gateway {
namespace {

TEST(DemoConfigTest, ParsesWithTheDemoCast) {
  auto c = DemoGatewayConfig();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->demo);
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_EQ(c->network_map.CountryOf(*IpAddress::Parse("127.0.0.5")), "US");
  EXPECT_EQ(c->network_map.CountryOf(*IpAddress::Parse("127.0.1.5")), "SG");
  EXPECT_EQ(c->directory->Find("ana")->work_country, "US");
  EXPECT_EQ(c->directory->Find("wei")->work_country, "SG");
  EXPECT_TRUE(c->directory->Find("sam").ok());
  EXPECT_NE(c->policies_text.find("@id(\"forbid-foreign-us-data\")"), std::string::npos);
  EXPECT_EQ(c->vault.site_id, "us-enclave-1");
  EXPECT_EQ(c->vault.CategoryOf("videos", "caption"), vault::Category::kProfiling);
  EXPECT_EQ(c->masks.at("profile.phone"), MaskKind::kLastFour);
  EXPECT_EQ(c->store.backend, "rocksdb");
  EXPECT_EQ(c->log.origin, "demo.domicile.invalid/audit");
  EXPECT_EQ(c->pseudonym_key.size(), 32u);
  EXPECT_EQ(c->export_limits.requests.capacity, 2);
}

TEST(DemoConfigTest, DemoKeyIssuesTokensTheDemoConfigAccepts) {
  auto c = DemoGatewayConfig();
  ASSERT_TRUE(c.ok());
  testing::FakeClock clock(1'800'000'000'000'000);
  auto verifier = JwtVerifier::Create(c->auth, &clock);
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  const Ed25519Jwk key = DemoIdentityProviderKey();
  JwtIssueOptions o{key.seed, key.key_id, std::string(kDemoIssuer), "ana", {std::string(kDemoAudience)},
                    1'800'000'000, 600, 0};
  auto token = IssueJwt(o);
  ASSERT_TRUE(token.ok());
  auto v = verifier->Verify(*token);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->subject, "ana");
}

constexpr char kMinimal[] = R"(
listen: "[::1]:9443"
auth:
  audience: prod
  identity_providers:
    - issuer: https://idp
      keys: [{kty: OKP, crv: Ed25519, kid: k1, x: iGz-KuM6NQ-2-HoLaGJGHByO5XSeRloEk9WYCFWPw_s}]
network_map_file: netmap.txt
trusted_proxies: [10.0.0.0/24]
directory: {file: dir.json}
policies: {file: policies.cedar}
log: {dir: log}
pseudonym_key_file: pseudonym.key
vault:
  site: us-1
  sites: [{id: us-1, jurisdiction: US, custodian: US Trust, role: enclave}]
  collections:
    profile:
      fields:
        phone: {category: protected, mask: last4, blind_index: phone}
        language: public
)";

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Put("/etc/d/netmap.txt", "10.0.0.0/8 US\n");
    Put("/etc/d/dir.json", R"([{"uid":{"type":"Domicile::Employee","id":"ana"}}])");
    Put("/etc/d/policies.cedar", "permit(principal, action, resource);");
    Put("/etc/d/pseudonym.key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n");
  }
  void Put(const std::string& path, std::string_view data) {
    ASSERT_TRUE(fs_.CreateDirs(DirName(path)).ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, path, data).ok());
  }
  Result<GatewayConfig> Parse(std::string_view yaml) { return ParseGatewayConfig(yaml, "/etc/d", fs_); }
  testing::MemFileSystem fs_;
};

TEST_F(ConfigFileTest, ReadsReferencedFilesRelativeToTheConfig) {
  auto c = Parse(kMinimal);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_host, "::1");
  EXPECT_EQ(c->listen_port, 9443);
  EXPECT_EQ(c->network_map.CountryOf(*IpAddress::Parse("10.9.9.9")), "US");
  EXPECT_TRUE(c->trusted_proxies.Contains(*IpAddress::Parse("10.0.0.7")));
  EXPECT_EQ(c->log.dir, "log") << "state paths stay relative: they resolve against the data directory";
  EXPECT_EQ(c->keyring.file, "keyring");
  EXPECT_EQ(c->masks.at("profile.phone"), MaskKind::kLastFour);
  EXPECT_EQ(c->vault.collections.at("profile").fields.at("phone").blind_index, vault::Normalizer::kPhone);
  EXPECT_EQ(c->pseudonym_key, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c->policies_text, "permit(principal, action, resource);");
  EXPECT_FALSE(c->tls.enabled);
}

TEST_F(ConfigFileTest, RejectsBadConfigs) {
  const std::string base = kMinimal;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    s.replace(s.find(from), from.size(), to);
    return Parse(s);
  };
  EXPECT_FALSE(with("audience: prod", "audience: \"\"").ok());
  EXPECT_FALSE(with("kid: k1,", "").ok());
  EXPECT_FALSE(with("x: iGz", "d: AAAA, x: iGz").ok());
  EXPECT_FALSE(with("netmap.txt", "missing.txt").ok());
  EXPECT_FALSE(with("10.0.0.0/24]", "10.0.0.1/24]").ok());
  EXPECT_FALSE(with("log: {dir: log}", "log: {dir: log, typo: 1}").ok());
  EXPECT_FALSE(with("log: {dir: log}", "log: {dir: log}\nstore: {backend: mongodb}").ok());
  EXPECT_FALSE(with("log: {dir: log}", "log: {dir: log}\nstore: {backend: postgres}").ok());
  EXPECT_FALSE(with("mask: last4", "mask: blur").ok());
  EXPECT_FALSE(with("language: public", "language: {category: public, colour: red}").ok());
  EXPECT_FALSE(with("site: us-1", "site: nowhere").ok());
  EXPECT_FALSE(with("listen: \"[::1]:9443\"", "listen: localhost:80").ok());
  EXPECT_FALSE(with("listen: \"[::1]:9443\"", "listen: 1.2.3.4:99999").ok());
  EXPECT_FALSE(with("listen: \"[::1]:9443\"", "listn: 1.2.3.4:80").ok());
  EXPECT_FALSE(with("pseudonym.key", "dir.json").ok());
  EXPECT_FALSE(with("log: {dir: log}", "log: {dir: log}\ntls: {cert: c.pem}").ok());
  EXPECT_FALSE(with("log: {dir: log}", "log: {dir: log}\nlimits: {max_header_bytes: 10}").ok());
  EXPECT_FALSE(with("log: {dir: log}", "log: {dir: log}\nthreads: 0").ok());
  EXPECT_FALSE(with("log: {dir: log}", "log: {dir: log}\nthreads: many").ok());
  EXPECT_FALSE(Parse("[1, 2").ok());
  EXPECT_FALSE(Parse("- a\n- b\n").ok());
}

TEST_F(ConfigFileTest, TlsSection) {
  std::string yaml = std::string(kMinimal) + "tls: {cert: s.pem, key: s.key, client_ca: ca.pem, require_client_cert: true}\n";
  auto c = Parse(yaml);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->tls.enabled);
  EXPECT_EQ(c->tls.cert_file, "/etc/d/s.pem");
  EXPECT_EQ(c->tls.client_ca_file, "/etc/d/ca.pem");
  EXPECT_TRUE(c->tls.require_client_cert);
}

}  // namespace
}  // namespace domicile::gateway
