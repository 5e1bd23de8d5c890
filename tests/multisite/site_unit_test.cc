// Multi-site pieces in-process: the replication and witness configuration (bad input
// names the problem), an enclave's shipper delivering to a backup's receiver routes
// through an unreliable link (failures retried, index entries and shreds delivered,
// reads refused), and a shred lost in a crash (an enclave killed between its delete
// and the shipment) delivered after the restart.
#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/clock.h"
#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "fakes/mem_file_system.h"
#include "fakes/temp_dir.h"
#include "gateway/config.h"
#include "server/replication_shipper.h"
#include "server/site_backup.h"
#include "server/site_global.h"
#include "store/memory/memory_store.h"
#include "store/rocksdb/rocksdb_store.h"

extern char** environ;

namespace domicile::server {
namespace {

constexpr char kSites[] = R"([{id: us-1, jurisdiction: US, custodian: A, role: enclave},
  {id: de-b, jurisdiction: DE, custodian: B, role: backup},
  {id: g-1, jurisdiction: GLOBAL, custodian: C, role: global}])";

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
  // An enclave feeding a global site (its projection key), and the global site.
  auto feeding = Parse("us-1",
                       "replication: {signing_key_file: r.key, targets: [{site: g-1, url: "
                       "\"http://127.0.0.3:9\", public_key: \"" +
                           Base64Encode(std::string(32, 'g')) + "\"}]}\n");
  ASSERT_TRUE(feeding.ok()) << feeding.status().message();
  EXPECT_EQ(feeding->replication.targets[0].public_key, std::string(32, 'g'));
  auto global = Parse("g-1", "replication: {projection_key_file: r.key, accept_from: [{site: us-1, public_key: \"" +
                                 Base64Encode(std::string(32, 'x')) + "\"}]}\n");
  ASSERT_TRUE(global.ok()) << global.status().message();
  EXPECT_EQ(global->replication.projection_private_key, std::string(32, 'r'));
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
      // A global target needs its projection key, a backup has none; only a global
      // site that accepts projections has (and needs) a projection key file.
      {"us-1", "replication: {signing_key_file: r.key, targets: [{site: g-1, url: \"http://x\"}]}"},
      {"us-1", "replication: {signing_key_file: r.key, targets: [{site: g-1, url: \"http://x\", public_key: AAAA}]}"},
      {"us-1", "replication: {signing_key_file: r.key, targets: [{site: de-b, url: \"http://x\", public_key: \"" + key +
                   "\"}]}"},
      {"g-1", "replication: {accept_from: [{site: us-1, public_key: \"" + key + "\"}]}"},
      {"de-b", "replication: {projection_key_file: r.key, accept_from: [{site: us-1, public_key: \"" + key + "\"}]}"},
      {"us-1", "replication: {projection_key_file: r.key}"},
  };
  for (const auto& [site, extra] : cases) {
    auto c = Parse(site, extra);
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << site << ": " << extra;
  }
}

// https:// peers take a CA bundle and a client certificate, resolved against the
// config's directory; TLS files on an http:// peer, or half a client pair, are refused.
TEST_F(SiteConfigTest, HttpsTargetsAndWitnessesTakeTlsFiles) {
  auto c = Parse("us-1",
                 "replication: {signing_key_file: r.key, targets: [{site: de-b, url: \"https://de-b.example:8443\", "
                 "ca_file: ca.pem, client_cert: us.pem, client_key: /keys/us.key}]}\n"
                 "witnesses: [{url: \"https://w.example/w\", key: \"w+1+AA\"}]\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const gateway::ClientTlsFiles& tls = c->replication.targets.at(0).tls;
  EXPECT_EQ(c->replication.targets[0].url, "https://de-b.example:8443");
  EXPECT_EQ(tls.ca_file, "/cfg/ca.pem");
  EXPECT_EQ(tls.client_cert, "/cfg/us.pem");
  EXPECT_EQ(tls.client_key, "/keys/us.key");
  EXPECT_TRUE(c->witnesses.at(0).tls.ca_file.empty());  // the system trust store
  for (const std::string extra : {
           "replication: {signing_key_file: r.key, targets: [{site: de-b, url: \"http://x\", ca_file: ca.pem}]}",
           "replication: {signing_key_file: r.key, targets: [{site: de-b, url: \"https://x\", client_cert: c.pem}]}",
           "witnesses: [{url: \"http://w\", key: \"w+1+AA\", client_cert: c.pem, client_key: c.key}]",
           "witnesses: [{url: \"https://w\", key: \"w+1+AA\", client_key: c.key}]",
       }) {
    EXPECT_EQ(Parse("us-1", extra).status().code(), StatusCode::kInvalidArgument) << extra;
  }
}

// A backup site in-process: its store and receiver routes, reached through `post`
// (which fails while `link_down` is set, or for the first `fail_first` calls).
class SiteReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = crypto::Ed25519Generate().value();
    backup_cfg_.vault = vault::ParseVaultConfig(std::string("site: de-b\nsites: ") + kSites +
                                                "\ncollections: {profile: {fields: {phone: protected}}}\n")
                            .value();
    backup_cfg_.replication.accept_from.push_back({"us-1", pair_.public_key});
    AddSiteReceiverRoutes(router_, backup_cfg_, &applier_);
    enclave_vault_ = backup_cfg_.vault;
    enclave_vault_.site_id = "us-1";
  }

  PostFn Post() {
    return [this](std::string_view path, std::string_view body, std::string_view) -> Result<PostReply> {
      if (calls_.fetch_add(1) < fail_first_.load() || link_down_.load()) return UnavailableError("link down");
      HttpRequest req;
      req.method = "POST";
      req.target = req.path = path;
      req.body = body;
      std::string route;
      HttpResponse resp = router_.Dispatch(req, &route);
      return PostReply{resp.status, resp.content_type, resp.body};
    };
  }

  std::unique_ptr<ReplicationShipper> Start(vault::ChangeFeed* feed) {
    auto shipper =
        ReplicationShipper::Start(feed, enclave_vault_, pair_.seed, {{"de-b", vault::SiteRole::kBackup, Post()}}, 10);
    EXPECT_TRUE(shipper.ok()) << shipper.status().message();
    return shipper.ok() ? std::move(shipper).value() : nullptr;
  }

  static bool CaughtUp(const ReplicationShipper& shipper) {
    for (int i = 0; i < 600 && !shipper.CaughtUp(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return shipper.CaughtUp();
  }

  static store::Mutation Subject(const std::string& id, const std::string& token) {
    return store::Mutation{id,
                           store::SubjectRecord{id, "US", "dek-" + id, 1},
                           {{"profile", "phone", 1, "sealed-" + id}},
                           {{"profile.phone", token, id}, {"vault.shred-bucket", "US/1", id}},
                           {}};
  }

  crypto::Ed25519KeyPair pair_;
  gateway::GatewayConfig backup_cfg_;
  vault::VaultConfig enclave_vault_;
  std::unique_ptr<store::Store> backup_store_ = store::NewMemoryStore();
  vault::BatchApplier applier_{backup_store_.get()};
  Router router_;
  std::atomic<int> calls_{0};
  std::atomic<int> fail_first_{0};
  std::atomic<bool> link_down_{false};
};

// Enclave store -> shipper -> (flaky link) -> receiver routes -> backup store.
TEST_F(SiteReplicationTest, ShipperDeliversThroughFailuresAndBackupRefusesReads) {
  fail_first_ = 2;
  auto enclave_store = store::NewMemoryStore();
  vault::ChangeFeed feed(enclave_store.get());
  ASSERT_TRUE(feed.Apply(Subject("u1", "tok-1")).ok());
  ASSERT_TRUE(feed.Apply(Subject("u2", "tok-2")).ok());
  auto shipper = Start(&feed);
  ASSERT_NE(shipper, nullptr);
  ASSERT_TRUE(CaughtUp(*shipper));
  EXPECT_GE(calls_.load(), 3) << "two failures, then delivered";
  EXPECT_EQ(backup_store_->GetAllFields("u1").value(), enclave_store->GetAllFields("u1").value());
  EXPECT_EQ(backup_store_->GetIndexEntries("u1").value(), enclave_store->GetIndexEntries("u1").value());
  EXPECT_EQ(backup_store_->Lookup("vault.shred-bucket", "US/1").value(), (std::vector<std::string>{"u1", "u2"}));

  ASSERT_TRUE(feed.DeleteSubject("u1").ok());
  ASSERT_TRUE(CaughtUp(*shipper));
  EXPECT_FALSE(backup_store_->GetSubject("u1").value().has_value());
  EXPECT_EQ(backup_store_->Lookup("vault.shred-bucket", "US/1").value(), std::vector<std::string>{"u2"});
  EXPECT_EQ(feed.outbox_size(), 0u) << "acknowledged deletions leave the outbox";
  EXPECT_TRUE(enclave_store->ListMeta("replication/outbox/", "", 10).value().empty());
  shipper->Stop();

  for (const char* method : {"GET", "PUT", "POST", "DELETE"}) {
    HttpRequest req;
    req.method = method;
    req.target = req.path = "/v1/subjects/u1/profile";
    std::string route;
    HttpResponse resp = router_.Dispatch(req, &route);
    EXPECT_EQ(resp.status, 403) << method;
    EXPECT_NE(resp.body.find("residency.backup-sealed-only"), std::string::npos) << resp.body;
  }
}

// While a target is unreachable a deletion stays in the outbox; it leaves only when
// the shred is acknowledged.
TEST_F(SiteReplicationTest, OutboxEntryStaysUntilTheShredIsAcknowledged) {
  auto enclave_store = store::NewMemoryStore();
  vault::ChangeFeed feed(enclave_store.get());
  ASSERT_TRUE(feed.Apply(Subject("u1", "tok-1")).ok());
  auto shipper = Start(&feed);
  ASSERT_NE(shipper, nullptr);
  ASSERT_TRUE(CaughtUp(*shipper));
  link_down_ = true;
  const int before = calls_.load();
  ASSERT_TRUE(feed.DeleteSubject("u1").ok());
  for (int i = 0; i < 600 && calls_.load() < before + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(calls_.load(), before + 2) << "the shipper retried";
  EXPECT_FALSE(shipper->CaughtUp());
  EXPECT_EQ(feed.outbox_size(), 1u);
  EXPECT_EQ(enclave_store->ListMeta("replication/outbox/", "", 10).value().size(), 1u);
  EXPECT_TRUE(backup_store_->GetSubject("u1").value().has_value());
  link_down_ = false;
  ASSERT_TRUE(CaughtUp(*shipper));
  EXPECT_FALSE(backup_store_->GetSubject("u1").value().has_value());
  EXPECT_EQ(feed.outbox_size(), 0u);
  EXPECT_TRUE(enclave_store->ListMeta("replication/outbox/", "", 10).value().empty());
}

// The enclave (a RocksDB store) deletes a subject and is killed with SIGKILL before
// its shipper sends anything; the backup still holds the subject. After the restart
// the shred reaches the backup (the full re-ship alone would never see the subject,
// which no longer exists) and the outbox entry is cleared.
TEST_F(SiteReplicationTest, ShredLostInACrashIsShippedAfterRestart) {
  testing::TempDir tmp;
  const std::string dir = tmp.path() + "/enclave-store";
  {
    auto enclave_store = store::OpenRocksDbStore(dir);
    ASSERT_TRUE(enclave_store.ok()) << enclave_store.status().message();
    vault::ChangeFeed feed(enclave_store->get());
    ASSERT_TRUE(feed.Apply(Subject("u1", "tok-1")).ok());
    ASSERT_TRUE(feed.Apply(Subject("u2", "tok-2")).ok());
    auto shipper = Start(&feed);
    ASSERT_NE(shipper, nullptr);
    ASSERT_TRUE(CaughtUp(*shipper));
  }
  ASSERT_TRUE(backup_store_->GetSubject("u1").value().has_value());

  std::vector<std::string> args = {DOMICILE_CRASH_DELETER, dir, "u1"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "exit status " << status;
  EXPECT_TRUE(backup_store_->GetSubject("u1").value().has_value()) << "nothing was shipped before the crash";

  auto enclave_store = store::OpenRocksDbStore(dir);
  ASSERT_TRUE(enclave_store.ok()) << enclave_store.status().message();
  EXPECT_FALSE((*enclave_store)->GetSubject("u1").value().has_value());
  EXPECT_EQ((*enclave_store)->ListMeta("replication/outbox/", "", 10).value().size(), 1u);
  vault::ChangeFeed feed(enclave_store->get());
  auto shipper = Start(&feed);
  ASSERT_NE(shipper, nullptr);
  ASSERT_TRUE(CaughtUp(*shipper));
  EXPECT_FALSE(backup_store_->GetSubject("u1").value().has_value());
  EXPECT_TRUE(backup_store_->GetAllFields("u1").value().empty());
  EXPECT_EQ(backup_store_->Lookup("vault.shred-bucket", "US/1").value(), std::vector<std::string>{"u2"});
  EXPECT_TRUE((*enclave_store)->ListMeta("replication/outbox/", "", 10).value().empty());
  shipper->Stop();
}

// A running backup answers a signed export request with its state (restore over
// HTTP); anything unsigned, stale or from another key is refused.
TEST_F(SiteReplicationTest, BackupExportsItsStateOnlyToASignedFreshRequest) {
  auto enclave_store = store::NewMemoryStore();
  vault::ChangeFeed feed(enclave_store.get());
  ASSERT_TRUE(feed.Apply(Subject("u1", "tok-1")).ok());
  ASSERT_TRUE(feed.Apply(Subject("u2", "tok-2")).ok());
  auto shipper = Start(&feed);
  ASSERT_NE(shipper, nullptr);
  ASSERT_TRUE(CaughtUp(*shipper));
  shipper->Stop();

  auto ask = [&](const std::string& seed, int64_t time_micros) {
    const std::string body = vault::SignExportRequest({"us-1", "de-b", "", time_micros}, seed).value();
    HttpRequest req;
    req.method = "POST";
    req.target = req.path = "/replication/v1/export";
    req.body = body;
    std::string route;
    return router_.Dispatch(req, &route);
  };
  const int64_t now = Clock::System()->NowUnixMicros();
  HttpResponse ok = ask(pair_.seed, now);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto page = vault::ParseExportPage(ok.body);
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->changes.size(), 2u);
  EXPECT_FALSE(page->more);
  EXPECT_EQ(page->changes[0], vault::ReadSubjectChange(*enclave_store, "u1").value());
  EXPECT_EQ(page->changes[1], vault::ReadSubjectChange(*enclave_store, "u2").value());

  EXPECT_EQ(ask(crypto::Ed25519Generate().value().seed, now).status, 403);
  EXPECT_EQ(ask(pair_.seed, now - vault::kMaxExportRequestAgeMicros - 60'000'000).status, 403);
}

// Nothing of the change stream reaches a global site (docs/sites.md, "Global
// sites"): the enclave refuses a global target without its projection key and a
// projection source, and a global site refuses even a correctly signed batch.
TEST_F(SiteReplicationTest, GlobalSitesGetNoChangeStream) {
  auto enclave_store = store::NewMemoryStore();
  vault::ChangeFeed feed(enclave_store.get());
  ASSERT_TRUE(feed.Apply(Subject("u1", "tok-1")).ok());
  auto shipper = ReplicationShipper::Start(&feed, enclave_vault_, pair_.seed,
                                           {{"g-1", vault::SiteRole::kGlobal, Post()}}, 10);
  EXPECT_EQ(shipper.status().code(), StatusCode::kFailedPrecondition);
  auto keyless = ReplicationShipper::Start(&feed, enclave_vault_, pair_.seed,
                                           {{"g-1", vault::SiteRole::kGlobal, Post(), std::string(32, 'g')}}, 10);
  EXPECT_EQ(keyless.status().code(), StatusCode::kFailedPrecondition);  // a key but no projection source
  EXPECT_EQ(calls_.load(), 0);

  gateway::GatewayConfig global_cfg = backup_cfg_;
  global_cfg.vault.site_id = "g-1";
  Router global_router;
  // The refusal comes before any batch is opened: the applier is never reached.
  AddGlobalSiteRoutes(global_router, global_cfg, /*applier=*/nullptr);
  vault::ReplicationBatch batch{"us-1", "g-1", 1, {vault::ReadSubjectChange(*enclave_store, "u1").value()}};
  const std::string body = vault::SignBatch(batch, pair_.seed).value();
  HttpRequest req;
  req.method = "POST";
  req.target = req.path = "/replication/v1/batch";
  req.body = body;
  std::string route;
  HttpResponse resp = global_router.Dispatch(req, &route);
  EXPECT_EQ(resp.status, 403);
  EXPECT_NE(resp.body.find("residency.global-interoperable-only"), std::string::npos) << resp.body;
  EXPECT_TRUE(backup_store_->ListSubjects("", 10).value().empty());
}

}  // namespace
}  // namespace domicile::server
