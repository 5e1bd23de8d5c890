// The HTTP/1.1 server (Boost.Beast on Asio): one io_context run by a fixed pool of
// worker threads, keep-alive, bounded header and body sizes, read and write timeouts,
// optional TLS with verified client certificates (mTLS), a request id and metrics per
// request, and graceful shutdown: stop accepting, let in-flight requests finish,
// close idle connections, then call the flush hook. Malformed requests get a 4xx JSON
// error and the connection is closed; a handler's exception becomes a 500.
#ifndef DOMICILE_SERVER_HTTP_SERVER_H_
#define DOMICILE_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/metrics.h"
#include "server/router.h"

namespace domicile::server {

struct TlsOptions {
  std::string cert_file;       // PEM certificate chain
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CA bundle; set = client certificates are verified
  bool require_client_cert = false;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 = any free port (see HttpServer::port())
  int threads = 4;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds drain_timeout{10'000};
  size_t max_connections = 10'000;
  bool tls = false;
  TlsOptions tls_options;
};

class HttpServer {
 public:
  // Binds, listens and starts the worker threads. `metrics` may be null; otherwise it
  // must outlive the server. `flush_hook` (may be empty) runs once after draining.
  static Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, std::shared_ptr<const Router> router,
                                                   MetricsRegistry* metrics, std::function<void()> flush_hook);
  ~HttpServer();  // Shutdown()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;
  // Graceful shutdown; blocks until drained (or drain_timeout passed) and flushed.
  // Idempotent; must not be called from a handler.
  void Shutdown();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_HTTP_SERVER_H_
