// `domicile monitor ...`: the custodian's monitor.
//   follow --config FILE [--once] [--interval S] [--ca-file PEM]  follows the log; prints each
//       finding and violation as one JSON line; with --once, exit 2 if the round
//       found misbehaviour of the log
//   report --config FILE --since T --until T [--html OUT] [--json OUT]
//       evidence report from the monitor's verified state (JSON on stdout when no
//       output file is named)
//   verify-evidence FILE --vkey VKEY   checks a misbehaviour proof offline
//   rules                              prints the built-in compliance rules
#include <signal.h>
#include <time.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "common/clock.h"
#include "common/file.h"
#include "monitor/config.h"
#include "monitor/evidence.h"
#include "monitor/monitor.h"
#include "monitor/report.h"
#include "monitor/rules.h"
#include "tlog/note.h"

namespace domicile::cli {
namespace {

Result<monitor::MonitorConfig> LoadConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, FileSystem::Default()->ReadFile(path));
  return monitor::ParseMonitorConfig(text, DirName(path));
}

Result<std::unique_ptr<monitor::Monitor>> OpenMonitor(const monitor::MonitorConfig& cfg) {
  ASSIGN_OR_RETURN(auto source, monitor::NewHttpLogSource(cfg.log_url, cfg.log_tls));
  return monitor::Monitor::Open(*FileSystem::Default(), cfg, std::move(source), Clock::System());
}

void PrintRound(const monitor::PollResult& r) {
  for (const monitor::Finding& f : r.findings) {
    nlohmann::json j = {{"type", "finding"}, {"kind", f.kind}, {"detail", f.detail}, {"evidence", f.evidence}};
    if (f.index) j["index"] = *f.index;
    std::printf("%s\n", j.dump().c_str());
  }
  for (const monitor::Violation& v : r.violations) {
    nlohmann::json j = {{"type", "violation"}, {"rule", v.rule},   {"index", v.index},
                        {"principal", v.principal}, {"source_country", v.source_country}, {"fields", v.fields}};
    std::printf("%s\n", j.dump().c_str());
  }
  std::fflush(stdout);
}

Status Follow(const std::string& config_path, bool once, int interval, const std::string& ca_file) {
  ASSIGN_OR_RETURN(monitor::MonitorConfig cfg, LoadConfig(config_path));
  if (!ca_file.empty()) cfg.log_tls.ca_file = ca_file;
  ASSIGN_OR_RETURN(auto m, OpenMonitor(cfg));
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  for (;;) {
    auto r = m->Poll();
    if (!r.ok()) {
      // A state write failure is fatal; an unreachable log is retried.
      if (once || r.status().code() != StatusCode::kUnavailable) return r.status();
      std::fprintf(stderr, "domicile monitor: %s\n", r.status().ToString().c_str());
    } else {
      PrintRound(*r);
      std::fprintf(stderr, "domicile monitor: size %llu (+%llu entries, %llu tiles checked), %zu finding(s), %zu violation(s)\n",
                   static_cast<unsigned long long>(r->size), static_cast<unsigned long long>(r->new_entries),
                   static_cast<unsigned long long>(r->tiles_checked), r->findings.size(), r->violations.size());
      if (once) {
        if (!r->findings.empty()) ExitCode() = 2;
        return Status::Ok();
      }
    }
    timespec wait{interval, 0};
    if (sigtimedwait(&signals, nullptr, &wait) > 0) return Status::Ok();
  }
}

Status Report(const std::string& config_path, const std::string& since, const std::string& until,
              const std::string& html_out, const std::string& json_out) {
  ASSIGN_OR_RETURN(monitor::MonitorConfig cfg, LoadConfig(config_path));
  ASSIGN_OR_RETURN(int64_t from, monitor::ParseReportTime(since));
  ASSIGN_OR_RETURN(int64_t to, monitor::ParseReportTime(until));
  ASSIGN_OR_RETURN(auto m, OpenMonitor(cfg));  // reads local state only; Poll is not called
  ASSIGN_OR_RETURN(monitor::EvidenceReport report,
                   monitor::BuildEvidenceReport(*m, cfg, from, to, Clock::System()->NowUnixMicros()));
  FileSystem& fs = *FileSystem::Default();
  if (!html_out.empty()) RETURN_IF_ERROR(AtomicWriteFile(fs, html_out, report.html));
  if (!json_out.empty()) RETURN_IF_ERROR(AtomicWriteFile(fs, json_out, report.json));
  if (html_out.empty() && json_out.empty()) std::fwrite(report.json.data(), 1, report.json.size(), stdout);
  return Status::Ok();
}

Status VerifyEvidence(const std::string& file, const std::string& vkey_arg) {
  FileSystem& fs = *FileSystem::Default();
  std::string vkey = vkey_arg;
  if (auto exists = fs.Exists(vkey_arg); exists.ok() && *exists) {
    ASSIGN_OR_RETURN(vkey, fs.ReadFile(vkey_arg));
    while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == ' ')) vkey.pop_back();
  }
  ASSIGN_OR_RETURN(auto key, tlog::NewVerifier(vkey));
  ASSIGN_OR_RETURN(std::string text, fs.ReadFile(file));
  ASSIGN_OR_RETURN(monitor::MisbehaviourProof proof, monitor::ParseMisbehaviourProof(text));
  const tlog::NoteVerifier* k = key.get();
  RETURN_IF_ERROR(monitor::VerifyMisbehaviourProof(proof, std::span(&k, 1)));
  std::printf("misbehaviour proven: %s\n", proof.kind.c_str());
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("monitor", "The custodian's monitor: verify, cosign-check and evaluate the audit log");
  cmd->require_subcommand(1);

  struct Flags {
    std::string config, since, until, html, json, file, vkey, ca_file;
    bool once = false;
    int interval = 10;
  };
  auto f = std::make_shared<Flags>();

  auto* follow = cmd->add_subcommand("follow", "Follow the log and report findings and violations");
  follow->add_option("--config", f->config, "Monitor configuration (YAML, docs/monitor.md)")->required();
  follow->add_flag("--once", f->once, "One round, then exit (2 if the log misbehaved)");
  follow->add_option("--interval", f->interval, "Seconds between rounds")->check(CLI::Range(1, 86400));
  follow->add_option("--ca-file", f->ca_file, "PEM CA bundle for an https:// log (overrides log.ca_file)");
  follow->callback([f] {
    if (Status st = Follow(f->config, f->once, f->interval, f->ca_file); !st.ok()) Fail(st);
  });

  auto* report = cmd->add_subcommand("report", "Evidence report (HTML and JSON) for a period");
  report->add_option("--config", f->config, "Monitor configuration")->required();
  report->add_option("--since", f->since, "Start, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")->required();
  report->add_option("--until", f->until, "End (exclusive), same formats")->required();
  report->add_option("--html", f->html, "Write the HTML report here");
  report->add_option("--json", f->json, "Write the JSON report here");
  report->callback([f] {
    if (Status st = Report(f->config, f->since, f->until, f->html, f->json); !st.ok()) Fail(st);
  });

  auto* verify = cmd->add_subcommand("verify-evidence", "Check a misbehaviour proof against the log's key");
  verify->add_option("file", f->file, "Proof file (from <state_dir>/evidence/)")->required();
  verify->add_option("--vkey", f->vkey, "The log's verifier key, or a file holding it")->required();
  verify->callback([f] {
    if (Status st = VerifyEvidence(f->file, f->vkey); !st.ok()) Fail(st);
  });

  auto* rules = cmd->add_subcommand("rules", "Print the built-in compliance rules (Cedar)");
  rules->callback([] {
    std::string_view r = monitor::BuiltinRules();
    std::fwrite(r.data(), 1, r.size(), stdout);
  });
}

}  // namespace

DOMICILE_REGISTER_COMMAND(monitor, Setup);

}  // namespace domicile::cli
