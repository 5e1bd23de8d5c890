#include "gateway_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/clock.h"
#include "common/file.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "gateway/config.h"
#include "gateway/jwt.h"
#include "tlog/log_reader.h"
#include "tlog/note.h"
#include "tlog/tiles.h"

#ifndef DOMICILE_BINARY
#error "DOMICILE_BINARY (the path of the domicile executable) must be defined"
#endif

namespace domicile::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string HttpReply::Header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

int64_t HttpReply::AuditIndex() const {
  const std::string text = Header("domicile-audit-index");
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(text);
}

struct HttpClient::Impl {
  std::string source_ip;
  uint16_t port;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the queued operations until they finish or the stream's deadline passes.
  void RunAll() {
    ioc.restart();
    ioc.run();
  }

  boost::system::error_code Connect() {
    stream.emplace(ioc);
    buffer.clear();
    boost::system::error_code ec;
    stream->socket().open(tcp::v4(), ec);
    if (!ec) stream->socket().bind(tcp::endpoint(net::ip::make_address(source_ip, ec), 0), ec);
    if (ec) return ec;
    stream->expires_after(std::chrono::seconds(10));
    stream->async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [&](boost::system::error_code e) { ec = e; });
    RunAll();
    return ec;
  }
};

HttpClient::HttpClient(std::string source_ip, uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->source_ip = std::move(source_ip);
  impl_->port = port;
}

HttpClient::~HttpClient() = default;

HttpReply HttpClient::Send(const std::string& method, const std::string& target, const Headers& headers,
                           const std::string& body) {
  HttpReply reply;
  Impl& c = *impl_;
  boost::system::error_code ec;
  if (!c.stream || !c.stream->socket().is_open()) ec = c.Connect();
  if (ec) {
    reply.error = "connect: " + ec.message();
    c.stream.reset();
    return reply;
  }
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "e2e.domicile.invalid");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 << 20);
  c.stream->expires_after(std::chrono::seconds(10));
  http::async_write(*c.stream, request, [&](boost::system::error_code e, size_t) {
    if (e) return void(ec = e);
    http::async_read(*c.stream, c.buffer, parser, [&](boost::system::error_code e, size_t) { ec = e; });
  });
  c.RunAll();
  if (ec) {
    reply.error = ec.message();
    c.stream.reset();
    return reply;
  }
  const auto& response = parser.get();
  reply.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = response.body();
  if (!response.keep_alive()) c.stream.reset();
  return reply;
}

Result<std::unique_ptr<GatewayProcess>> GatewayProcess::Start(const std::string& data_dir) {
  static std::atomic<int> starts{0};
  const std::string ready_file = data_dir + "/ready";
  const std::string log_file = data_dir + "/serve." + std::to_string(starts++) + ".log";
  (void)::unlink(ready_file.c_str());
  std::vector<std::string> args = {DOMICILE_BINARY, "serve", "--data-dir", data_dir, "--port", "0",
                                   "--ready-file", ready_file};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) return UnavailableError("cannot create " + log_file);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    return UnavailableError("fork failed");
  }
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out);
  auto process = std::unique_ptr<GatewayProcess>(new GatewayProcess(pid, log_file));
  RETURN_IF_ERROR(process->AwaitReady(ready_file));
  return process;
}

GatewayProcess::~GatewayProcess() { Kill(); }

Status GatewayProcess::AwaitReady(const std::string& ready_file) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return UnavailableError("server exited during start-up (wait status " + std::to_string(status) + ")" +
                              LogTail());
    }
    auto text = FileSystem::Default()->ReadFile(ready_file);
    if (text.ok() && !text->empty() && text->back() == '\n') {
      const size_t colon = text->rfind(':');
      if (colon == std::string::npos) return InternalError("bad ready file: " + *text);
      port_ = static_cast<uint16_t>(std::stoi(text->substr(colon + 1)));
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return UnavailableError("server not ready within 30 s" + LogTail());
}

Status GatewayProcess::Terminate() {
  if (pid_ <= 0) return FailedPreconditionError("server not running");
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
      return InternalError("server exit status " + std::to_string(status) + LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return UnavailableError("server did not exit within 20 s of SIGTERM");
}

void GatewayProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string GatewayProcess::LogTail() const {
  auto text = FileSystem::Default()->ReadFile(log_file_);
  if (!text.ok()) return "";
  return "; server log: " + text->substr(text->size() > 2000 ? text->size() - 2000 : 0);
}

std::string DemoToken(const TokenSpec& spec) {
  gateway::Ed25519Jwk key = gateway::DemoIdentityProviderKey();
  if (spec.forged) key.seed = crypto::Sha256String("not the demo identity provider");
  const int64_t now = Clock::System()->NowUnixMicros() / 1'000'000;
  gateway::JwtIssueOptions options;
  options.seed = key.seed;
  options.key_id = key.key_id;
  options.issuer = gateway::kDemoIssuer;
  options.subject = spec.subject;
  options.audience.push_back(spec.audience.empty() ? std::string(gateway::kDemoAudience) : spec.audience);
  options.issued_at = now + spec.issued_at_offset;
  options.ttl_seconds = spec.ttl_seconds;
  options.not_before = spec.not_before_offset != 0 ? now + spec.not_before_offset : 0;
  return gateway::IssueJwt(options).value();
}

std::string LogDir(const std::string& data_dir) { return data_dir + "/log"; }

Result<std::string> LogVerifierKey(const std::string& data_dir) {
  ASSIGN_OR_RETURN(std::string key, FileSystem::Default()->ReadFile(data_dir + "/log.key"));
  return tlog::VerifierKeyFor(key.substr(0, key.find('\n')));
}

Result<std::string> ReadLogEntry(const std::string& log_dir, uint64_t index) {
  FileSystem& fs = *FileSystem::Default();
  ASSIGN_OR_RETURN(std::string note, tlog::ReadCheckpointFile(fs, log_dir));
  ASSIGN_OR_RETURN(tlog::Checkpoint checkpoint, tlog::ParseUnverifiedCheckpoint(note));
  if (index >= checkpoint.size) return OutOfRangeError("index beyond the checkpoint");
  const uint64_t n = index / tlog::kTileWidth;
  ASSIGN_OR_RETURN(std::string bundle, tlog::ReadBundleFile(fs, log_dir, n, tlog::TileWidth(0, n, checkpoint.size)));
  ASSIGN_OR_RETURN(auto entries, tlog::SplitBundle(bundle));
  if (index % tlog::kTileWidth >= entries.size()) return DataLossError("short entry bundle");
  return std::string(entries[index % tlog::kTileWidth]);
}

Result<uint64_t> VerifyLog(const std::string& data_dir) {
  ASSIGN_OR_RETURN(std::string vkey, LogVerifierKey(data_dir));
  ASSIGN_OR_RETURN(auto verifier, tlog::NewVerifier(vkey));
  const tlog::NoteVerifier* known[] = {verifier.get()};
  ASSIGN_OR_RETURN(tlog::AuditReport report, tlog::AuditLog(*FileSystem::Default(), LogDir(data_dir), known));
  return report.checkpoint.size;
}

}  // namespace domicile::testing
