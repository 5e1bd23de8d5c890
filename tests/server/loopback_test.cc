// The server and the gateway's front door over real loopback sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "fakes/fake_clock.h"
#include "fakes/mem_file_system.h"
#include "gateway/config.h"
#include "server/front_door.h"
#include "server/http_server.h"
#include "server/log_publication.h"
#include "test_client.h"

namespace domicile::server {
namespace {

using nlohmann::json;
using testing::Get;
using testing::TestConnection;
using testing::TestResponse;

constexpr int64_t kNow = 1'800'000'000;
constexpr char kUs[] = "127.0.0.5";
constexpr char kSg[] = "127.0.1.5";

class LoopbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = gateway::DemoGatewayConfig();
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto front = FrontDoor::Create(std::make_shared<const gateway::GatewayConfig>(std::move(*config)), &clock_);
    ASSERT_TRUE(front.ok()) << front.status().ToString();

    auto router = std::make_shared<Router>();
    AddWhoAmIRoute(*router, *front);
    AddOperationalRoutes(*router, &metrics_, [this] { return ready_ ? Status::Ok() : UnavailableError("log not open"); });
    ASSERT_TRUE(fs_.CreateDirs("/log").ok());
    ASSERT_TRUE(AtomicWriteFile(fs_, "/log/checkpoint", "demo\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n").ok());
    AddLogPublicationRoutes(*router, "/log", &fs_);
    router->Add("POST", "/test/echo", [](const HttpRequest& r) {
      return HttpResponse::Json(200, json{{"bytes", r.body.size()}}.dump());
    });
    router->Add("GET", "/test/big", [](const HttpRequest&) {
      return HttpResponse::Json(200, json{{"big", std::string(100'000, 'x')}}.dump());
    });
    router->Add("GET", "/test/bad-header", [](const HttpRequest&) {
      HttpResponse r = HttpResponse::Json(200, R"({"secret":"value"})");
      r.headers.emplace_back("X-Test", "a\r\nX-Injected: 1");
      return r;
    });
    router->Add("GET", "/test/bad-status", [](const HttpRequest&) { return HttpResponse::Json(1000, "{}"); });
    router->Add("GET", "/test/cache", [](const HttpRequest&) {
      HttpResponse r = HttpResponse::Json(200, "{}");
      r.headers.emplace_back("Cache-Control", "max-age=1");
      r.headers.emplace_back("Cache-Control", "max-age=2");
      return r;
    });
    router->Add("GET", "/test/throw", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("secret"); });
    router->Add("GET", "/test/slow", [this](const HttpRequest&) {
      slow_entered_.set_value();
      release_slow_.get_future().wait();
      return HttpResponse::Json(200, R"({"slow":"done"})");
    });

    ServerOptions options;
    options.threads = 2;
    options.max_header_bytes = 4096;
    options.max_body_bytes = 1024;
    options.read_timeout = std::chrono::milliseconds(500);
    auto server = HttpServer::Start(options, router, &metrics_, [this] { flushed_ = true; });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    port_ = server_->port();
  }

  std::string Token(gateway::JwtIssueOptions o) {
    auto token = gateway::IssueJwt(o);
    EXPECT_TRUE(token.ok());
    return "Authorization: Bearer " + token.value_or("") + "\r\n";
  }
  gateway::JwtIssueOptions Claims(const std::string& sub = "ana") {
    const gateway::Ed25519Jwk key = gateway::DemoIdentityProviderKey();
    return {key.seed, key.key_id, std::string(gateway::kDemoIssuer), sub, {std::string(gateway::kDemoAudience)},
            kNow, 600, 0};
  }
  static void ExpectJsonError(const TestResponse& r, int status) {
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.headers.count("content-type") ? r.headers.at("content-type") : "", "application/json");
    json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body["error"]["status"], status) << r.body;
    EXPECT_TRUE(body["error"]["message"].is_string());
  }

  testing::FakeClock clock_{kNow * 1'000'000};
  testing::MemFileSystem fs_;
  MetricsRegistry metrics_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::atomic<bool> ready_{true};
  std::atomic<bool> flushed_{false};
  std::promise<void> slow_entered_, release_slow_;
};

TEST_F(LoopbackTest, SameTokenIsLocatedByTheSourceAddress) {
  const std::string auth = Token(Claims());
  TestResponse us = Get(kUs, port_, "/v1/whoami", auth);
  ASSERT_EQ(us.status, 200) << us.body;
  json j = json::parse(us.body);
  EXPECT_EQ(j["principal"], "Domicile::Employee::\"ana\"");
  EXPECT_EQ(j["authenticated_by"], "jwt:https://idp.demo.domicile.invalid");
  EXPECT_EQ(j["source_ip"], kUs);
  EXPECT_EQ(j["source_country"], "US");

  TestResponse sg = Get(kSg, port_, "/v1/whoami", auth);
  ASSERT_EQ(sg.status, 200) << sg.body;
  EXPECT_EQ(json::parse(sg.body)["source_country"], "SG");
  EXPECT_EQ(json::parse(sg.body)["source_ip"], kSg);
}

TEST_F(LoopbackTest, SpoofedForwardedForChangesNothing) {
  const std::string headers = Token(Claims()) + "X-Forwarded-For: 127.0.0.1\r\nX-Real-IP: 127.0.0.1\r\n" +
                              "Forwarded: for=127.0.0.1\r\nDomicile-Source-Country: US\r\n";
  TestResponse r = Get(kSg, port_, "/v1/whoami", headers);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_EQ(j["source_ip"], kSg);
  EXPECT_EQ(j["source_country"], "SG");
}

TEST_F(LoopbackTest, PurposeHeaderIsValidated) {
  TestResponse ok = Get(kUs, port_, "/v1/whoami", Token(Claims()) + "Domicile-Purpose: investigation\r\n");
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(ok.body)["purpose"], "investigation");
  ExpectJsonError(Get(kUs, port_, "/v1/whoami", Token(Claims()) + "Domicile-Purpose: Not Valid!\r\n"), 400);
  ExpectJsonError(Get(kUs, port_, "/v1/whoami",
                      Token(Claims()) + "Domicile-Purpose: a\r\nDomicile-Purpose: b\r\n"), 400);
}

TEST_F(LoopbackTest, BadTokensGet401) {
  auto expired = Claims();
  expired.issued_at = kNow - 3600;
  auto not_yet = Claims();
  not_yet.not_before = kNow + 600;
  not_yet.ttl_seconds = 1200;
  auto wrong_audience = Claims();
  wrong_audience.audience = {"someone-else"};
  auto forged = Claims();
  forged.seed = std::string(32, 'f');
  auto unknown = Claims("mallory");
  for (const auto& claims : {expired, not_yet, wrong_audience, forged, unknown}) {
    TestResponse r = Get(kUs, port_, "/v1/whoami", Token(claims));
    ExpectJsonError(r, 401);
    EXPECT_EQ(r.headers["www-authenticate"], "Bearer realm=\"domicile\"");
  }
  ExpectJsonError(Get(kUs, port_, "/v1/whoami"), 401);
  ExpectJsonError(Get(kUs, port_, "/v1/whoami", "Authorization: Bearer not-a-jwt\r\n"), 401);
  ExpectJsonError(Get(kUs, port_, "/v1/whoami", Token(Claims()) + Token(Claims())), 401);
}

TEST_F(LoopbackTest, MalformedRequestsGet4xxJsonNeverA500) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"GARBAGE\r\n\r\n", 400},
      {"GET /healthz HTTP/9.9\r\n\r\n", 400},
      {"GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n", 400},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n", 431},
      {"POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'b'), 413},
      {"POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
      {"POST /test/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"GET /v1/subjects/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 404},
      {"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404},
      {"DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 405},
  };
  for (const auto& [raw, status] : cases) {
    TestConnection c(kUs, port_);
    ASSERT_TRUE(c.connected());
    ExpectJsonError(c.Exchange(raw), status);
  }
  // The server is still up and answering.
  EXPECT_EQ(Get(kUs, port_, "/healthz").status, 200);
}

TEST_F(LoopbackTest, HandlerExceptionIsAnOpaque500) {
  TestResponse r = Get(kUs, port_, "/test/throw");
  ExpectJsonError(r, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
}

TEST_F(LoopbackTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestConnection c(kUs, port_);
  for (int i = 0; i < 3; ++i) {
    TestResponse r = c.Exchange("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"bytes":3})");
    EXPECT_FALSE(r.headers["domicile-request-id"].empty());
  }
}

// Each connection reuses its read buffer and its response buffer: nothing of one
// request or answer may show in the next.
TEST_F(LoopbackTest, ConnectionBuffersDoNotLeakBetweenRequests) {
  TestConnection c(kUs, port_);
  TestResponse big = c.Exchange("GET /test/big HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(big.status, 200);
  EXPECT_EQ(big.body.size(), 100'010u);
  TestResponse small = c.Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(small.status, 200);
  EXPECT_EQ(small.body, R"({"status":"ok"})");
  EXPECT_EQ(small.headers["content-length"], "15");
  EXPECT_EQ(small.headers.count("cache-control"), 0u);
  EXPECT_NE(small.headers["domicile-request-id"], big.headers["domicile-request-id"]);
}

TEST_F(LoopbackTest, GoodRequestAfterARefusedOneOnTheSameConnection) {
  TestConnection c(kUs, port_);
  // Refused by the router (not an absolute path): the connection stays open.
  ExpectJsonError(c.Exchange("GET healthz HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
  TestResponse r = c.Exchange("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"bytes":3})");
  EXPECT_EQ(r.headers.count("cache-control"), 0u);
}

TEST_F(LoopbackTest, MalformedRequestAfterAGoodOneIsRefusedAndCloses) {
  TestConnection c(kUs, port_);
  TestResponse good = c.Exchange("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_EQ(good.status, 200);
  // The same header block again, broken: the earlier request's fields must not make it parse.
  TestResponse bad = c.Exchange("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Length 3\r\n\r\nabc");
  ExpectJsonError(bad, 400);
  EXPECT_EQ(bad.headers["connection"], "close");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(LoopbackTest, UnsafeResponseHeaderOrStatusBecomesAnOpaque500) {
  TestResponse r = Get(kUs, port_, "/test/bad-header");
  ExpectJsonError(r, 500);
  EXPECT_EQ(r.headers.count("x-injected"), 0u);
  EXPECT_EQ(r.headers.count("x-test"), 0u);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  ExpectJsonError(Get(kUs, port_, "/test/bad-status"), 500);
}

TEST_F(LoopbackTest, HandlerHeadersReplaceTheServersAndTheLastRepeatWins) {
  TestResponse r = Get(kUs, port_, "/test/cache");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["cache-control"], "max-age=2");
  EXPECT_EQ(r.headers["server"], "domicile");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
}

TEST_F(LoopbackTest, IdleConnectionIsClosedAfterTheReadTimeout) {
  TestConnection c(kUs, port_);
  ASSERT_TRUE(c.connected());
  EXPECT_TRUE(c.ClosedByServer());  // blocks until the server gives up on us
}

TEST_F(LoopbackTest, HealthReadinessAndMetrics) {
  EXPECT_EQ(Get(kUs, port_, "/healthz").status, 200);
  EXPECT_EQ(Get(kUs, port_, "/readyz").status, 200);
  ready_ = false;
  ExpectJsonError(Get(kUs, port_, "/readyz"), 503);
  TestResponse m = Get(kUs, port_, "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(m.body.find(R"(domicile_http_requests_total{method="GET",route="/healthz",status="200"} 1)"),
            std::string::npos) << m.body;
  EXPECT_NE(m.body.find(R"(domicile_http_requests_total{method="GET",route="/readyz",status="503"} 1)"),
            std::string::npos);
}

TEST_F(LoopbackTest, LogCheckpointIsPublished) {
  TestResponse r = Get(kSg, port_, "/log/checkpoint");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_EQ(r.headers["cache-control"], kCheckpointCacheControl);
  EXPECT_EQ(r.body.substr(0, 7), "demo\n0\n");
  ExpectJsonError(Get(kSg, port_, "/log/tile/../checkpoint"), 404);
}

TEST_F(LoopbackTest, ShutdownDrainsInFlightRequestsThenFlushes) {
  auto in_flight = std::async(std::launch::async, [this] { return Get(kUs, port_, "/test/slow"); });
  slow_entered_.get_future().wait();
  TestConnection idle(kUs, port_);  // connected, no request: closed by the shutdown
  ASSERT_TRUE(idle.connected());
  auto shutdown = std::async(std::launch::async, [this] { server_->Shutdown(); });
  // Still draining: the flush hook must not have run while a request is in flight.
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_FALSE(flushed_);
  release_slow_.set_value();
  TestResponse r = in_flight.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"slow":"done"})");
  shutdown.get();
  EXPECT_TRUE(flushed_);
  TestConnection late(kUs, port_);
  EXPECT_FALSE(late.connected());
}

}  // namespace
}  // namespace domicile::server
