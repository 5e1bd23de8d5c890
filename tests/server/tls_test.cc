// TLS and mutual TLS over loopback: a verified client certificate authenticates its
// CN as a directory principal; without one, a server that requires it refuses.
#include <gtest/gtest.h>

#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "fakes/fake_clock.h"
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

struct KeyAndCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~KeyAndCert() {
    EVP_PKEY_free(key);
    X509_free(cert);
  }
};

// An Ed25519 certificate for `cn`, signed by `issuer` (self-signed when null).
void MakeCert(const std::string& cn, const KeyAndCert* issuer, bool ca, KeyAndCert& out) {
  out.key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  out.cert = X509_new();
  X509_set_version(out.cert, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(out.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), 3600);
  X509_set_pubkey(out.cert, out.key);
  X509_NAME* name = X509_get_subject_name(out.cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Domicile Test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(out.cert, issuer != nullptr ? X509_get_subject_name(issuer->cert) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->cert : out.cert, out.cert, nullptr, nullptr, 0);
  X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  X509_add_ext(out.cert, bc, -1);
  X509_EXTENSION_free(bc);
  if (!ca) {
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(out.cert, san, -1);
    X509_EXTENSION_free(san);
  }
  X509_sign(out.cert, issuer != nullptr ? issuer->key : out.key, nullptr);  // Ed25519: no digest
}

void WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  if (cert != nullptr) PEM_write_X509(f, cert);
  if (key != nullptr) PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeCert("Test CA", nullptr, true, ca_);
    MakeCert("localhost", &ca_, false, server_cert_);
    MakeCert("ana", &ca_, false, client_ana_);
    MakeCert("ana", nullptr, false, self_signed_ana_);
    WritePem(dir_.path() + "/ca.pem", ca_.cert, nullptr);
    WritePem(dir_.path() + "/server.pem", server_cert_.cert, nullptr);
    WritePem(dir_.path() + "/server.key", nullptr, server_cert_.key);

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
