#include "monitor/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace domicile::monitor {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;

struct HttpClient::Impl {
  std::string host;
  std::string port;
  std::string prefix;  // path prefix without a trailing '/'
  HttpClientOptions options;
  net::io_context io;
  std::optional<ssl::context> tls;  // set = https://
  // The open keep-alive connection, if any: `plain` for http://, `secure` for https://.
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  bool Connected() const { return plain.has_value() || secure.has_value(); }
  void Disconnect() {
    plain.reset();
    secure.reset();
  }
  Status Connect();
};

namespace {

// The client context: TLS 1.2+, the peer must present a chain to a trusted CA.
Status ConfigureTls(ssl::context& ctx, const HttpTlsOptions& o) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (o.ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
    if (ec) return InvalidArgumentError("https client: system trust store: " + ec.message());
  } else {
    ctx.load_verify_file(o.ca_file, ec);
    if (ec) return InvalidArgumentError("https client: CA file " + o.ca_file + ": " + ec.message());
  }
  if (o.client_cert.empty() != o.client_key.empty()) {
    return InvalidArgumentError("https client: a client certificate needs its key and a key its certificate");
  }
  if (!o.client_cert.empty()) {
    ctx.use_certificate_chain_file(o.client_cert, ec);
    if (ec) return InvalidArgumentError("https client: client certificate " + o.client_cert + ": " + ec.message());
    ctx.use_private_key_file(o.client_key, ssl::context::pem, ec);
    if (ec) return InvalidArgumentError("https client: client key " + o.client_key + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

Status HttpClient::Impl::Connect() {
  beast::error_code ec;
  net::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return UnavailableError("http client: resolve " + host + ": " + ec.message());
  beast::tcp_stream& tcp = tls ? beast::get_lowest_layer(secure.emplace(io, *tls)) : plain.emplace(io);
  tcp.expires_after(options.timeout);
  tcp.connect(endpoints, ec);
  if (ec) {
    Disconnect();
    return UnavailableError("http client: connect " + host + ":" + port + ": " + ec.message());
  }
  if (!tls) return Status::Ok();
  // The name the certificate must carry (RFC 6125: DNS name, or an IP address SAN for
  // a literal address); SNI only for names.
  SSL* ssl_handle = secure->native_handle();
  boost::system::error_code not_ip;
  net::ip::make_address(host, not_ip);
  bool set =
      not_ip ? SSL_set_tlsext_host_name(ssl_handle, host.c_str()) == 1 && SSL_set1_host(ssl_handle, host.c_str()) == 1
             : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), host.c_str()) == 1;
  if (!set) {
    Disconnect();
    return UnavailableError("https client: cannot set the expected host name " + host);
  }
  secure->handshake(ssl::stream_base::client, ec);
  if (ec) {
    long verify = SSL_get_verify_result(ssl_handle);
    std::string why = verify != X509_V_OK
                          ? std::string("server certificate rejected: ") + X509_verify_cert_error_string(verify)
                          : ec.message();
    Disconnect();
    return UnavailableError("https client: TLS handshake with " + host + ":" + port + ": " + why);
  }
  return Status::Ok();
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url, HttpClientOptions options) {
  const bool https = base_url.starts_with("https://");
  if (!https && !base_url.starts_with("http://")) {
    return InvalidArgumentError("http client: URL must start with http:// or https:// (got " + std::string(base_url) +
                                ")");
  }
  const HttpTlsOptions& tls = options.tls;
  if (!https && !(tls.ca_file.empty() && tls.client_cert.empty() && tls.client_key.empty())) {
    return InvalidArgumentError("http client: TLS options given for a plain http:// URL " + std::string(base_url));
  }
  std::string_view rest = base_url.substr(https ? 8 : 7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (authority.empty()) return InvalidArgumentError("http client: no host in " + std::string(base_url));
  auto impl = std::make_unique<Impl>();
  size_t colon = authority.rfind(':');
  size_t bracket = authority.find(']');
  if (colon == std::string_view::npos ||
      (authority.front() == '[' && bracket != std::string_view::npos && bracket > colon)) {
    impl->host = std::string(authority);
    impl->port = https ? "443" : "80";
  } else {
    impl->host = std::string(authority.substr(0, colon));
    impl->port = std::string(authority.substr(colon + 1));
  }
  if (impl->host.size() > 2 && impl->host.front() == '[' && impl->host.back() == ']') {
    impl->host = impl->host.substr(1, impl->host.size() - 2);
  }
  if (impl->host.empty() || impl->port.empty() || impl->port.find_first_not_of("0123456789") != std::string::npos ||
      impl->port.size() > 5) {
    return InvalidArgumentError("http client: bad host or port in " + std::string(base_url));
  }
  impl->prefix = std::move(prefix);
  if (https) RETURN_IF_ERROR(ConfigureTls(impl->tls.emplace(ssl::context::tls_client), tls));
  impl->options = std::move(options);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<HttpReply> HttpClient::Get(std::string_view path) { return Request(false, path, "", ""); }

Result<HttpReply> HttpClient::Post(std::string_view path, std::string_view body, std::string_view content_type) {
  return Request(true, path, body, content_type);
}

Result<HttpReply> HttpClient::Request(bool post, std::string_view path, std::string_view body,
                                      std::string_view content_type) {
  std::lock_guard<std::mutex> lock(mu_);
  Impl& c = *impl_;
  http::request<http::string_body> req(post ? http::verb::post : http::verb::get, c.prefix + std::string(path), 11);
  req.set(http::field::host, c.host + ":" + c.port);
  req.set(http::field::user_agent, "domicile-monitor");
  req.keep_alive(true);
  if (post) {
    req.set(http::field::content_type, std::string(content_type));
    req.body() = std::string(body);
    req.prepare_payload();
  }
  // A reused connection may have been closed by the server: retry once on a fresh one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = c.Connected();
    if (!reused) RETURN_IF_ERROR(c.Connect());
    http::response_parser<http::string_body> parser;
    parser.body_limit(c.options.max_body_bytes);
    c.buffer.clear();
    beast::error_code ec;
    auto exchange = [&](auto& stream) {
      beast::get_lowest_layer(stream).expires_after(c.options.timeout);
      http::write(stream, req, ec);
      if (!ec) http::read(stream, c.buffer, parser, ec);
    };
    c.secure ? exchange(*c.secure) : exchange(*c.plain);
    if (ec) {
      c.Disconnect();
      if (reused && attempt == 0 && ec != http::error::body_limit) continue;
      if (ec == http::error::body_limit) {
        return ResourceExhaustedError("http client: response body larger than the limit");
      }
      return UnavailableError("http client: " + std::string(post ? "POST " : "GET ") + std::string(path) + ": " +
                              ec.message());
    }
    auto& res = parser.get();
    HttpReply reply;
    reply.status = int(res.result_int());
    reply.content_type = std::string(res[http::field::content_type]);
    reply.body = std::move(res.body());
    if (!res.keep_alive()) c.Disconnect();
    return reply;
  }
  return UnavailableError("http client: connection lost");
}

Result<tlog::WitnessReply> HttpWitnessTransport::PostAddCheckpoint(std::string_view body) {
  ASSIGN_OR_RETURN(HttpReply r, client_->Post("/add-checkpoint", body, "text/plain; charset=utf-8"));
  return tlog::WitnessReply{r.status, r.content_type, r.body};
}

}  // namespace domicile::monitor
