// monitor::HttpClient over https:// against the server's own TLS on loopback: the
// server certificate must chain to the configured CA, carry the host name and be
// valid now; a server that requires a client certificate gets the configured one.
// Every refusal happens before a request is sent (the server counts requests).
#include <gtest/gtest.h>

#include <atomic>

#include "fakes/temp_dir.h"
#include "fakes/test_certs.h"
#include "monitor/http_client.h"
#include "server/http_server.h"
#include "server/router.h"

namespace domicile::monitor {
namespace {

using testing::KeyAndCert;
using testing::MakeCert;

class HttpClientTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCert({.cn = "Test CA", .ca = true}, nullptr, ca_);
    MakeCert({.cn = "Other CA", .ca = true}, nullptr, other_ca_);
    MakeCert({.cn = "localhost", .san = "DNS:localhost,IP:127.0.0.1"}, &ca_, localhost_);
    MakeCert({.cn = "other.example", .san = "DNS:other.example,IP:127.0.0.9"}, &ca_, other_host_);
    MakeCert({.cn = "localhost",
              .san = "DNS:localhost,IP:127.0.0.1",
              .not_before_seconds = -7200,
              .not_after_seconds = -3600},
             &ca_, expired_);
    MakeCert({.cn = "shipper"}, &ca_, client_);
    Write("ca.pem", ca_.cert, nullptr);
    Write("other-ca.pem", other_ca_.cert, nullptr);
    Write("client.pem", client_.cert, nullptr);
    Write("client.key", nullptr, client_.key);

    router_ = std::make_shared<server::Router>();
    router_->Add("GET", "/v1/hello", [this](const server::HttpRequest& req) {
      ++requests_;
      std::string who = req.client_certificate ? req.client_certificate->common_name : "";
      return server::HttpResponse{200, "text/plain", {}, "hello " + who};
    });
    router_->Add("POST", "/v1/echo", [this](const server::HttpRequest& req) {
      ++requests_;
      return server::HttpResponse{201, "text/plain", {}, std::string(req.body)};
    });
  }

  void Write(const std::string& name, X509* cert, EVP_PKEY* key) {
    ASSERT_TRUE(testing::WritePem(dir_.path() + "/" + name, cert, key));
  }

  // A TLS server presenting `cert`; with `require_client_cert`, clients must present
  // a certificate issued by the test CA.
  void StartServer(const KeyAndCert& cert, bool require_client_cert = false) {
    Write("server.pem", cert.cert, nullptr);
    Write("server.key", nullptr, cert.key);
    server::ServerOptions o;
    o.threads = 1;
    o.tls = true;
    o.tls_options = {dir_.path() + "/server.pem", dir_.path() + "/server.key",
                     require_client_cert ? dir_.path() + "/ca.pem" : "", require_client_cert};
    auto server = server::HttpServer::Start(o, router_, nullptr, nullptr);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::string Url(const std::string& scheme = "https", const std::string& host = "127.0.0.1") const {
    return scheme + "://" + host + ":" + std::to_string(server_->port());
  }

  HttpTlsOptions Trusting(const std::string& ca = "ca.pem") const { return {dir_.path() + "/" + ca, "", ""}; }

  std::unique_ptr<HttpClient> Client(const std::string& url, HttpTlsOptions tls) {
    auto client = HttpClient::Create(url, {.timeout = std::chrono::seconds(10), .tls = std::move(tls)});
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  testing::TempDir dir_;
  KeyAndCert ca_, other_ca_, localhost_, other_host_, expired_, client_;
  std::shared_ptr<server::Router> router_;
  std::unique_ptr<server::HttpServer> server_;
  std::atomic<int> requests_{0};
};

TEST_F(HttpClientTlsTest, GetAndPostOverVerifiedTls) {
  StartServer(localhost_);
  auto client = Client(Url(), Trusting());
  ASSERT_NE(client, nullptr);
  auto get = client->Get("/v1/hello");
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hello ");
  auto post = client->Post("/v1/echo", "ship this", "text/plain");  // over the kept-alive connection
  ASSERT_TRUE(post.ok()) << post.status().ToString();
  EXPECT_EQ(post->status, 201);
  EXPECT_EQ(post->body, "ship this");
  EXPECT_EQ(requests_, 2);
}

TEST_F(HttpClientTlsTest, HostNameIsVerifiedAgainstDnsNamesToo) {
  StartServer(localhost_);
  auto client = Client(Url("https", "localhost"), Trusting());
  ASSERT_NE(client, nullptr);
  auto get = client->Get("/v1/hello");
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->status, 200);
}

TEST_F(HttpClientTlsTest, ServerFromAnotherCaIsRefusedBeforeAnyRequest) {
  StartServer(localhost_);
  auto client = Client(Url(), Trusting("other-ca.pem"));
  ASSERT_NE(client, nullptr);
  auto get = client->Get("/v1/hello");
  EXPECT_EQ(get.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(get.status().message().find("server certificate rejected"), std::string::npos) << get.status().ToString();
  EXPECT_EQ(requests_, 0);
}

TEST_F(HttpClientTlsTest, CertificateForAnotherHostIsRefused) {
  StartServer(other_host_);  // valid chain, but names other.example / 127.0.0.9
  for (const char* host : {"127.0.0.1", "localhost"}) {
    auto client = Client(Url("https", host), Trusting());
    ASSERT_NE(client, nullptr);
    auto post = client->Post("/v1/echo", "secret", "text/plain");
    EXPECT_EQ(post.status().code(), StatusCode::kUnavailable) << host;
    EXPECT_NE(post.status().message().find("mismatch"), std::string::npos) << post.status().ToString();
  }
  EXPECT_EQ(requests_, 0);
}

TEST_F(HttpClientTlsTest, ExpiredCertificateIsRefused) {
  StartServer(expired_);
  auto client = Client(Url(), Trusting());
  ASSERT_NE(client, nullptr);
  auto get = client->Get("/v1/hello");
  EXPECT_EQ(get.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(get.status().message().find("expired"), std::string::npos) << get.status().ToString();
  EXPECT_EQ(requests_, 0);
}

TEST_F(HttpClientTlsTest, ClientCertificateIsPresentedWhenTheServerRequiresOne) {
  StartServer(localhost_, /*require_client_cert=*/true);
  auto without = Client(Url(), Trusting());
  ASSERT_NE(without, nullptr);
  EXPECT_EQ(without->Get("/v1/hello").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(requests_, 0);

  HttpTlsOptions mtls = Trusting();
  mtls.client_cert = dir_.path() + "/client.pem";
  mtls.client_key = dir_.path() + "/client.key";
  auto with = Client(Url(), mtls);
  ASSERT_NE(with, nullptr);
  auto get = with->Get("/v1/hello");
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hello shipper");
}

TEST_F(HttpClientTlsTest, PlainHttpAgainstTheTlsPortFailsCleanly) {
  StartServer(localhost_);
  auto client = Client(Url("http"), {});
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->Get("/v1/hello").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(requests_, 0);
}

TEST(HttpClientTlsOptionsTest, BadOptionsAreRefusedAtCreation) {
  testing::TempDir dir;
  // TLS files for a plain URL would be silently unused: refused.
  EXPECT_EQ(HttpClient::Create("http://127.0.0.1:1", {.tls = {"/ca.pem", "", ""}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create("https://127.0.0.1:1", {.tls = {dir.path() + "/missing.pem", "", ""}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create("https://127.0.0.1:1", {.tls = {"", dir.path() + "/c.pem", ""}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create("ftp://127.0.0.1:1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(HttpClient::Create("https://example.org/prefix").ok());  // system trust store, port 443
}

}  // namespace
}  // namespace domicile::monitor
