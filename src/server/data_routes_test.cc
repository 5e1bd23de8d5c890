#include "server/data_routes.h"

// GCC 12 reports a false -Wfree-nonheap-object for std::string inlined into SetUp at -O2.
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "gateway/config.h"
#include "store/memory/memory_store.h"

namespace domicile::server {
namespace {

constexpr char kVaultYaml[] = R"(
site: us-1
sites:
  - {id: us-1, jurisdiction: US, custodian: US Trust, role: enclave}
collections:
  profile:
    fields:
      phone: protected
)";

// Same token, two source networks: the demo map says 127.0.0.0/24 is US, 127.0.1.0/24 SG.
class DataRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gateway::GatewayConfig demo = gateway::DemoGatewayConfig().value();
    policies_ = cedar::PolicySet::Parse(demo.policies_text).value();
    entities_ = cedar::Entities::FromJson(demo.directory->raw_json()).value();
    auto config = std::make_shared<const gateway::GatewayConfig>(std::move(demo));
    auto created = crypto::FileKeyring::Create(fs_, "/keyring", {"US"}, /*shred_buckets=*/2).value();
    keyring_ = std::move(created.keyring);
    store_ = store::NewMemoryStore();
    vault_ = vault::Vault::Open(vault::ParseVaultConfig(kVaultYaml).value(), store_.get(), keyring_.get(), &clock_)
                 .value();
    ASSERT_TRUE(vault_->Unseal(created.root_key).ok());
    front_door_ = FrontDoor::Create(config, &clock_).value();
    service_ = std::make_unique<gateway::DataService>(Deps());
    AddDataRoutes(router_, front_door_, service_.get());
  }
  gateway::DataServiceDeps Deps() {
    gateway::DataServiceDeps deps;
    deps.policies = &policies_;
    deps.directory = &entities_;
    deps.vault = vault_.get();
    deps.audit = [this](const gateway::AuditEntry& e) -> Result<uint64_t> {
      log_.push_back(e.ToJson());
      return log_.size() - 1;
    };
    deps.pseudonym_key = std::string(32, 'k');
    return deps;
  }
  HttpRequest Request(std::string_view method, std::string_view path, const std::string& peer,
                      const std::string& token, std::string_view purpose, std::string_view body = "",
                      std::string_view xff = "") {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.peer = gateway::IpAddress::Parse(peer).value();
    auth_ = "Bearer " + token;
    r.headers = {{"Authorization", auth_}, {"Domicile-Purpose", purpose}};
    if (!xff.empty()) r.headers.emplace_back("X-Forwarded-For", xff);
    r.body = body;
    r.request_id = "r" + std::to_string(log_.size());
    return r;
  }
  std::string Token(const std::string& subject) {
    const gateway::Ed25519Jwk key = gateway::DemoIdentityProviderKey();
    gateway::JwtIssueOptions options;
    options.seed = key.seed;
    options.key_id = key.key_id;
    options.issuer = gateway::kDemoIssuer;
    options.subject = subject;
    options.audience.emplace_back(gateway::kDemoAudience);
    options.issued_at = clock_.NowUnixMicros() / 1'000'000;
    return gateway::IssueJwt(options).value();
  }
  HttpResponse Call(std::string_view method, std::string_view path, const std::string& peer, const std::string& token,
                    std::string_view purpose, std::string_view body = "", std::string_view xff = "") {
    HttpRequest r = Request(method, path, peer, token, purpose, body, xff);
    std::string route;
    return router_.Dispatch(r, &route);
  }

  testing::MemFileSystem fs_;
  testing::FakeClock clock_;
  cedar::PolicySet policies_;
  cedar::Entities entities_;
  std::unique_ptr<crypto::FileKeyring> keyring_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<vault::Vault> vault_;
  std::shared_ptr<const FrontDoor> front_door_;
  std::unique_ptr<gateway::DataService> service_;
  Router router_;
  std::vector<std::string> log_;
  std::string auth_;
};

TEST_F(DataRoutesTest, PutThenGetFromUsAndRefusedFromAbroad) {
  HttpResponse put = Call("PUT", "/v1/subjects/u1", "127.0.0.9", Token("ingest"), "ingest",
                          R"({"home":"US","data":{"profile":{"phone":"+1 415 555 0123"}}})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body, R"({"written":1})");
  const std::string ana = Token("ana");
  HttpResponse us = Call("GET", "/v1/subjects/u1/profile", "127.0.0.5", ana, "investigation");
  ASSERT_EQ(us.status, 200) << us.body;
  EXPECT_NE(us.body.find("+1 415 555 0123"), std::string::npos);
  HttpResponse sg = Call("GET", "/v1/subjects/u1/profile", "127.0.1.5", ana, "investigation", "", "127.0.0.5");
  EXPECT_EQ(sg.status, 403) << sg.body;
  EXPECT_EQ(sg.body.find("555 01"), std::string::npos);
  EXPECT_EQ(log_.size(), 3u);
  EXPECT_EQ(us.headers.at(0), (std::pair<std::string, std::string>("Domicile-Audit-Index", "1")));
  HttpResponse unauthenticated = Call("GET", "/v1/subjects/u1/profile", "127.0.0.5", "garbage", "x");
  EXPECT_EQ(unauthenticated.status, 401);
  ASSERT_EQ(log_.size(), 4u);
  EXPECT_NE(log_[3].find(R"("principal":"unauthenticated")"), std::string::npos) << log_[3];
}

// With an asynchronous durability hook the answer waits for it, and a log that fails
// meanwhile turns every waiting answer into a 503 without data.
TEST_F(DataRoutesTest, AnswersWaitForDurabilityAndAllFailClosed) {
  ASSERT_EQ(Call("PUT", "/v1/subjects/u1", "127.0.0.9", Token("ingest"), "ingest",
                 R"({"home":"US","data":{"profile":{"phone":"+1 415 555 0123"}}})")
                .status,
            200);
  gateway::DataServiceDeps deps = Deps();
  uint64_t waited_for = 0;
  deps.wait_durable = [&](uint64_t index) {  // only writes, lookups and exports block
    waited_for = index;
    return Status::Ok();
  };
  gateway::DataService service(std::move(deps));
  std::vector<std::pair<uint64_t, std::function<void(const Status&)>>> pending;
  Router router;
  AddDataRoutes(router, front_door_, &service, [&](uint64_t index, std::function<void(const Status&)> done) {
    pending.emplace_back(index, std::move(done));
  });
  const std::string ana = Token("ana");
  std::vector<std::optional<HttpResponse>> answers(6);
  auto dispatch = [&](size_t i, std::string_view path, std::string_view token) {
    HttpRequest r = Request("GET", path, "127.0.0.5", std::string(token), "investigation");
    std::string route;
    router.Dispatch(r, &route, [&answers, i](HttpResponse response) { answers[i] = std::move(response); });
  };
  const size_t logged = log_.size();
  for (size_t i = 0; i < 3; ++i) dispatch(i, "/v1/subjects/u1/profile", ana);
  dispatch(3, "/v1/whoami", ana);
  dispatch(4, "/v1/subjects/u1/profile", "garbage");  // a refusal waits too
  ASSERT_EQ(pending.size(), 5u);
  EXPECT_EQ(log_.size(), logged + 5) << "every entry is appended before its answer";
  EXPECT_EQ(waited_for, 0u) << "reads do not block the worker thread";
  for (size_t i = 0; i < 5; ++i) EXPECT_FALSE(answers[i].has_value()) << i;

  // One becomes durable: its data goes out, with its index.
  pending[0].second(Status::Ok());
  ASSERT_TRUE(answers[0].has_value());
  EXPECT_EQ(answers[0]->status, 200);
  EXPECT_NE(answers[0]->body.find("+1 415 555 0123"), std::string::npos);
  EXPECT_EQ(answers[0]->headers.at(0).second, std::to_string(pending[0].first));
  // The log fails: every other waiting answer is a 503 without data or index.
  for (size_t i = 1; i < pending.size(); ++i) pending[i].second(DataLossError("disk gone"));
  for (size_t i = 1; i < 5; ++i) {
    ASSERT_TRUE(answers[i].has_value()) << i;
    EXPECT_EQ(answers[i]->status, 503) << i;
    EXPECT_EQ(answers[i]->body.find("555 01"), std::string::npos);
    EXPECT_EQ(answers[i]->body.find("ana"), std::string::npos);
    for (const auto& [name, value] : answers[i]->headers) EXPECT_NE(name, kAuditIndexHeader);
  }
}

// Without the hook the worker thread waits (DataService::WaitDurable) and a failure is
// a 503 all the same.
TEST_F(DataRoutesTest, BlockingWaitFailsClosedToo) {
  ASSERT_EQ(Call("PUT", "/v1/subjects/u1", "127.0.0.9", Token("ingest"), "ingest",
                 R"({"home":"US","data":{"profile":{"phone":"+1 415 555 0123"}}})")
                .status,
            200);
  gateway::DataServiceDeps deps = Deps();
  deps.wait_durable = [](uint64_t) { return DataLossError("disk gone"); };
  gateway::DataService service(std::move(deps));
  Router router;
  AddDataRoutes(router, front_door_, &service);
  HttpRequest r = Request("GET", "/v1/subjects/u1/profile", "127.0.0.5", Token("ana"), "investigation");
  std::string route;
  HttpResponse read = router.Dispatch(r, &route);
  EXPECT_EQ(read.status, 503);
  EXPECT_EQ(read.body.find("555 01"), std::string::npos);
  HttpRequest w = Request("PUT", "/v1/subjects/u2", "127.0.0.9", Token("ingest"), "ingest",
                          R"({"home":"US","data":{"profile":{"phone":"+1 415 555 0199"}}})");
  EXPECT_EQ(router.Dispatch(w, &route).status, 503);
  EXPECT_EQ(vault_->Home("u2").status().code(), StatusCode::kNotFound) << "nothing written without a durable entry";
}

}  // namespace
}  // namespace domicile::server
