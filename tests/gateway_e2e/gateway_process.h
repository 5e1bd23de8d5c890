// Test harness for end-to-end gateway tests: `domicile serve` (embedded demo
// configuration) as a child process on a data directory, an HTTP client that binds
// its socket to a chosen 127.x.y.z source (the demo network map: 127.0.0.0/24 = US,
// 127.0.1.0/24 = SG), demo tokens, and readers for the audit log the server writes.
#ifndef DOMICILE_TESTS_GATEWAY_E2E_GATEWAY_PROCESS_H_
#define DOMICILE_TESTS_GATEWAY_E2E_GATEWAY_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace domicile::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;  // 0: no complete response (connection failed or closed)
  std::map<std::string, std::string, std::less<>> headers;  // lower-case names
  std::string body;
  std::string error;  // why status is 0

  std::string Header(std::string_view name) const;
  std::string RequestId() const { return Header("domicile-request-id"); }
  // The Domicile-Audit-Index header; -1 if absent or malformed.
  int64_t AuditIndex() const;
};

// One keep-alive HTTP/1.1 connection from `source_ip` to the server. Every exchange
// has a 10 s deadline. Not thread-safe: one per thread.
class HttpClient {
 public:
  HttpClient(std::string source_ip, uint16_t port);
  ~HttpClient();
  HttpReply Send(const std::string& method, const std::string& target, const Headers& headers = {},
                 const std::string& body = "");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A `domicile serve` child process. Killed with SIGKILL if still running when destroyed.
class GatewayProcess {
 public:
  // Starts `serve --data-dir DIR --port 0 --ready-file DIR/ready` and waits (≤ 30 s)
  // until the ready file names the port. stdout/stderr go to DIR/serve.<n>.log.
  static Result<std::unique_ptr<GatewayProcess>> Start(const std::string& data_dir);
  ~GatewayProcess();

  uint16_t port() const { return port_; }
  // SIGTERM, then waits (≤ 20 s); OK only for exit status 0.
  Status Terminate();
  // SIGKILL, then waits.
  void Kill();

 private:
  GatewayProcess(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}
  Status AwaitReady(const std::string& ready_file);
  std::string LogTail() const;

  pid_t pid_;
  std::string log_file_;
  uint16_t port_ = 0;
};

// Demo identity provider tokens. `issued_at_offset`/`not_before_offset` are seconds
// from now (not_before 0 = no nbf claim); `forged` signs with another key.
struct TokenSpec {
  std::string subject;
  int64_t issued_at_offset = 0;
  int64_t ttl_seconds = 900;
  int64_t not_before_offset = 0;
  std::string audience;  // empty: the demo audience
  bool forged = false;
};
std::string DemoToken(const TokenSpec& spec);
inline std::string DemoToken(const std::string& subject) { return DemoToken(TokenSpec{subject}); }

// The audit log the server writes in DATA_DIR/log, keyed by DATA_DIR/log.key.
std::string LogDir(const std::string& data_dir);
Result<std::string> LogVerifierKey(const std::string& data_dir);
// Entry `index`, read from its entry bundle as the current checkpoint covers it.
Result<std::string> ReadLogEntry(const std::string& log_dir, uint64_t index);
// Full audit (checkpoint signature, every bundle and tile re-derived); the tree size.
Result<uint64_t> VerifyLog(const std::string& data_dir);

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_GATEWAY_E2E_GATEWAY_PROCESS_H_
