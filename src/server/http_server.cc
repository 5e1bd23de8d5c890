#include "server/http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <strings.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/encoding.h"
#include "crypto/random.h"

namespace domicile::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

std::string_view View(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// The verified client certificate of a TLS connection, if any.
std::optional<ClientCertificate> PeerCertificate(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  ClientCertificate out;
  X509_NAME* name = X509_get_subject_name(cert);
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      const long n = BIO_get_mem_data(bio, &data);
      if (n > 0) out.subject.assign(data, static_cast<size_t>(n));
    }
    BIO_free(bio);
  }
  const int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx >= 0) {
    ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, cn);
    if (len > 0) out.common_name.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Response buffers larger than this are released once written.
constexpr size_t kMaxKeptResponseBytes = 64 * 1024;

// A header name or value that could split the header block (a handler bug).
bool Unsafe(std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos; }

// Serializes `r` into `out` (replacing its contents, keeping its capacity): status line,
// the server's headers unless `r` sets the same name (the last of repeated names in `r`
// wins), Connection as the version and `keep_alive` need, Content-Length, the body.
// False for a status outside 100-599 or an unsafe header: nothing usable is left in `out`.
bool SerializeResponse(const HttpResponse& r, unsigned version, bool keep_alive, std::string_view request_id,
                       std::string& out) {
  const auto has = [&r](std::string_view name, size_t from) {
    for (size_t i = from; i < r.headers.size(); ++i) {
      if (EqualsIgnoreCase(r.headers[i].first, name)) return true;
    }
    return false;
  };
  if (r.status < 100 || r.status > 599 || Unsafe(r.content_type) || Unsafe(request_id)) return false;
  out.clear();
  const auto header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  const auto status = static_cast<http::status>(r.status);
  char status_code[16];
  const int status_len = std::snprintf(status_code, sizeof status_code, " %d ", r.status);
  out.append(version == 10 ? "HTTP/1.0" : "HTTP/1.1").append(status_code, static_cast<size_t>(status_len));
  out.append(View(http::obsolete_reason(status))).append("\r\n");
  if (!has("Server", 0)) header("Server", "domicile");
  if (!has("Content-Type", 0)) header("Content-Type", r.content_type);
  if (!request_id.empty() && !has("Domicile-Request-Id", 0)) header("Domicile-Request-Id", request_id);
  if (r.status >= 400 && !has("Cache-Control", 0)) header("Cache-Control", "no-store");
  for (size_t i = 0; i < r.headers.size(); ++i) {
    const auto& [name, value] = r.headers[i];
    if (name.empty() || Unsafe(name) || Unsafe(value) || EqualsIgnoreCase(name, "Content-Length") ||
        EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Transfer-Encoding")) {
      return false;
    }
    if (!has(name, i + 1)) header(name, value);
  }
  header("X-Content-Type-Options", "nosniff");
  if (version == 10 && keep_alive) header("Connection", "keep-alive");
  if (version != 10 && !keep_alive) header("Connection", "close");
  char length[24];
  const int length_len = std::snprintf(length, sizeof length, "%zu", r.body.size());
  header("Content-Length", std::string_view(length, static_cast<size_t>(length_len)));
  out.append("\r\n").append(r.body);
  return true;
}

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is waiting for a request; in-flight requests finish.
  virtual void CloseIfIdle() = 0;
};

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  std::function<void()> flush_hook;
  Counter* requests_total = nullptr;
  Histogram* request_seconds = nullptr;
  std::string id_prefix;
  std::atomic<uint64_t> next_id{1};
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable drained;
  std::map<uint64_t, std::weak_ptr<SessionBase>> sessions;  // guarded by mu
  uint64_t next_session = 0;                                 // guarded by mu
  bool shut_down = false;                                    // guarded by mu

  // Destroyed before the fields above, so sessions never outlive them.
  std::optional<ssl::context> ssl_ctx;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;

  Impl() = default;
  void Accept();
  uint64_t Register(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.emplace(next_session, s);
    return next_session++;
  }
  void Unregister(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(id);
    if (sessions.empty()) drained.notify_all();
  }
  size_t SessionCount() {
    std::lock_guard<std::mutex> lock(mu);
    return sessions.size();
  }
  std::string NextRequestId() { return id_prefix + "-" + std::to_string(next_id.fetch_add(1)); }
};

namespace {

template <bool kTls>
class Session final : public SessionBase {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  Session(tcp::socket&& socket, HttpServer::Impl& server) : server_(server), stream_(MakeStream(std::move(socket))) {
    boost::system::error_code ec;
    const tcp::endpoint remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      peer_ = gateway::IpAddress::Parse(remote.address().to_string()).value_or(gateway::IpAddress());
      peer_port_ = remote.port();
    }
  }
  ~Session() override { server_.Unregister(id_); }

  void Run() {
    id_ = server_.Register(shared_from_this());
    net::dispatch(stream_.get_executor(), [self = Self()] { self->Start(); });
  }

  void CloseIfIdle() override {
    net::post(stream_.get_executor(), [self = Self()] {
      if (self->reading_) {
        boost::system::error_code ec;
        beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(self->stream_).close();
      }
    });
  }

 private:
  Stream MakeStream(tcp::socket&& socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server_.ssl_ctx);
    } else {
      return Stream(std::move(socket));
    }
  }
  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  void Start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(server_.options.read_timeout);
      reading_ = true;
      stream_.async_handshake(ssl::stream_base::server, [self = Self()](beast::error_code ec) {
        self->reading_ = false;
        if (ec) return;  // failed handshake (bad or missing client certificate): drop
        self->client_certificate_ = PeerCertificate(self->stream_.native_handle());
        self->Read();
      });
    } else {
      Read();
    }
  }

  void Read() {
    if (server_.stopping.load()) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(server_.options.read_timeout);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::eof || ec == net::error::connection_reset) {
      return Close();
    }
    if (ec) {
      // A protocol error from the parser: answer 4xx and close. Transport errors just close.
      if (ec.category() != http::make_error_code(http::error::bad_target).category()) return Close();
      HttpResponse r = ec == http::error::body_limit     ? HttpResponse::Error(413, "PAYLOAD_TOO_LARGE", "request body too large")
                       : ec == http::error::header_limit ? HttpResponse::Error(431, "HEADERS_TOO_LARGE", "request headers too large")
                       : HttpResponse::Error(400, "BAD_REQUEST", "malformed HTTP request");
      return Write(std::move(r), /*keep_alive=*/false, 11, "unparsed", "-", std::chrono::steady_clock::now());
    }
    Handle();
  }

  void Handle() {
    const auto& req = parser_->get();
    ++request_seq_;
    answered_ = false;
    start_ = std::chrono::steady_clock::now();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    method_.assign(req.method_string().data(), req.method_string().size());
    request_id_ = server_.NextRequestId();

    HttpRequest request;
    request.method = method_;
    request.target = View(req.target());
    const size_t q = request.target.find('?');
    request.path = request.target.substr(0, q);
    request.query = q == std::string_view::npos ? std::string_view() : request.target.substr(q + 1);
    request.headers.reserve(16);
    for (const auto& field : req) request.headers.emplace_back(View(field.name_string()), View(field.value()));
    request.body = req.body();
    request.peer = peer_;
    request.peer_port = peer_port_;
    request.client_certificate = client_certificate_;
    request.request_id = request_id_;

    // The handler may answer now (inline) or later from another thread: either way
    // the answer is written on this session's strand.
    Responder respond = [self = Self(), seq = request_seq_](HttpResponse r) {
      Session* session = self.get();
      net::dispatch(session->stream_.get_executor(),
                    [self = std::move(self), seq, r = std::move(r)]() mutable { self->Respond(seq, std::move(r)); });
    };
    try {
      server_.router->Dispatch(request, &route_, std::move(respond));
    } catch (...) {
      // Handlers return Status; an exception here is a bug. Never leak its text.
      Respond(request_seq_, HttpResponse::Error(500, "INTERNAL", "internal error"));
    }
  }

  // Writes the answer to request `seq`, once; a late or second answer is dropped.
  void Respond(uint64_t seq, HttpResponse response) {
    if (seq != request_seq_ || answered_) return;
    answered_ = true;
    const bool keep_alive = keep_alive_ && !server_.stopping.load();
    Write(std::move(response), keep_alive, version_, route_, method_, start_, request_id_);
  }

  void Write(HttpResponse r, bool keep_alive, unsigned version, const std::string& route, const std::string& method,
             std::chrono::steady_clock::time_point start, const std::string& request_id = "") {
    if (!SerializeResponse(r, version, keep_alive, request_id, response_)) {
      r = HttpResponse::Error(500, "INTERNAL", "internal error");
      keep_alive = false;
      if (!SerializeResponse(r, version, keep_alive, request_id, response_)) return Close();
    }
    if (server_.requests_total != nullptr) {
      server_.requests_total->Inc({method, route, std::to_string(r.status)});
      server_.request_seconds->Observe(
          {route}, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    beast::get_lowest_layer(stream_).expires_after(server_.options.write_timeout);
    net::async_write(stream_, net::buffer(response_), [self = Self(), keep_alive](beast::error_code ec, size_t) {
      // An idle connection keeps a small buffer, not the largest answer it ever sent.
      if (self->response_.capacity() > kMaxKeptResponseBytes) std::string().swap(self->response_);
      if (ec || !keep_alive) return self->Close();
      self->Read();
    });
  }

  void Close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = Self()](beast::error_code) { beast::get_lowest_layer(self->stream_).close(); });
    } else {
      boost::system::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  HttpServer::Impl& server_;
  Stream stream_;
  uint64_t id_ = 0;
  gateway::IpAddress peer_;
  uint16_t peer_port_ = 0;
  std::optional<ClientCertificate> client_certificate_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string response_;  // the answer being written, serialized; reused across requests
  bool reading_ = false;  // only touched on the session's strand
  // The request being answered (one at a time: the next is read after the answer is
  // written). Only touched on the session's strand.
  uint64_t request_seq_ = 0;
  bool answered_ = false;
  std::chrono::steady_clock::time_point start_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  std::string method_;
  std::string route_;
  std::string request_id_;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec && !stopping.load()) {
      if (SessionCount() >= options.max_connections) {
        socket.close(ec);
      } else if (options.tls) {
        std::make_shared<Session<true>>(std::move(socket), *this)->Run();
      } else {
        std::make_shared<Session<false>>(std::move(socket), *this)->Run();
      }
    }
    Accept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Shutdown(); }

uint16_t HttpServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options, std::shared_ptr<const Router> router,
                                                      MetricsRegistry* metrics, std::function<void()> flush_hook) {
  if (router == nullptr) return InvalidArgumentError("server needs a router");
  if (options.threads < 1) return InvalidArgumentError("server needs at least one thread");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->router = std::move(router);
  impl->flush_hook = std::move(flush_hook);
  ASSIGN_OR_RETURN(std::string prefix, crypto::RandomBytes(6));
  impl->id_prefix = Base64UrlEncode(prefix);
  if (metrics != nullptr) {
    impl->requests_total = metrics->AddCounter("domicile_http_requests_total", "HTTP requests by method, route and status.",
                                               {"method", "route", "status"});
    impl->request_seconds = metrics->AddHistogram("domicile_http_request_duration_seconds",
                                                  "Time from a parsed request to its response being queued.", {"route"},
                                                  MetricsRegistry::LatencyBounds());
  }
  boost::system::error_code ec;
  if (options.tls) {
    impl->ssl_ctx.emplace(ssl::context::tls_server);
    ssl::context& ctx = *impl->ssl_ctx;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    ctx.use_certificate_chain_file(options.tls_options.cert_file, ec);
    if (ec) return InvalidArgumentError("TLS certificate " + options.tls_options.cert_file + ": " + ec.message());
    ctx.use_private_key_file(options.tls_options.key_file, ssl::context::pem, ec);
    if (ec) return InvalidArgumentError("TLS key " + options.tls_options.key_file + ": " + ec.message());
    if (!options.tls_options.client_ca_file.empty()) {
      ctx.load_verify_file(options.tls_options.client_ca_file, ec);
      if (ec) return InvalidArgumentError("TLS client CA " + options.tls_options.client_ca_file + ": " + ec.message());
      ctx.set_verify_mode(ssl::verify_peer |
                          (options.tls_options.require_client_cert ? ssl::verify_fail_if_no_peer_cert : 0));
    } else if (options.tls_options.require_client_cert) {
      return InvalidArgumentError("require_client_cert needs a client CA");
    }
  }
  const auto address = net::ip::make_address(options.host, ec);
  if (ec) return InvalidArgumentError("listen address '" + options.host + "': " + ec.message());
  const tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return UnavailableError("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + ec.message());

  impl->work.emplace(impl->ioc.get_executor());
  impl->Accept();
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([ioc = &impl->ioc] { ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Shutdown() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.shut_down) return;
    s.shut_down = true;
  }
  s.stopping.store(true);
  // 1. Stop accepting.
  net::post(s.acceptor.get_executor(), [&s] {
    boost::system::error_code ec;
    s.acceptor.close(ec);
  });
  // 2. Close connections waiting for a request; busy ones close after their response.
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    for (auto& [id, weak] : s.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->CloseIfIdle();
  live.clear();
  // 3. Wait for in-flight requests to drain.
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.drained.wait_for(lock, s.options.drain_timeout, [&s] { return s.sessions.empty(); });
  }
  s.work.reset();
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  s.threads.clear();
  // 4. Everything answered is now out; let the owner flush (e.g. the audit log).
  if (s.flush_hook) s.flush_hook();
}

}  // namespace domicile::server
