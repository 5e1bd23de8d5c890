// Appends/s of 200-byte entries through the tlog Appender with durable group
// commit on the real file system, printed next to the plain SHA-256 throughput of
// hashing the same leaves (RFC 9162 leaf hash) measured in the same run.
//
//   bench_tlog_append [seconds=3] [threads=16] [dir=$TMPDIR]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/file.h"
#include "tlog/appender.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

using namespace domicile;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kEntrySize = 200;
constexpr int kPipeline = 2048;  // entries a thread submits before waiting for durability

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::string Entry(uint64_t i) {
  std::string e(kEntrySize, 'a');
  std::snprintf(e.data(), 32, "{\"decision\":%llu", static_cast<unsigned long long>(i));
  return e;
}

// Leaf hashes/s over 200-byte entries on `threads` threads, for `seconds`.
double HashRate(int threads, double seconds) {
  std::atomic<uint64_t> total{0};
  std::vector<std::thread> ts;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::string e = Entry(t);
      uint64_t n = 0;
      uint8_t sink = 0;
      while (Seconds(start, Clock::now()) < seconds) {
        for (int k = 0; k < 4096; ++k, ++n) {
          e[40] = char(n);
          sink ^= tlog::HashLeaf(e)[0];
        }
      }
      total += n + (sink & 0);
    });
  }
  for (auto& t : ts) t.join();
  return double(total) / Seconds(start, Clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3;
  int threads = argc > 2 ? std::atoi(argv[2]) : 16;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = argc > 3 ? argv[3] : (tmp ? tmp : "/tmp");
  std::string dir = base + "/bench_tlog_append." + std::to_string(::getpid());

  double hash1 = HashRate(1, 1.0);
  double hash2 = HashRate(int(std::thread::hardware_concurrency()), 1.0);

  auto kp = tlog::GenerateNoteKey("bench.example/log");
  FileSystem& fs = *FileSystem::Default();
  if (!kp.ok() || !tlog::CreateLog(fs, dir, "bench.example/log", kp->private_key).ok()) {
    std::fprintf(stderr, "cannot create log in %s\n", dir.c_str());
    return 1;
  }
  tlog::AppenderOptions options;
  if (const char* io = std::getenv("TLOG_IO_THREADS")) options.io_threads = std::atoi(io);
  auto appender = tlog::Appender::Open(fs, dir, kp->private_key, options);
  if (!appender.ok()) {
    std::fprintf(stderr, "open: %s\n", appender.status().ToString().c_str());
    return 1;
  }
  tlog::Appender& a = **appender;
  std::atomic<bool> failed{false};
  std::vector<std::thread> ts;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::string e = Entry(t);
      uint64_t n = 0;
      while (!failed && Seconds(start, Clock::now()) < seconds) {
        uint64_t last = 0;
        for (int k = 0; k < kPipeline; ++k, ++n) {
          e[40] = char(n);
          auto idx = a.Submit(e);
          if (!idx.ok()) {
            failed = true;
            return;
          }
          last = *idx;
        }
        if (!a.WaitDurable(last).ok()) failed = true;
      }
    });
  }
  for (auto& t : ts) t.join();
  double elapsed = Seconds(start, Clock::now());
  uint64_t appended = a.durable_size();
  tlog::Appender::Stats st = a.stats();
  Status closed = a.Close();
  double rate = double(appended) / elapsed;

  // Blocking Append() from many threads: the gateway's call, one entry at a time.
  uint64_t before = a.durable_size();
  (void)before;
  std::printf("bench_tlog_append: %zu-byte entries, %d submitting threads, %.1f s, dir %s\n", kEntrySize, threads,
              elapsed, dir.c_str());
  std::printf("  baseline SHA-256 leaf hashing: %12.0f entries/s on 1 thread, %12.0f on %u threads\n", hash1, hash2,
              std::thread::hardware_concurrency());
  std::printf("  durable appends:               %12.0f entries/s (%llu entries, %llu commits, %.2f ms/commit avg, "
              "%.2f ms max, %.0f files/s fsync'ed)\n",
              rate, static_cast<unsigned long long>(appended), static_cast<unsigned long long>(st.commits),
              elapsed * 1000 / double(std::max<uint64_t>(st.commits, 1)), st.max_commit_micros / 1000.0,
              double(st.files_written) / elapsed);
  std::printf("  ratio to the hashing limit (%u threads): %.2f\n", std::thread::hardware_concurrency(), rate / hash2);
  std::printf("  target >= 1,000,000 entries/s with a commit at least every 10 ms: %s\n",
              rate >= 1e6 && st.max_commit_micros <= 10000 ? "met" : "NOT met");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (failed || !closed.ok()) {
    std::fprintf(stderr, "append failed: %s\n", closed.ToString().c_str());
    return 1;
  }
  return 0;
}
