// Monitor and witness figures, each printed next to its baseline from the same run.
//
// 1. Following a growing log: a log on disk grows by `batch` audit entries (the
//    gateway's JSON, ~450 bytes) per round, is cosigned by a witness and published
//    by the server's log publication on loopback; the monitor polls after each round
//    (HTTP fetches, signature + quorum, re-derived tree, tile checks, Cedar rules,
//    durable state). Baselines: the same monitor reading the directory directly (no
//    HTTP), tlog::AuditLog re-deriving the final log from disk once (verification
//    only, no rules), and bare SHA-256 leaf hashing.
// 2. Witness add-checkpoint latency for a log growing by one batch per request, in
//    process (parse, verify, consistency proof, cosign, durable state) and over
//    loopback HTTP; baselines: one Ed25519 sign + verify, one AtomicWriteFile.
//
//   bench_monitor [entries=20000] [batch=1000] [witness_requests=500]
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/file.h"
#include "crypto/ed25519.h"
#include "gateway/audit_entry.h"
#include "monitor/http_client.h"
#include "monitor/monitor.h"
#include "monitor/rules.h"
#include "monitor/witness_service.h"
#include "server/http_server.h"
#include "server/log_publication.h"
#include "tlog/appender.h"
#include "tlog/cosignature.h"
#include "tlog/log_reader.h"
#include "tlog/witness.h"

using namespace domicile;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr char kOrigin[] = "bench.domicile.example/audit";
volatile uint8_t g_sink;

double Seconds(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::fprintf(stderr, "bench_monitor: %s: %s\n", what, st.ToString().c_str());
    std::exit(1);
  }
}
template <typename T>
T Must(Result<T> r, const char* what) {
  Check(r.status(), what);
  return std::move(*r);
}

std::string Entry(uint64_t i) {
  gateway::AuditEntry e;
  e.time_unix_micros = 1'795'000'000'000'000 + int64_t(i) * 1000;
  e.request_id = "bench-" + std::to_string(i);
  e.principal = i % 7 == 0 ? "Domicile::Employee::\"bob\"" : "Domicile::Employee::\"ana\"";
  e.authenticated_by = "jwt:https://idp.example";
  e.source_ip = "10.1.2.3";
  e.source_country = i % 7 == 0 ? "SG" : "US";
  e.action = "read";
  e.subject = "psn-" + std::to_string(i % 1000);
  e.collection = "profile";
  gateway::View v = i % 7 == 0 ? gateway::View::kNone : gateway::View::kPlain;
  e.fields.push_back({"profile.phone", v, {"us-read"}, {}});
  e.fields.push_back({"profile.email", gateway::View::kMasked, {"us-read-masked"}, {}});
  e.purpose = "support";
  e.justification = "T-" + std::to_string(i);
  e.outcome = v == gateway::View::kNone ? "partial" : "allowed";
  e.http_status = 200;
  return e.ToJson();
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU time of the calling thread: the single-threaded baselines are reported per
// CPU second, since the machine is shared and wall time depends on the load.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

struct Percentiles {
  double median, p99;
};
Percentiles Of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  const uint64_t batch = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
  const int witness_requests = argc > 3 ? std::atoi(argv[3]) : 500;
  const char* tmp = std::getenv("TMPDIR");
  std::string root = std::string(tmp ? tmp : "/tmp") + "/bench_monitor." + std::to_string(getpid());
  std::filesystem::create_directories(root);
  FileSystem& fs = *FileSystem::Default();

  tlog::NoteKeyPair log_keys = Must(tlog::GenerateNoteKey(kOrigin), "log key");
  tlog::NoteKeyPair w_keys = Must(tlog::GenerateCosignerKey("witness.bench/w1"), "witness key");
  const std::string log_dir = root + "/log";
  Check(tlog::CreateLog(fs, log_dir, kOrigin, log_keys.private_key), "create log");
  auto witness = Must(tlog::Witness::Open(fs, root + "/witness", w_keys.private_key,
                                          {{kOrigin, {log_keys.verifier_key}}}, Clock::System()),
                      "witness");

  // The log's publication: /log/checkpoint serves the cosigned checkpoint file.
  const std::string cosigned_dir = root + "/published";
  Check(fs.CreateDirs(cosigned_dir), "mkdir");
  auto router = std::make_shared<server::Router>();
  router->Add("GET", "/log/checkpoint", [&](const server::HttpRequest&) {
    server::HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = *fs.ReadFile(cosigned_dir + "/checkpoint");
    return r;
  });
  server::AddLogPublicationRoutes(*router, log_dir, &fs);
  auto http = Must(server::HttpServer::Start({.threads = 2}, router, nullptr, {}), "server");

  monitor::MonitorConfig cfg;
  cfg.log_url = "http://127.0.0.1:" + std::to_string(http->port()) + "/log";
  cfg.origin = kOrigin;
  cfg.log_keys = {log_keys.verifier_key};
  cfg.witness_keys = {w_keys.verifier_key};
  cfg.quorum = 1;
  cfg.compliance.home = "US";
  cfg.compliance.categories = {{"profile.phone", "protected"}, {"profile.email", "protected"}};
  cfg.compliance.directory_json =
      R"([{"uid":{"type":"Domicile::Employee","id":"ana"},"attrs":{},"parents":[]},)"
      R"({"uid":{"type":"Domicile::Employee","id":"bob"},"attrs":{},"parents":[]}])";
  monitor::MonitorConfig http_cfg = cfg, dir_cfg = cfg;
  http_cfg.state_dir = root + "/monitor-http";
  dir_cfg.state_dir = root + "/monitor-dir";
  auto over_http = Must(monitor::Monitor::Open(fs, http_cfg, Must(monitor::NewHttpLogSource(cfg.log_url), "source"),
                                               Clock::System()),
                        "monitor");
  // The direct monitor reads the published checkpoint through a directory that
  // mirrors the log with the cosigned checkpoint.
  auto over_dir = Must(monitor::Monitor::Open(fs, dir_cfg, monitor::NewDirLogSource(fs, log_dir), Clock::System()),
                       "monitor");

  auto appender = Must(tlog::Appender::Open(fs, log_dir, log_keys.private_key), "appender");
  uint64_t witnessed = 0;
  double t_http = 0, t_dir = 0, cpu_http = 0, cpu_dir = 0;
  uint64_t violations = 0, findings = 0, tiles = 0;
  for (uint64_t done = 0; done < total; done += batch) {
    uint64_t last = 0;
    for (uint64_t i = done; i < std::min(total, done + batch); ++i) last = Must(appender->Submit(Entry(i)), "submit");
    Check(appender->WaitDurable(last), "durable");
    std::string note = Must(tlog::ReadCheckpointFile(fs, log_dir), "checkpoint");
    tlog::AddCheckpointRequest req = Must(tlog::ProveConsistency(fs, log_dir, witnessed), "prove");
    tlog::WitnessReply reply = witness->AddCheckpoint(tlog::FormatAddCheckpoint(req));
    if (reply.status != 200) {
      std::fprintf(stderr, "witness refused: %d %s\n", reply.status, reply.body.c_str());
      return 1;
    }
    witnessed = Must(tlog::ParseUnverifiedCheckpoint(note), "parse").size;
    std::string cosigned = Must(tlog::AddSignatureLines(note, reply.body), "cosigned");
    Check(AtomicWriteFile(fs, cosigned_dir + "/checkpoint", cosigned), "publish");
    // The directory source reads <log_dir>/checkpoint: give it the cosigned one.
    Check(AtomicWriteFile(fs, log_dir + "/checkpoint", cosigned), "publish");

    double c0 = CpuSeconds();
    auto t0 = SteadyClock::now();
    auto r = Must(over_http->Poll(), "poll over http");
    auto t1 = SteadyClock::now();
    cpu_http += CpuSeconds() - c0;
    double c1 = CpuSeconds();
    auto r2 = Must(over_dir->Poll(), "poll over dir");
    auto t2 = SteadyClock::now();
    cpu_dir += CpuSeconds() - c1;
    t_http += Seconds(t0, t1);
    t_dir += Seconds(t1, t2);
    violations += r.violations.size();
    findings += r.findings.size() + r2.findings.size();
    tiles += r.tiles_checked;
  }
  Check(appender->Close(), "close");

  auto key = Must(tlog::NewVerifier(log_keys.verifier_key), "vkey");
  const tlog::NoteVerifier* k = key.get();
  double a0 = ThreadCpuSeconds();
  tlog::AuditReport audit = Must(tlog::AuditLog(fs, log_dir, std::span(&k, 1)), "audit");
  double t_audit = ThreadCpuSeconds() - a0;
  std::vector<std::string> entries;
  for (uint64_t i = 0; i < total; ++i) entries.push_back(Entry(i));
  double h0 = ThreadCpuSeconds();
  tlog::Hash sink{};
  for (const std::string& e : entries) sink[0] ^= tlog::HashLeaf(e)[0];
  double t_hash = ThreadCpuSeconds() - h0;

  g_sink = sink[0];  // keeps the hashing from being optimised away
  auto rules = Must(monitor::ComplianceRules::Create(cfg.compliance), "rules");
  std::vector<monitor::Violation> found;
  double e0 = ThreadCpuSeconds();
  for (uint64_t i = 0; i < total; ++i) rules->Evaluate(i, entries[i], found);
  double t_rules = ThreadCpuSeconds() - e0;
  double j0 = ThreadCpuSeconds();
  size_t parsed = 0;
  for (const std::string& e : entries) parsed += gateway::AuditEntry::FromJson(e).ok();
  double t_parse = ThreadCpuSeconds() - j0;

  std::printf("follow: %llu entries (~%zu bytes each) in rounds of %llu; %llu violations, %llu findings, %llu tiles checked\n",
              (unsigned long long)total, entries[1].size(), (unsigned long long)batch,
              (unsigned long long)violations, (unsigned long long)findings, (unsigned long long)tiles);
  std::printf("                               wall entries/s  CPU entries/s (process CPU s)\n");
  std::printf("  monitor over loopback HTTP   %10.0f  %12.0f  (%.2f s wall, %.2f s CPU)\n", double(total) / t_http,
              double(total) / cpu_http, t_http, cpu_http);
  std::printf("  monitor over the directory   %10.0f  %12.0f  (%.2f s wall, %.2f s CPU)\n", double(total) / t_dir,
              double(total) / cpu_dir, t_dir, cpu_dir);
  std::printf("                                              thread CPU entries/s\n");
  std::printf("  of which rules alone                         %12.0f  (%zu violations)\n", double(total) / t_rules,
              found.size());
  std::printf("    of which entry JSON parsing                %12.0f  (%zu parsed)\n", double(total) / t_parse, parsed);
  std::printf("  baseline AuditLog (no rules)                 %12.0f  (size %llu)\n", double(total) / t_audit,
              (unsigned long long)audit.checkpoint.size);
  std::printf("  baseline leaf hashing                        %12.0f\n", double(total) / t_hash);

  // Witness latency: one request per growth step of `step` entries.
  auto w2 = Must(tlog::Witness::Open(fs, root + "/witness2", w_keys.private_key, {{kOrigin, {log_keys.verifier_key}}},
                                     Clock::System()),
                 "witness2");
  auto wr = std::make_shared<server::Router>();
  monitor::AddWitnessRoutes(*wr, w2.get());
  auto wserver = Must(server::HttpServer::Start({.threads = 2}, wr, nullptr, {}), "witness server");
  auto client = Must(monitor::HttpClient::Create("http://127.0.0.1:" + std::to_string(wserver->port())), "client");
  tlog::MemoryTree tree;
  auto signer = Must(tlog::NewSigner(log_keys.private_key), "signer");
  const tlog::NoteSigner* s = signer.get();
  std::vector<double> in_process, over_wire;
  uint64_t size = 0;
  auto body_for = [&](uint64_t old) {
    tlog::Checkpoint cp{kOrigin, tree.size(), tree.Root(), {}};
    std::string note = Must(tlog::SignNote(cp.Text(), std::span(&s, 1)), "sign");
    std::vector<std::string> proof;
    if (old != 0) proof = tlog::HashesToStrings(Must(tlog::ConsistencyProof(tree, old, tree.size()), "proof"));
    return tlog::FormatAddCheckpoint({old, proof, note});
  };
  // Even requests go to the witness in process, odd ones over HTTP to the same
  // witness, each continuing from the size the previous one left.
  for (int i = 0; i < witness_requests; ++i) {
    for (int j = 0; j < 10; ++j) tree.AppendEntry(Entry(size * 10 + j));
    std::string body = body_for(size);
    auto t0 = SteadyClock::now();
    int status;
    if (i % 2 == 0) {
      status = w2->AddCheckpoint(body).status;
      in_process.push_back(Seconds(t0, SteadyClock::now()) * 1e6);
    } else {
      status = Must(client->Post("/add-checkpoint", body, "text/plain"), "post").status;
      over_wire.push_back(Seconds(t0, SteadyClock::now()) * 1e6);
    }
    if (status != 200) {
      std::fprintf(stderr, "witness request %d: HTTP %d\n", i, status);
      return 1;
    }
    size = tree.size();
  }
  std::vector<double> crypto_floor, write_floor;
  auto kp = Must(crypto::Ed25519Generate(), "ed25519");
  for (int i = 0; i < witness_requests / 2; ++i) {
    std::string msg = "cosignature/v1\ntime 1\n" + std::to_string(i);
    auto t0 = SteadyClock::now();
    std::string sig = Must(crypto::Ed25519Sign(kp.seed, msg), "sign");
    bool ok = crypto::Ed25519Verify(kp.public_key, msg, sig);
    crypto_floor.push_back(Seconds(t0, SteadyClock::now()) * 1e6);
    if (!ok) return 1;
    auto t1 = SteadyClock::now();
    Check(AtomicWriteFile(fs, root + "/floor", msg), "write");
    write_floor.push_back(Seconds(t1, SteadyClock::now()) * 1e6);
  }
  auto p_in = Of(in_process), p_wire = Of(over_wire), p_crypto = Of(crypto_floor), p_write = Of(write_floor);
  std::printf("witness add-checkpoint (+10 entries per request, %d requests):\n", witness_requests);
  std::printf("  in process                   median %8.0f us  p99 %8.0f us\n", p_in.median, p_in.p99);
  std::printf("  over loopback HTTP           median %8.0f us  p99 %8.0f us\n", p_wire.median, p_wire.p99);
  std::printf("  floor: Ed25519 sign+verify   median %8.0f us  p99 %8.0f us\n", p_crypto.median, p_crypto.p99);
  std::printf("  floor: AtomicWriteFile       median %8.0f us  p99 %8.0f us\n", p_write.median, p_write.p99);

  wserver->Shutdown();
  http->Shutdown();
  std::filesystem::remove_all(root);
  return 0;
}
