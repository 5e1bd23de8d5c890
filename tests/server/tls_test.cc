// TLS and mutual TLS over loopback: a verified client certificate authenticates its
// CN as a directory principal; without one, a server that requires it refuses.
#include <gtest/gtest.h>

#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "fakes/fake_clock.h"
#include "fakes/test_certs.h"
#include "fakes/temp_dir.h"
#include "gateway/config.h"
#include "server/front_door.h"
#include "server/http_server.h"

namespace domicile::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

using testing::KeyAndCert;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::MakeCert({.cn = "Test CA", .ca = true}, nullptr, ca_);
    testing::MakeCert({.cn = "localhost"}, &ca_, server_cert_);
    testing::MakeCert({.cn = "ana"}, &ca_, client_ana_);
    testing::MakeCert({.cn = "ana"}, nullptr, self_signed_ana_);
    ASSERT_TRUE(testing::WritePem(dir_.path() + "/ca.pem", ca_.cert, nullptr));
    ASSERT_TRUE(testing::WritePem(dir_.path() + "/server.pem", server_cert_.cert, nullptr));
    ASSERT_TRUE(testing::WritePem(dir_.path() + "/server.key", nullptr, server_cert_.key));

    auto config = gateway::DemoGatewayConfig();
    ASSERT_TRUE(config.ok());
    auto front = FrontDoor::Create(std::make_shared<const gateway::GatewayConfig>(std::move(*config)), &clock_);
    ASSERT_TRUE(front.ok());
    router_ = std::make_shared<Router>();
    AddWhoAmIRoute(*router_, *front);
  }

  void StartServer(bool require_client_cert) {
    ServerOptions o;
    o.threads = 1;
    o.tls = true;
    o.tls_options = {dir_.path() + "/server.pem", dir_.path() + "/server.key", dir_.path() + "/ca.pem",
                     require_client_cert};
    auto server = HttpServer::Start(o, router_, nullptr, nullptr);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  // GET /v1/whoami over TLS from 127.0.0.5, presenting `client` if non-null. Status 0
  // when the handshake or exchange fails.
  std::pair<int, std::string> WhoAmI(const KeyAndCert* client) {
    net::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(dir_.path() + "/ca.pem");
    ctx.set_verify_mode(ssl::verify_peer);
    if (client != nullptr) {
      SSL_CTX_use_certificate(ctx.native_handle(), client->cert);
      SSL_CTX_use_PrivateKey(ctx.native_handle(), client->key);
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    boost::system::error_code ec;
    auto& sock = beast::get_lowest_layer(stream).socket();
    sock.open(tcp::v4(), ec);
    sock.bind(tcp::endpoint(net::ip::make_address("127.0.0.5"), 0), ec);
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()), ec);
    if (ec) return {0, ec.message()};
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) return {0, ec.message()};
    http::request<http::empty_body> req(http::verb::get, "/v1/whoami", 11);
    req.set(http::field::host, "localhost");
    http::write(stream, req, ec);
    if (ec) return {0, ec.message()};
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res, ec);
    if (ec) return {0, ec.message()};
    return {res.result_int(), res.body()};
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  KeyAndCert ca_, server_cert_, client_ana_, self_signed_ana_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsTest, ClientCertificateAuthenticatesItsCommonName) {
  StartServer(/*require_client_cert=*/false);
  auto [status, body] = WhoAmI(&client_ana_);
  ASSERT_EQ(status, 200) << body;
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["principal"], "Domicile::Employee::\"ana\"");
  EXPECT_EQ(j["authenticated_by"], "mtls");
  EXPECT_EQ(j["source_country"], "US");
}

TEST_F(TlsTest, NoCredentialIs401WhenCertificatesAreOptional) {
  StartServer(false);
  EXPECT_EQ(WhoAmI(nullptr).first, 401);
}

TEST_F(TlsTest, RequiredCertificateMissingOrUntrustedFailsTheHandshake) {
  StartServer(/*require_client_cert=*/true);
  EXPECT_EQ(WhoAmI(nullptr).first, 0);
  EXPECT_EQ(WhoAmI(&self_signed_ana_).first, 0);
  EXPECT_EQ(WhoAmI(&client_ana_).first, 200);
}

TEST(TlsConfigTest, MissingFilesAreReported) {
  ServerOptions o;
  o.tls = true;
  o.tls_options.cert_file = "/nonexistent/cert.pem";
  o.tls_options.key_file = "/nonexistent/key.pem";
  auto server = HttpServer::Start(o, std::make_shared<Router>(), nullptr, nullptr);
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace domicile::server
