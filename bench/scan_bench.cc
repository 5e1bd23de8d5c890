// bench_scan: MB/s per core of the discovery scanner on a generated mixed corpus
// (logs, JSON Lines, CSV, prose; >= 200 MB) with every entity enabled, and, in
// the same run over the same file, ripgrep (-j1) with the scanner's candidate
// regexes as the baseline. Usage: bench_scan [MB] (default 210).
#include <hs/hs.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <algorithm>
#include <vector>

#include "scan/internal/candidates.h"
#include "scan/scanner.h"
#include "scan/source.h"

namespace {

using Clock = std::chrono::steady_clock;
using domicile::scan::Scanner;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU seconds (user + system) used so far by this process or by its waited-for
// children: "per core" figures divide by these, so a busy machine does not
// distort them the way wall-clock time would.
double CpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Deterministic corpus: about one piece of personal data per 3 KB (a side store
// that leaks, not a customer table); the rest is the digits, timestamps, hex ids,
// version strings and words that logs and exports are full of.
std::string Generate(size_t bytes) {
  std::mt19937_64 rng(42);
  auto num = [&](int lo, int hi) { return std::to_string(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  auto hex = [&](int n) {
    static const char* k = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(k[rng() % 16]);
    return s;
  };
  static const char* kWords[] = {"the", "service", "request", "customer", "order", "was", "updated", "after",
                                 "payment", "review", "account", "with", "new", "settings", "and", "report",
                                 "delivered", "team", "meeting", "notes", "for", "quarterly", "release", "plan"};
  auto words = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += std::string(i ? " " : "") + kWords[rng() % std::size(kWords)];
    return s;
  };
  auto email = [&] { return "user" + num(1, 999999) + "@example" + num(1, 99) + ".com"; };
  auto ip = [&] { return num(1, 223) + "." + num(0, 255) + "." + num(0, 255) + "." + num(1, 254); };
  auto uuid = [&] { return hex(8) + "-" + hex(4) + "-" + hex(4) + "-" + hex(4) + "-" + hex(12); };
  std::string out;
  out.reserve(bytes + 4096);
  out += "id,name,email,phone,created,amount\n";
  while (out.size() < bytes) {
    switch (rng() % 4) {
      case 0:  // log line
        out += "2024-0" + num(1, 9) + "-1" + num(0, 9) + "T1" + num(0, 9) + ":" + num(10, 59) + ":" +
               num(10, 59) + "Z INFO req=" + uuid() + " path=/api/v1/items/" + num(1, 999999) +
               " status=200 latency_ms=" + num(1, 999) + (rng() % 20 == 0 ? " client=" + ip() : "") + "\n";
        break;
      case 1:  // JSON Lines record
        out += "{\"id\":" + num(1, 9999999) + ",\"event\":\"" + words(3) + "\",\"ts\":\"2024-05-0" + num(1, 9) +
               "T08:00:00Z\",\"amount\":" + num(1, 9999) + "." + num(10, 99) +
               (rng() % 20 == 0 ? ",\"email\":\"" + email() + "\"" : "") +
               (rng() % 40 == 0 ? ",\"phone\":\"+1 415 555 0" + num(100, 199) + "\"" : "") + "}\n";
        break;
      case 2:  // CSV row
        out += num(1, 9999999) + ",name" + num(1, 99999) + "," + (rng() % 20 == 0 ? email() : "") + "," +
               (rng() % 40 == 0 ? "(212) 555-0" + num(100, 199) : "") + ",2023-1" + num(0, 2) + "-2" +
               num(0, 8) + "," + num(1, 999) + "." + num(10, 99) + "\n";
        break;
      default:  // prose
        out += words(40) + (rng() % 5 == 0 ? " version " + num(1, 9) + "." + num(0, 20) + "." + num(0, 9) : "") +
               (rng() % 50 == 0 ? " card 4111 1111 1111 1111" : "") + ".\n";
        break;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  size_t size_mb = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 210;
  std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/domicile-bench-scan";
  mkdir(dir.c_str(), 0700);
  std::string path = dir + "/corpus-v2-" + std::to_string(size_mb) + "mb.txt";
  std::string data;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (data.size() < size_mb << 20) {
    data = Generate(size_mb << 20);
    std::ofstream(path, std::ios::binary) << data;
  }
  std::printf("corpus: %s, %.1f MB (logs, JSON Lines, CSV, prose)\n", path.c_str(), data.size() / 1e6);

  auto scanner = Scanner::Create();  // every entity
  if (!scanner.ok()) {
    std::fprintf(stderr, "%s\n", scanner.status().ToString().c_str());
    return 1;
  }
  // 1. The scanner alone on in-memory 8 MiB buffers, one thread.
  auto t0 = Clock::now();
  double c0 = CpuSeconds(RUSAGE_SELF);
  size_t findings = 0;
  constexpr size_t kChunk = 8u << 20;
  for (size_t pos = 0; pos < data.size(); pos += kChunk) {
    findings += (*scanner)->Scan(std::string_view(data).substr(pos, kChunk)).size();
  }
  auto t1 = Clock::now();
  double mb = data.size() / 1e6;
  double mem_rate = mb / (CpuSeconds(RUSAGE_SELF) - c0);
  std::printf("domicile Scanner::Scan, 1 thread, all entities: %8.1f MB/s per core (%.1f MB/s wall; %zu findings, %.0f per MB)\n",
              mem_rate, mb / Seconds(t0, t1), findings, findings / mb);

  // 1b. Where the time goes: the candidate stage alone (the same Vectorscan
  // database, compiled here from the same patterns, callbacks only counting).
  {
    std::vector<std::string> patterns = domicile::scan::internal::CandidatePatterns();
    std::vector<const char*> ptrs;
    std::vector<unsigned int> flags(patterns.size(), 0), ids;
    for (size_t i = 0; i < patterns.size(); ++i) {
      ptrs.push_back(patterns[i].c_str());
      ids.push_back(static_cast<unsigned int>(i));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    hs_scratch_t* scratch = nullptr;
    if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned int>(ptrs.size()),
                         HS_MODE_BLOCK, nullptr, &db, &error) == HS_SUCCESS &&
        hs_alloc_scratch(db, &scratch) == HS_SUCCESS) {
      size_t candidates = 0;
      auto count = [](unsigned int, unsigned long long, unsigned long long, unsigned int, void* ctx) {
        ++*static_cast<size_t*>(ctx);
        return 0;
      };
      double c = CpuSeconds(RUSAGE_SELF);
      for (size_t pos = 0; pos < data.size(); pos += kChunk) {
        size_t len = std::min(kChunk, data.size() - pos);
        hs_scan(db, data.data() + pos, static_cast<unsigned int>(len), 0, scratch, count, &candidates);
      }
      double rate = mb / (CpuSeconds(RUSAGE_SELF) - c);
      std::printf("  of which the Vectorscan candidate stage alone:   %8.1f MB/s per core (%zu candidate ends, %.0f per MB)\n",
                  rate, candidates, candidates / mb);
    } else {
      hs_free_compile_error(error);
    }
    hs_free_scratch(scratch);
    hs_free_database(db);
  }

  // 2. The whole pipeline as `domicile scan` runs it (file reads, windows, masking), one worker.
  domicile::scan::SourceOptions options;
  options.threads = 1;
  size_t file_findings = 0;
  t0 = Clock::now();
  c0 = CpuSeconds(RUSAGE_SELF);
  auto stats = domicile::scan::ScanPaths(
      **scanner, {path}, options,
      [&](const std::string&, const std::vector<domicile::scan::LocatedFinding>& f) { file_findings += f.size(); },
      [](const std::string&, const domicile::Status&) {});
  t1 = Clock::now();
  if (!stats.ok()) return 1;
  double file_rate = mb / (CpuSeconds(RUSAGE_SELF) - c0);
  std::printf("domicile ScanPaths (file), 1 worker:            %8.1f MB/s per core (%.1f MB/s wall; %zu findings)\n",
              file_rate, mb / Seconds(t0, t1), file_findings);

  // 3. Baseline: ripgrep, one thread, the same candidate regexes, same file.
  if (std::system("command -v rg >/dev/null 2>&1") != 0) {
    std::printf("ripgrep: not installed (bench/scan_bench.sh installs it)\n");
    return 0;
  }
  // `-c` counts matching lines, so ripgrep may leave a line at its first match;
  // `--count-matches` makes it find every (non-overlapping) match, as the
  // scanner must. The first is the baseline; the second is printed beside it.
  std::string patterns;
  for (const std::string& p : domicile::scan::internal::CandidatePatterns()) {
    std::string quoted = "'";
    for (char c : p) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    patterns += " -e " + quoted + "'";
  }
  auto ripgrep = [&](const char* mode, const char* label) {
    std::string cmd = std::string("rg -j1 --no-config ") + mode + patterns + " '" + path + "' >/dev/null";
    auto w0 = Clock::now();
    double u0 = CpuSeconds(RUSAGE_CHILDREN);
    int rc = std::system(cmd.c_str());
    auto w1 = Clock::now();
    double rate = mb / (CpuSeconds(RUSAGE_CHILDREN) - u0);
    std::printf("%s (rc %d): %8.1f MB/s per core (%.1f MB/s wall)\n", label, rc, rate, mb / Seconds(w0, w1));
    return rate;
  };
  double rg_rate = ripgrep("-c", "ripgrep -j1 -c, same candidate regexes      ");
  ripgrep("--count-matches", "  ripgrep -j1 --count-matches (every match)");
  std::printf("speed-up over ripgrep -c: %.2fx (scanner alone), %.2fx (file pipeline)\n", mem_rate / rg_rate,
              file_rate / rg_rate);
  return 0;
}
