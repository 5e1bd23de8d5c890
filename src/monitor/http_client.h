// A small blocking HTTP/1.1 client (Boost.Beast) for the monitor, the replication
// shipper, site restore and logs that submit checkpoints to witnesses: one keep-alive
// connection to one origin, a timeout per request and a bound on the response size.
// http:// or https:// (TLS 1.2+, server certificate and host name always verified,
// optional client certificate for mTLS).
#ifndef DOMICILE_MONITOR_HTTP_CLIENT_H_
#define DOMICILE_MONITOR_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/status.h"
#include "tlog/witness.h"

namespace domicile::monitor {

// Used only for https:// URLs. Empty paths mean: the system trust store, no client
// certificate. The files are read once, in HttpClient::Create.
struct HttpTlsOptions {
  std::string ca_file;      // PEM CA bundle the server's chain must lead to
  std::string client_cert;  // PEM certificate chain presented to servers that verify clients
  std::string client_key;   // PEM private key of client_cert (set both or neither)
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{10'000};  // connect + handshake + send + receive, per request
  size_t max_body_bytes = 16 << 20;
  HttpTlsOptions tls;
};

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Thread-safe (requests are serialised over the one connection).
class HttpClient {
 public:
  // `base_url` is "http[s]://host[:port][/prefix]"; request paths are appended to it.
  // InvalidArgument for a bad URL, TLS options on an http:// URL, or unreadable TLS files.
  static Result<std::unique_ptr<HttpClient>> Create(std::string_view base_url, HttpClientOptions options = {});
  ~HttpClient();

  // Unavailable on connection, TLS (any certificate verification failure: nothing is
  // sent then) or protocol errors and timeouts; ResourceExhausted if
  // the response is larger than max_body_bytes. Any HTTP status is a reply.
  Result<HttpReply> Get(std::string_view path);
  Result<HttpReply> Post(std::string_view path, std::string_view body, std::string_view content_type);

  struct Impl;

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  Result<HttpReply> Request(bool post, std::string_view path, std::string_view body, std::string_view content_type);
  std::mutex mu_;
  std::unique_ptr<Impl> impl_;  // guarded by mu_
};

// WitnessTransport over HTTP: POST <submission prefix>/add-checkpoint.
class HttpWitnessTransport final : public tlog::WitnessTransport {
 public:
  explicit HttpWitnessTransport(std::unique_ptr<HttpClient> client) : client_(std::move(client)) {}
  Result<tlog::WitnessReply> PostAddCheckpoint(std::string_view body) override;

 private:
  std::unique_ptr<HttpClient> client_;
};

}  // namespace domicile::monitor

#endif  // DOMICILE_MONITOR_HTTP_CLIENT_H_
