#include "monitor/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace domicile::monitor {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

struct HttpClient::Impl {
  std::string host;
  std::string port;
  std::string prefix;  // path prefix without a trailing '/'
  HttpClientOptions options;
  net::io_context io;
  std::optional<beast::tcp_stream> stream;  // open keep-alive connection, if any
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url, HttpClientOptions options) {
  constexpr std::string_view kScheme = "http://";
  if (base_url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgumentError("http client: URL must start with http:// (got " + std::string(base_url) + ")");
  }
  std::string_view rest = base_url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (authority.empty()) return InvalidArgumentError("http client: no host in " + std::string(base_url));
  auto impl = std::make_unique<Impl>();
  size_t colon = authority.rfind(':');
  size_t bracket = authority.find(']');
  if (colon == std::string_view::npos || (authority.front() == '[' && bracket != std::string_view::npos && bracket > colon)) {
    impl->host = std::string(authority);
    impl->port = "80";
  } else {
    impl->host = std::string(authority.substr(0, colon));
    impl->port = std::string(authority.substr(colon + 1));
  }
  if (impl->host.size() > 2 && impl->host.front() == '[' && impl->host.back() == ']') {
    impl->host = impl->host.substr(1, impl->host.size() - 2);
  }
  if (impl->host.empty() || impl->port.empty() ||
      impl->port.find_first_not_of("0123456789") != std::string::npos || impl->port.size() > 5) {
    return InvalidArgumentError("http client: bad host or port in " + std::string(base_url));
  }
  impl->prefix = std::move(prefix);
  impl->options = options;
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
    bool reused = c.stream.has_value();
    beast::error_code ec;
    if (!c.stream) {
      net::ip::tcp::resolver resolver(c.io);
      auto endpoints = resolver.resolve(c.host, c.port, ec);
      if (ec) return UnavailableError("http client: resolve " + c.host + ": " + ec.message());
      c.stream.emplace(c.io);
      c.stream->expires_after(c.options.timeout);
      c.stream->connect(endpoints, ec);
      if (ec) {
        c.stream.reset();
        return UnavailableError("http client: connect " + c.host + ":" + c.port + ": " + ec.message());
      }
    }
    c.stream->expires_after(c.options.timeout);
    http::write(*c.stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(c.options.max_body_bytes);
    c.buffer.clear();
    if (!ec) http::read(*c.stream, c.buffer, parser, ec);
    if (ec) {
      c.stream.reset();
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
    if (!res.keep_alive()) c.stream.reset();
    return reply;
  }
  return UnavailableError("http client: connection lost");
}

Result<tlog::WitnessReply> HttpWitnessTransport::PostAddCheckpoint(std::string_view body) {
  ASSIGN_OR_RETURN(HttpReply r, client_->Post("/add-checkpoint", body, "text/plain; charset=utf-8"));
  return tlog::WitnessReply{r.status, r.content_type, r.body};
}

}  // namespace domicile::monitor
