// `domicile scan PATH…`: find personal data in files, trees, stdin ("-") or
// PostgreSQL tables, and report it (jsonl, summary, sarif, text) or, with
// --residency, report what lives where it may not. Values are never printed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/command.h"
#include "scan/postgres_source.h"
#include "scan/report.h"
#include "scan/residency.h"
#include "scan/scanner.h"
#include "scan/source.h"

namespace {

using namespace domicile;
using namespace domicile::scan;

struct Flags {
  std::vector<std::string> paths;
  std::string format = "text";
  std::vector<std::string> entities;
  float min_score = 0.5f;
  int threads = 0;
  std::string residency;
  std::string postgres;
  std::vector<std::string> tables;
  bool quiet = false;
  bool fail_on_findings = false;
};

// A one-line progress bar on stderr, redrawn at most 10 times a second.
class Progress {
 public:
  void Update(uint64_t done, uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && done < total) return;
    last_ = now;
    double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    int width = 30, filled = static_cast<int>(frac * width);
    std::fprintf(stderr, "\r[%s%s] %5.1f%% %llu/%llu MB", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), frac * 100,
                 static_cast<unsigned long long>(done >> 20), static_cast<unsigned long long>(total >> 20));
    drawn_ = true;
  }
  ~Progress() {
    if (drawn_) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

Status Run(const Flags& f) {
  ScanOptions options;
  options.min_score = f.min_score;
  for (const std::string& name : f.entities) {
    auto e = ParseEntity(name);
    if (!e) return InvalidArgumentError("unknown entity " + name);
    options.entities.push_back(*e);
  }
  auto format = ParseReportFormat(f.format);
  if (!format) return InvalidArgumentError("--format must be jsonl, summary, sarif or text");
  if (f.paths.empty() && f.postgres.empty()) return InvalidArgumentError("nothing to scan: give PATH… or --postgres");
  if (!f.tables.empty() && f.postgres.empty()) return InvalidArgumentError("--table needs --postgres");

  std::unique_ptr<ResidencyReport> residency;
  if (!f.residency.empty()) {
    std::ifstream in(f.residency);
    if (!in) return NotFoundError("cannot read " + f.residency);
    std::stringstream ss;
    ss << in.rdbuf();
    ASSIGN_OR_RETURN(ResidencyConfig config, ParseResidencyConfig(ss.str()));
    residency = std::make_unique<ResidencyReport>(std::move(config));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Scanner> scanner, Scanner::Create(options));
  // With --residency the residency report is the output.
  std::unique_ptr<Reporter> reporter = residency ? nullptr : MakeReporter(*format, stdout);

  auto on_findings = [&](const std::string& path, const std::vector<LocatedFinding>& found) {
    if (reporter) reporter->Add(path, found);
    if (residency) residency->Add(path, found);
  };
  auto on_error = [&](const std::string& path, const Status& error) {
    std::fprintf(stderr, "domicile: %s: %s\n", path.c_str(), error.ToString().c_str());
    if (reporter) reporter->AddError(path, error);
  };

  ScanStats stats;
  if (!f.paths.empty()) {
    SourceOptions source_options;
    source_options.threads = f.threads;
    std::unique_ptr<Progress> progress;
    if (!f.quiet && isatty(STDERR_FILENO)) {
      progress = std::make_unique<Progress>();
      source_options.progress = [&](uint64_t done, uint64_t total) { progress->Update(done, total); };
    }
    ASSIGN_OR_RETURN(stats, ScanPaths(*scanner, f.paths, source_options, on_findings, on_error));
  }
  if (!f.postgres.empty()) {
    ASSIGN_OR_RETURN(ScanStats pg, ScanPostgres(*scanner, f.postgres, f.tables, on_findings));
    stats.sources += pg.sources;
    stats.bytes += pg.bytes;
    stats.findings += pg.findings;
  }
  if (reporter) reporter->Finish(stats);
  if (residency) std::fputs(residency->ToJson().c_str(), stdout);
  std::fflush(stdout);
  if (stats.errors > 0) return UnavailableError(std::to_string(stats.errors) + " source(s) could not be scanned");
  uint64_t flagged = residency ? residency->violations() : stats.findings;
  if (f.fail_on_findings && flagged > 0) {
    cli::ExitCode() = 3;
  }
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto flags = std::make_shared<Flags>();
  auto* cmd = root.add_subcommand("scan", "Find personal data in files, trees, stdin (-) or PostgreSQL tables");
  cmd->add_option("paths", flags->paths, "Files or directories to scan; - for stdin");
  cmd->add_option("--format", flags->format, "jsonl | summary | sarif | text (default text)");
  cmd->add_option("--entities", flags->entities, "Only these entities (e.g. EMAIL_ADDRESS,US_SSN)")->delimiter(',');
  cmd->add_option("--min-score", flags->min_score, "Drop findings scoring below this (0..1, default 0.5)");
  cmd->add_option("--threads", flags->threads, "Worker threads (default: one per core)");
  cmd->add_option("--residency", flags->residency,
                  "Site configuration + path mapping (JSON): report personal data found where it may not live");
  cmd->add_option("--postgres", flags->postgres, "libpq connection string of a database to scan");
  cmd->add_option("--table", flags->tables, "Table to scan (schema.table); default: every user table");
  cmd->add_flag("--quiet", flags->quiet, "No progress bar");
  cmd->add_flag("--fail-on-findings", flags->fail_on_findings,
                "Exit 3 when anything is found (with --residency: when anything breaks residency)");
  cmd->callback([flags] {
    Status st = Run(*flags);
    if (!st.ok()) cli::Fail(st);
  });
}

}  // namespace

DOMICILE_REGISTER_COMMAND(scan, Setup);
