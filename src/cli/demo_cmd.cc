// `domicile demo`: the gateway's guided tour. Starts `domicile serve` (this binary, the
// embedded demo configuration) on a fresh data directory, plays a scripted scenario
// over loopback HTTP from US (127.0.0.x) and SG (127.0.1.x) source addresses, stops the
// server with SIGTERM, then audits the log and proves every request's entry. Prints
// what happened and which policies decided; exits 1 if anything deviated from the
// script. The demo data is fabricated, so its plain values may be shown.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20
#include <vector>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cli/command.h"
#include "common/clock.h"
#include "common/file.h"
#include "crypto/ed25519.h"
#include "crypto/sha256.h"
#include "gateway/config.h"
#include "gateway/jwt.h"
#include "tlog/log_reader.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/tiles.h"

namespace domicile::cli {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(20);
constexpr auto kRequestTimeout = std::chrono::seconds(10);

struct Reply {
  int status = 0;
  std::map<std::string, std::string, std::less<>> headers;  // lower-case names
  std::string body;

  std::string Header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One request on its own connection, from `source_ip` (the gateway locates the
// requester by this address, whatever the headers say).
Result<Reply> Exchange(const std::string& source_ip, const tcp::endpoint& server, http::verb method,
                       const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  boost::system::error_code ec;
  stream.socket().open(tcp::v4(), ec);
  if (!ec) stream.socket().bind(tcp::endpoint(net::ip::make_address(source_ip, ec), 0), ec);
  if (ec) return UnavailableError("cannot bind a client socket to " + source_ip + ": " + ec.message());

  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "demo.domicile.invalid");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  request.keep_alive(false);

  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  stream.expires_after(kRequestTimeout);
  stream.async_connect(server, [&](boost::system::error_code e) {
    if (e) return void(ec = e);
    http::async_write(stream, request, [&](boost::system::error_code e, size_t) {
      if (e) return void(ec = e);
      http::async_read(stream, buffer, response, [&](boost::system::error_code e, size_t) { ec = e; });
    });
  });
  ioc.run();
  if (ec) return UnavailableError(std::string(http::to_string(method)) + " " + target + ": " + ec.message());

  Reply reply;
  reply.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = std::move(response.body());
  return reply;
}

std::string DescribeExit(int wait_status) {
  if (WIFSIGNALED(wait_status)) return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  return "exit code " + std::to_string(WEXITSTATUS(wait_status));
}

// `domicile serve` as a child process; killed (SIGKILL) if still running when destroyed.
class ServerProcess {
 public:
  static Result<std::unique_ptr<ServerProcess>> Start(const std::string& data_dir) {
    const std::string ready_file = data_dir + "/ready";
    const std::string log_file = data_dir + "/serve.log";
    std::vector<std::string> args = {"domicile", "serve",     "--data-dir",   data_dir,
                                     "--port",   "0",         "--ready-file", ready_file};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) return UnavailableError("cannot create " + log_file);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(out);
      return UnavailableError("fork failed");
    }
    if (pid == 0) {  // child: only async-signal-safe calls until exec
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    ::close(out);
    auto process = std::unique_ptr<ServerProcess>(new ServerProcess(pid, log_file));
    RETURN_IF_ERROR(process->AwaitReady(ready_file));
    return process;
  }

  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  const tcp::endpoint& endpoint() const { return endpoint_; }

  // SIGTERM, then waits for a clean exit (status 0).
  Status Stop() {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
        return InternalError("the server exited abnormally (" + DescribeExit(status) + ")" + LogTail());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return UnavailableError("the server did not stop within 20 s of SIGTERM");
  }

  // The last lines the server wrote, for error messages.
  std::string LogTail() const {
    auto text = FileSystem::Default()->ReadFile(log_file_);
    if (!text.ok() || text->empty()) return "";
    return "; server log (" + log_file_ + "):\n" + text->substr(text->size() > 2000 ? text->size() - 2000 : 0);
  }

 private:
  ServerProcess(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}

  // Waits for "host:port\n" in the ready file (written once requests are accepted).
  Status AwaitReady(const std::string& ready_file) {
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return UnavailableError("the server exited during start-up (" + DescribeExit(status) + ")" + LogTail());
      }
      auto text = FileSystem::Default()->ReadFile(ready_file);
      if (text.ok() && !text->empty() && text->back() == '\n') {
        const std::string line = text->substr(0, text->size() - 1);
        const size_t colon = line.rfind(':');
        boost::system::error_code ec;
        auto address = net::ip::make_address(line.substr(0, colon == std::string::npos ? 0 : colon), ec);
        if (colon == std::string::npos || ec) return InternalError("bad ready file: " + line);
        endpoint_ = tcp::endpoint(address, static_cast<uint16_t>(std::stoi(line.substr(colon + 1))));
        return Status::Ok();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return UnavailableError("the server was not ready within 30 s" + LogTail());
  }

  pid_t pid_;
  std::string log_file_;
  tcp::endpoint endpoint_;
};

// Entry `index` of the log in `dir`, read from its entry bundle.
Result<std::string> ReadEntry(FileSystem& fs, const std::string& dir, uint64_t index) {
  ASSIGN_OR_RETURN(std::string note, tlog::ReadCheckpointFile(fs, dir));
  ASSIGN_OR_RETURN(tlog::Checkpoint checkpoint, tlog::ParseUnverifiedCheckpoint(note));
  if (index >= checkpoint.size) {
    return OutOfRangeError("audit index " + std::to_string(index) + " is beyond the log (size " +
                           std::to_string(checkpoint.size) + ")");
  }
  const uint64_t bundle_index = index / tlog::kTileWidth;
  ASSIGN_OR_RETURN(std::string bundle, tlog::ReadBundleFile(fs, dir, bundle_index,
                                                             tlog::TileWidth(0, bundle_index, checkpoint.size)));
  ASSIGN_OR_RETURN(auto entries, tlog::SplitBundle(bundle));
  const uint64_t slot = index % tlog::kTileWidth;
  if (slot >= entries.size()) return DataLossError("entry bundle is short");
  return std::string(entries[slot]);
}

std::string Token(const gateway::Ed25519Jwk& key, const std::string& subject) {
  gateway::JwtIssueOptions options;
  options.seed = key.seed;
  options.key_id = key.key_id;
  options.issuer = gateway::kDemoIssuer;
  options.subject = subject;
  options.audience.emplace_back(gateway::kDemoAudience);
  options.issued_at = Clock::System()->NowUnixMicros() / 1'000'000;
  options.ttl_seconds = 900;
  auto token = gateway::IssueJwt(options);
  return token.ok() ? *token : "";
}

struct Requester {
  std::string label;      // "ana (US trust & safety)"
  std::string token;
  std::string source_ip;  // 127.0.0.x = US, 127.0.1.x = SG in the demo network map
  std::string purpose;
};

struct Expectation {
  int status = 200;
  std::map<std::string, std::string> views;  // field -> view the response must give it
};

// A response whose audit entry is checked again, with its inclusion proof, at the end.
struct Audited {
  uint64_t index = 0;
  std::string request_id;
};

class Demo {
 public:
  explicit Demo(std::string log_dir) : log_dir_(std::move(log_dir)) {}

  void Run(ServerProcess& server) {
    endpoint_ = server.endpoint();
    const gateway::Ed25519Jwk idp = gateway::DemoIdentityProviderKey();
    const Requester ingest{"ingest service", Token(idp, "ingest"), "127.0.0.10", "ingest"};
    const Requester ana{"ana (US trust & safety)", Token(idp, "ana"), "127.0.0.5", "investigation"};
    Requester ana_abroad = ana;
    ana_abroad.label = "ana (same token, SG network)";
    ana_abroad.source_ip = "127.0.1.5";
    const Requester sam{"sam (US support)", Token(idp, "sam"), "127.0.0.6", "support"};
    const Requester wei{"wei (engineer in SG)", Token(idp, "wei"), "127.0.1.7", "analytics"};
    // Right issuer and key id, wrong key: a forgery.
    auto forger = crypto::Ed25519FromSeed(crypto::Sha256String("not the demo identity provider"));
    const Requester mallory{"forged token for ana", forger.ok() ? Token({idp.key_id, "", forger->seed}, "ana") : "",
                            "127.0.0.8", "investigation"};

    std::printf("\n1. The ingest service stores three subjects (action write)\n");
    const char* subjects[][4] = {
        {"u-1001", "Alice Example", "+1 415 555 0132", "1987-04-12"},
        {"u-1002", "Bob Example", "+1 212 555 0187", "1990-11-02"},
        {"u-1003", "Carol Example", "+1 617 555 0144", "1979-06-30"},
    };
    for (const auto& s : subjects) {
      Json body = {{"home", "US"},
                   {"data",
                    {{"profile",
                      {{"name", s[1]}, {"phone", s[2]}, {"email", std::string(s[0]) + "@example.com"},
                       {"birth_date", s[3]}, {"language", "en"}}},
                     {"videos", {{"watch_history", Json::array({"v-17", "v-42"})}, {"caption", "my cat"}}},
                     {"stats", {{"follower_bucket", "1k-10k"}}}}}};
      Step(ingest, http::verb::put, std::string("/v1/subjects/") + s[0], body.dump(), {}, {200, {}});
    }

    std::printf("\n2. Reads: each field in the most revealing view policy allows\n");
    const std::string profile = "/v1/subjects/u-1001/profile?fields=phone,email,birth_date";
    Step(ana, http::verb::get, profile, "", {}, {200, {{"phone", "plain"}, {"email", "plain"}, {"birth_date", "plain"}}});
    Step(sam, http::verb::get, profile, "", {},
         {200, {{"phone", "masked"}, {"email", "masked"}, {"birth_date", "masked"}}});
    Step(wei, http::verb::get, "/v1/subjects/u-1001/stats?fields=follower_bucket", "", {},
         {200, {{"follower_bucket", "pseudonym"}}});

    std::printf("\n3. Location comes from the network, never from the request\n");
    Step(ana_abroad, http::verb::get, profile, "", {{"X-Forwarded-For", "127.0.0.5"}}, {403, {}},
         "X-Forwarded-For: 127.0.0.5");
    Step(wei, http::verb::get, "/v1/subjects/u-1001/videos?fields=watch_history", "",
         {{"X-Forwarded-For", "127.0.0.7"}}, {403, {}}, "X-Forwarded-For: 127.0.0.7");
    Step(mallory, http::verb::get, profile, "", {}, {401, {}});

    std::printf("\n4. Bulk export of profiling data: refused, then limited per principal and purpose\n");
    const std::string export_body = R"({"collection":"videos","fields":["watch_history"],"home":"US"})";
    const std::pair<std::string, std::string> justification = {"Domicile-Justification", "case T-1234"};
    Step(sam, http::verb::post, "/v1/export", export_body, {}, {403, {}});
    Step(ana, http::verb::post, "/v1/export", export_body, {}, {403, {}}, "no justification");
    for (int i = 1; i <= 3; ++i) {
      Step(ana, http::verb::post, "/v1/export", export_body, {justification}, {i < 3 ? 200 : 429, {}},
           "justification: case T-1234, export " + std::to_string(i) + " this minute");
    }

    std::printf("\n5. Erasure: delete destroys the subject's key (crypto-shredding)\n");
    if (Step(ingest, http::verb::delete_, "/v1/subjects/u-1003", "", {}, {200, {}})) {
      Step(ana, http::verb::get, "/v1/subjects/u-1003/profile?fields=phone", "", {}, {404, {}});
    }
  }

  // After the server stopped: full log audit, then every response's entry proven.
  void VerifyLog(const std::string& verifier_key) {
    FileSystem& fs = *FileSystem::Default();
    std::printf("\n6. The audit log, after shutdown\n");
    auto verifier = tlog::NewVerifier(verifier_key);
    if (!verifier.ok()) return Deviation("log verifier key: " + verifier.status().message());
    const tlog::NoteVerifier* known[] = {verifier->get()};
    auto report = tlog::AuditLog(fs, log_dir_, known);
    if (!report.ok()) return Deviation("log verify: " + report.status().message());
    std::printf("  [ok] log verify: %s, size %llu: signature valid, %llu bundles and %llu tiles re-derived, root matches\n",
                report->checkpoint.origin.c_str(), static_cast<unsigned long long>(report->checkpoint.size),
                static_cast<unsigned long long>(report->bundles), static_cast<unsigned long long>(report->tiles));
    size_t proven = 0;
    for (const Audited& a : audited_) {
      auto entry = ReadEntry(fs, log_dir_, a.index);
      auto proof = tlog::ProveInclusion(fs, log_dir_, a.index);
      Status st = !entry.ok() ? entry.status() : !proof.ok() ? proof.status() : Status::Ok();
      if (st.ok()) {
        auto checked = tlog::VerifyTlogProof(*proof, tlog::HashBytes(tlog::HashLeaf(*entry)), known);
        if (!checked.ok()) st = checked.status();
      }
      if (st.ok() && Json::parse(*entry, nullptr, false).value("request_id", "") != a.request_id) {
        st = DataLossError("entry names another request");
      }
      if (!st.ok()) {
        Deviation("audit entry #" + std::to_string(a.index) + " of request " + a.request_id + ": " + st.message());
      } else {
        ++proven;
      }
    }
    std::printf("  [%s] inclusion proofs: %zu of %zu audit entries named by responses proven against the final checkpoint\n",
                proven == audited_.size() ? "ok" : "FAIL", proven, audited_.size());
    if (report->checkpoint.size != audited_.size()) {
      Deviation("the log holds " + std::to_string(report->checkpoint.size) + " entries; the " +
                std::to_string(requests_) + " responses named " + std::to_string(audited_.size()));
    } else {
      std::printf("  [ok] every entry accounted for: %zu requests, allowed or denied, %llu entries (a delete has two)\n",
                  requests_, static_cast<unsigned long long>(report->checkpoint.size));
    }
  }

  void Deviation(const std::string& what) {
    ++deviations_;
    std::printf("  [FAIL] %s\n", what.c_str());
  }

  int deviations() const { return deviations_; }
  int skipped() const { return skipped_; }

 private:
  // Sends one request, prints what happened and why (from its audit entry), and
  // records a deviation if the status or views differ from `want`. Returns false if
  // the step was skipped (the route is not implemented yet) or failed.
  bool Step(const Requester& who, http::verb method, const std::string& target, const std::string& body,
            const std::vector<std::pair<std::string, std::string>>& extra, const Expectation& want,
            const std::string& note = "") {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + who.token},
                                                                {"Domicile-Purpose", who.purpose}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    const std::string what = who.label + " from " + who.source_ip + ": " + std::string(http::to_string(method)) +
                             " " + target + (note.empty() ? "" : " [" + note + "]");
    auto reply = Exchange(who.source_ip, endpoint_, method, target, headers, body);
    if (!reply.ok()) {
      Deviation(what + ": " + reply.status().message());
      return false;
    }
    const Json json = Json::parse(reply->body, nullptr, false);
    const std::string error_message =
        json.is_object() && json.contains("error") ? json["error"].value("message", "") : "";
    if (reply->status == 405 || (reply->status == 404 && error_message == "no such resource")) {
      ++skipped_;
      std::printf("  [skipped (not implemented)] %s\n", what.c_str());
      return false;
    }
    ++requests_;
    bool ok = reply->status == want.status;
    std::string detail = std::to_string(reply->status);
    if (json.is_object() && json.contains("fields") && json["fields"].is_object()) {
      for (const auto& [field, view] : json["fields"].items()) {
        detail += "  " + field + "=" + view.value("view", "?") + " " + view.value("value", Json()).dump();
      }
    } else if (!error_message.empty()) {
      detail += " (" + error_message + ")";
    } else if (json.is_object() && json.contains("written")) {
      detail += " (" + json["written"].dump() + " fields written)";
    } else if (json.is_object() && json.contains("records")) {
      detail += " (" + std::to_string(json["records"].size()) + " records)";
    }
    for (const auto& [field, view] : want.views) {
      const Json* got = json.is_object() && json.contains("fields") && json["fields"].contains(field)
                            ? &json["fields"][field]
                            : nullptr;
      if (got == nullptr || got->value("view", "") != view) {
        ok = false;
        detail += "  [expected " + field + " " + view + "]";
      }
    }
    if (!ok) detail += "  [expected status " + std::to_string(want.status) + "]";
    std::printf("  [%s] %s\n       -> %s\n", ok ? "ok" : "FAIL", what.c_str(), detail.c_str());
    if (!ok) ++deviations_;
    ExplainFromAudit(*reply);
    return ok;
  }

  // Prints the deciding policies recorded in the request's audit entry.
  void ExplainFromAudit(const Reply& reply) {
    const std::string request_id = reply.Header("domicile-request-id");
    const std::string index_text = reply.Header("domicile-audit-index");
    if (index_text.empty()) return Deviation("no Domicile-Audit-Index on the response to " + request_id);
    uint64_t index = 0;
    try {
      index = std::stoull(index_text);
    } catch (const std::exception&) {
      return Deviation("bad Domicile-Audit-Index: " + index_text);
    }
    audited_.push_back({index, request_id});
    auto entry = ReadEntry(*FileSystem::Default(), log_dir_, index);
    if (!entry.ok()) return Deviation("audit entry #" + index_text + ": " + entry.status().message());
    const Json e = Json::parse(*entry, nullptr, false);
    if (!e.is_object() || e.value("request_id", "") != request_id) {
      return Deviation("audit entry #" + index_text + " is not request " + request_id);
    }
    std::set<std::string> policies;
    if (e.contains("fields") && e["fields"].is_array()) {
      for (const Json& f : e["fields"]) {
        if (!f.is_object() || !f.contains("policies") || !f["policies"].is_array()) continue;
        for (const Json& p : f["policies"]) policies.insert(p.get<std::string>());
      }
    }
    std::string why;
    for (const std::string& p : policies) why += (why.empty() ? "" : ", ") + p;
    const std::string reason = e.value("reason", "");
    std::printf("       audit #%s: %s as %s from %s; policies: %s%s\n", index_text.c_str(),
                e.value("outcome", "?").c_str(), e.value("action", "?").c_str(),
                e.value("source_country", "?").c_str(), why.empty() ? "none" : why.c_str(),
                reason.empty() ? "" : ("; " + reason).c_str());
    // A delete has a second entry: the vault's shred receipt.
    const Json body = Json::parse(reply.body, nullptr, false);
    if (body.is_object() && body.contains("receipt_audit_index") && body["receipt_audit_index"].is_number_unsigned()) {
      const uint64_t receipt = body["receipt_audit_index"].get<uint64_t>();
      audited_.push_back({receipt, request_id});
      std::printf("       audit #%llu: shred receipt (the subject's data key is destroyed)\n",
                  static_cast<unsigned long long>(receipt));
    }
  }

  std::string log_dir_;
  tcp::endpoint endpoint_;
  std::vector<Audited> audited_;
  size_t requests_ = 0;  // requests the server answered (skipped ones excluded)
  int deviations_ = 0;
  int skipped_ = 0;
};

struct DemoFlags {
  std::string data_dir;
};

Status RunDemo(const DemoFlags& flags) {
  std::string data_dir = flags.data_dir;
  bool remove_after = false;
  if (data_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "domicile-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return UnavailableError("cannot create a temporary directory");
    data_dir = tmpl;
    remove_after = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return UnavailableError("cannot create " + data_dir + ": " + ec.message());
  }
  std::printf("Domicile demo: gateway with the embedded demo configuration, data in %s\n", data_dir.c_str());
  std::printf("Network map: 127.0.0.0/24 = US, 127.0.1.0/24 = SG. Subjects are US residents.\n");

  Demo demo(data_dir + "/log");
  {
    ASSIGN_OR_RETURN(auto server, ServerProcess::Start(data_dir));
    std::printf("`domicile serve` is up at %s:%u (its log: %s/serve.log)\n",
                server->endpoint().address().to_string().c_str(), server->endpoint().port(), data_dir.c_str());
    demo.Run(*server);
    Status stopped = server->Stop();
    if (!stopped.ok()) {
      demo.Deviation(stopped.message());
    } else {
      std::printf("\nServer stopped with SIGTERM (drained, log flushed, exit 0)\n");
    }
  }
  auto key = FileSystem::Default()->ReadFile(data_dir + "/log.key");
  auto vkey = key.ok() ? tlog::VerifierKeyFor(std::string(key->substr(0, key->find('\n'))))
                       : Result<std::string>(key.status());
  if (!vkey.ok()) {
    demo.Deviation("log key: " + vkey.status().message());
  } else {
    demo.VerifyLog(*vkey);
  }

  std::printf("\n%s: %d deviation(s) from the script, %d step(s) skipped (not implemented)\n",
              demo.deviations() == 0 ? "DEMO OK" : "DEMO FAILED", demo.deviations(), demo.skipped());
  if (remove_after && demo.deviations() == 0) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir, ec);
  } else if (remove_after) {
    std::printf("(data and server log kept in %s)\n", data_dir.c_str());
  }
  if (demo.deviations() != 0) return AbortedError("the demo deviated from its script");
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto flags = std::make_shared<DemoFlags>();
  auto* cmd = root.add_subcommand("demo", "Run the gateway's scripted scenario against `domicile serve` and verify its log");
  cmd->add_option("--data-dir", flags->data_dir, "Keep the server's data here (default: a temporary directory, removed on success)");
  cmd->callback([flags] {
    std::fflush(stdout);
    Status st = RunDemo(*flags);
    std::fflush(stdout);
    if (!st.ok()) Fail(st);
  });
}

}  // namespace
}  // namespace domicile::cli

DOMICILE_REGISTER_COMMAND(demo, domicile::cli::Setup);
