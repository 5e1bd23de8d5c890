// Multi-site pieces in-process: the replication and witness configuration (bad input
// names the problem), and an enclave's shipper delivering to a backup's receiver
// routes through an unreliable link (failures retried, shreds delivered, reads refused).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "fakes/mem_file_system.h"
#include "gateway/config.h"
#include "server/replication_shipper.h"
#include "server/site_backup.h"
#include "store/memory/memory_store.h"

namespace domicile::server {
namespace {

constexpr char kSites[] = R"([{id: us-1, jurisdiction: US, custodian: A, role: enclave},
  {id: de-b, jurisdiction: DE, custodian: B, role: backup}])";

class SiteConfigTest : public ::testing::Test {
 protected:
  Result<gateway::GatewayConfig> Parse(const std::string& site, const std::string& extra) {
    YAML::Node c = YAML::Load(std::string(gateway::DemoGatewayConfigYaml()));
    c["vault"]["site"] = site;
    c["vault"]["sites"] = YAML::Load(kSites);
    c["pseudonym_key_file"] = "p.key";
    YAML::Emitter e;
    e << c;
    return gateway::ParseGatewayConfig(std::string(e.c_str()) + "\n" + extra, "/cfg", fs_);
  }
  void SetUp() override {
    ASSERT_TRUE(fs_.CreateDirs("/cfg").ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, "/cfg/p.key", Base64Encode(std::string(32, 'p'))).ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, "/cfg/r.key", Base64Encode(std::string(32, 'r')) + "\n").ok());
  }
  testing::MemFileSystem fs_;
};

TEST_F(SiteConfigTest, ValidEnclaveAndBackup) {
  auto enclave = Parse("us-1", "replication: {signing_key_file: r.key, targets: [{site: de-b, url: "
                               "\"http://127.0.0.2:9\"}]}\nwitnesses: [{url: \"http://w\", key: \"w+1+AA\"}]\n");
  ASSERT_TRUE(enclave.ok()) << enclave.status().message();
  EXPECT_EQ(enclave->replication.signing_seed, std::string(32, 'r'));
  ASSERT_EQ(enclave->replication.targets.size(), 1u);
  EXPECT_EQ(enclave->witnesses.size(), 1u);
  auto backup = Parse("de-b", "replication: {accept_from: [{site: us-1, public_key: \"" +
                                  Base64Encode(std::string(32, 'x')) + "\"}]}\n");
  ASSERT_TRUE(backup.ok()) << backup.status().message();
  EXPECT_EQ(backup->replication.accept_from[0].public_key, std::string(32, 'x'));
}

TEST_F(SiteConfigTest, BadInputNamesTheProblem) {
  const std::string key = Base64Encode(std::string(32, 'x'));
  const std::pair<std::string, std::string> cases[] = {
      {"us-1", "replication: {targets: [{site: de-b, url: \"http://x\"}]}"},             // no signing key
      {"us-1", "replication: {signing_key_file: r.key, targets: [{site: us-1, url: \"http://x\"}]}"},
      {"us-1", "replication: {signing_key_file: r.key, targets: [{site: zz, url: \"http://x\"}]}"},
      {"us-1", "replication: {signing_key_file: r.key, targets: [{site: de-b, url: \"ftp://x\"}]}"},
      {"us-1", "replication: {signing_key_file: p.key, targets: [{site: de-b, url: \"http://x\"}], bogus: 1}"},
      {"us-1", "replication: {accept_from: [{site: us-1, public_key: \"" + key + "\"}]}"},  // enclave receives
      {"de-b", "replication: {signing_key_file: r.key, targets: [{site: de-b, url: \"http://x\"}]}"},
      {"de-b", "replication: {accept_from: [{site: de-b, public_key: \"" + key + "\"}]}"},
      {"de-b", "replication: {accept_from: [{site: us-1, public_key: \"AAAA\"}]}"},
      {"de-b", "replication: {retry_ms: 1}"},
      {"us-1", "witnesses: [{url: \"http://w\"}]"},
      {"us-1", "witnesses: [{url: \"w\", key: \"k\"}]"},
  };
  for (const auto& [site, extra] : cases) {
    auto c = Parse(site, extra);
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << site << ": " << extra;
  }
}

// Enclave store -> shipper -> (flaky link) -> receiver routes -> backup store.
TEST(SiteReplicationTest, ShipperDeliversThroughFailuresAndBackupRefusesReads) {
  auto pair = crypto::Ed25519Generate().value();
  gateway::GatewayConfig backup_cfg;
  backup_cfg.vault = vault::ParseVaultConfig(std::string("site: de-b\nsites: ") + kSites +
                                             "\ncollections: {profile: {fields: {phone: protected}}}\n")
                         .value();
  backup_cfg.replication.accept_from.push_back({"us-1", pair.public_key});
  auto backup_store = store::NewMemoryStore();
  vault::BatchApplier applier(backup_store.get());
  Router router;
  AddSiteReceiverRoutes(router, backup_cfg, &applier);

  std::atomic<int> calls{0};
  PostFn post = [&](std::string_view path, std::string_view body, std::string_view) -> Result<PostReply> {
    if (calls.fetch_add(1) < 2) return UnavailableError("link down");
    HttpRequest req;
    req.method = "POST";
    req.target = req.path = path;
    req.body = body;
    std::string route;
    HttpResponse resp = router.Dispatch(req, &route);
    return PostReply{resp.status, resp.content_type, resp.body};
  };

  auto enclave_store = store::NewMemoryStore();
  vault::ChangeFeed feed(enclave_store.get());
  store::Mutation m{"u1", store::SubjectRecord{"u1", "US", "dek", 1}, {{"profile", "phone", 1, "sealed"}}, {}, {}};
  ASSERT_TRUE(feed.Apply(m).ok());
  vault::VaultConfig enclave_vault = backup_cfg.vault;
  enclave_vault.site_id = "us-1";
  auto shipper = ReplicationShipper::Start(&feed, enclave_vault, pair.seed, {{"de-b", vault::SiteRole::kBackup, post}},
                                           10);
  ASSERT_TRUE(shipper.ok()) << shipper.status().message();
  auto wait_caught_up = [&] {
    for (int i = 0; i < 600 && !(*shipper)->CaughtUp(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return (*shipper)->CaughtUp();
  };
  ASSERT_TRUE(wait_caught_up());
  EXPECT_GE(calls.load(), 3) << "two failures, then delivered";
  EXPECT_EQ(backup_store->GetAllFields("u1").value(), enclave_store->GetAllFields("u1").value());

  ASSERT_TRUE(feed.DeleteSubject("u1").ok());
  ASSERT_TRUE(wait_caught_up());
  EXPECT_FALSE(backup_store->GetSubject("u1").value().has_value());
  (*shipper)->Stop();

  for (const char* method : {"GET", "PUT", "POST", "DELETE"}) {
    HttpRequest req;
    req.method = method;
    req.target = req.path = "/v1/subjects/u1/profile";
    std::string route;
    HttpResponse resp = router.Dispatch(req, &route);
    EXPECT_EQ(resp.status, 403) << method;
    EXPECT_NE(resp.body.find("residency.backup-sealed-only"), std::string::npos) << resp.body;
  }
}

}  // namespace
}  // namespace domicile::server
