// Appends/s of 200-byte entries through the tlog Appender with durable group
// commit on the real file system, printed next to the plain SHA-256 throughput of
// hashing the same leaves (RFC 9162 leaf hash) measured in the same run.
//
//   bench_tlog_append [seconds=20] [threads=16] [dir=$TMPDIR or /var/tmp]
// env: TLOG_PIPELINE (entries in flight per thread), TLOG_IO_THREADS,
// TLOG_MAX_PENDING (AppenderOptions::max_pending_bytes), TLOG_SETTLE_SECONDS.
// Prints the commit interval (mean, max, and how many were over 10 ms), the rate
// of every 5-second window (a long run shows whether the rate holds), and the
// process's CPU time, since the machine may be shared.
//
// Each run writes a fresh log directory under `dir` and deletes it at the end. A
// run first waits until TLOG_SETTLE_SECONDS (default 360) have passed since the
// previous run's deletion (time kept in `dir`/bench_tlog_append.deleted): ext4
// without a journal (as here) does not reuse an inode freed less than 60 s ago, or
// 360 s if its inode-table block is dirty, and scans past every such inode of a
// group for each file it creates, so a run started right after another one's
// deletion pays for it (49 % of its CPU, against 0.15 % six minutes later; that made
// back-to-back runs ever slower). The log's own steady-state deletions
// (superseded partials) happen during the run and are measured.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <system_error>
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
// Entries a thread submits before waiting for durability (env TLOG_PIPELINE).
// By Little's law the entries in flight bound the rate: rate <= in flight / latency.
int Pipeline() {
  const char* v = std::getenv("TLOG_PIPELINE");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 2048;
}

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::string Entry(uint64_t i) {
  std::string e(kEntrySize, 'a');
  std::snprintf(e.data(), 32, "{\"decision\":%llu", static_cast<unsigned long long>(i));
  return e;
}

// CPU time (user + system) of the whole process so far, in seconds.
double ProcessCpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

struct HashFigures {
  double wall_rate = 0;     // leaf hashes per second of wall-clock time
  double per_cpu_s = 0;     // leaf hashes per CPU-second (user + sys)
};

// Leaf hashes (SHA-256 of 0x00 || entry) of 200-byte entries on `threads` threads,
// for `seconds`.
HashFigures HashRate(int threads, double seconds) {
  std::atomic<uint64_t> total{0};
  std::vector<std::thread> ts;
  const double cpu_start = ProcessCpuSeconds();
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
  return HashFigures{double(total) / Seconds(start, Clock::now()), double(total) / (ProcessCpuSeconds() - cpu_start)};
}

struct Figures {
  bool ok = false;
  double rate = 0, mean_interval_ms = 0, max_interval_ms = 0, max_commit_ms = 0, files_per_s = 0;
  double mean_sync_ms = 0, max_sync_ms = 0, mean_rename_ms = 0, max_rename_ms = 0;
  double cpu_seconds = 0, elapsed = 0;
  uint64_t entries = 0, commits = 0, intervals_over_10ms = 0;
  std::vector<double> window_rates;  // entries/s of each kWindow of the run
};

constexpr double kWindow = 5;  // seconds

// Where the time of the last run's deletion is kept, and how long after it a run
// starts (see the file comment).
std::string StampPath(const std::string& base) { return base + "/bench_tlog_append.deleted"; }
int SettleSeconds() {
  const char* env = std::getenv("TLOG_SETTLE_SECONDS");
  return env != nullptr ? std::max(0, std::atoi(env)) : 360;
}

void WaitForPreviousDeletion(const std::string& base) {
  auto stamp = FileSystem::Default()->ReadFile(StampPath(base));
  if (!stamp.ok()) return;
  const long long wait = std::atoll(stamp->c_str()) + SettleSeconds() - static_cast<long long>(::time(nullptr));
  if (wait <= 0) return;
  std::printf("waiting %lld s for the previous run's deletion to settle (TLOG_SETTLE_SECONDS)\n", wait);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(wait));
}

// Deletes `dir`, makes the deletion durable, and records when (see the file comment).
void Remove(const std::string& dir, const std::string& base) {
  const auto start = Clock::now();
  // Files first, on many threads: with the `discard` mount option each unlink waits
  // for the device to discard the file's blocks.
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path().string());
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> removers;
  for (int t = 0; t < 16; ++t) {
    removers.emplace_back([&] {
      for (size_t i; (i = next++) < files.size();) ::unlink(files[i].c_str());
    });
  }
  for (auto& t : removers) t.join();
  const auto removed = files.size() + std::filesystem::remove_all(dir, ec);
  if (ec) std::fprintf(stderr, "cannot remove %s: %s\n", dir.c_str(), ec.message().c_str());
  (void)FileSystem::Default()->SyncFileSystem(base);
  (void)WriteFileSynced(*FileSystem::Default(), StampPath(base), std::to_string(::time(nullptr)));
  std::printf("  removed %s (%llu files and directories) in %.1f s; the next run starts %d s later "
              "(TLOG_SETTLE_SECONDS)\n",
              dir.c_str(), static_cast<unsigned long long>(removed), Seconds(start, Clock::now()), SettleSeconds());
}

// Appends from `threads` threads (each submits Pipeline() entries, then waits for
// the last to be durable) for `seconds`.
Figures RunAppender(FileSystem& fs, const std::string& dir, double seconds, int threads) {
  Figures f;
  auto kp = tlog::GenerateNoteKey("bench.example/log");
  if (!kp.ok() || !tlog::CreateLog(fs, dir, "bench.example/log", kp->private_key).ok()) {
    std::fprintf(stderr, "cannot create log in %s\n", dir.c_str());
    return f;
  }
  tlog::AppenderOptions options;
  if (const char* io = std::getenv("TLOG_IO_THREADS")) options.io_threads = std::atoi(io);
  if (const char* mp = std::getenv("TLOG_MAX_PENDING")) options.max_pending_bytes = std::strtoull(mp, nullptr, 10);
  auto appender = tlog::Appender::Open(fs, dir, kp->private_key, options);
  if (!appender.ok()) {
    std::fprintf(stderr, "open: %s\n", appender.status().ToString().c_str());
    return f;
  }
  tlog::Appender& a = **appender;
  std::atomic<bool> failed{false};
  std::vector<std::thread> ts;
  const int pipeline = Pipeline();
  const double cpu_start = ProcessCpuSeconds();
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::string e = Entry(t);
      uint64_t n = 0;
      while (!failed && Seconds(start, Clock::now()) < seconds) {
        uint64_t last = 0;
        for (int k = 0; k < pipeline; ++k, ++n) {
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
  // The rate of each window, sampled from the durable size (the first window
  // includes start-up: the first commit, the first directories).
  uint64_t window_start_size = 0;
  for (int w = 1; !failed && w * kWindow <= seconds + 1e-9; ++w) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(w * kWindow)));
    const uint64_t size = a.durable_size();
    f.window_rates.push_back(double(size - window_start_size) / kWindow);
    window_start_size = size;
  }
  for (auto& t : ts) t.join();
  f.elapsed = Seconds(start, Clock::now());
  f.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  f.entries = a.durable_size();
  tlog::Appender::Stats st = a.stats();
  Status closed = a.Close();
  f.ok = !failed && closed.ok();
  if (!f.ok) std::fprintf(stderr, "append failed: %s\n", closed.ToString().c_str());
  f.rate = double(f.entries) / f.elapsed;
  f.commits = st.commits;
  f.mean_interval_ms = st.total_interval_micros / 1000.0 / double(std::max<uint64_t>(st.commits, 2) - 1);
  f.max_interval_ms = st.max_interval_micros / 1000.0;
  f.max_commit_ms = st.max_commit_micros / 1000.0;
  f.files_per_s = double(st.files_written) / f.elapsed;
  const double commits = double(std::max<uint64_t>(st.commits, 1));
  f.mean_sync_ms = st.total_sync_micros / 1000.0 / commits;
  f.max_sync_ms = st.max_sync_micros / 1000.0;
  f.mean_rename_ms = st.total_rename_micros / 1000.0 / commits;
  f.max_rename_ms = st.max_rename_micros / 1000.0;
  const auto& bounds = tlog::Appender::Stats::kIntervalBucketMicros;
  const size_t over = std::upper_bound(std::begin(bounds), std::end(bounds), 10000) - std::begin(bounds);
  for (size_t i = over; i < st.intervals_by_length.size(); ++i) f.intervals_over_10ms += st.intervals_by_length[i];
  return f;
}

void Print(const Figures& f, double hash_wall, double hash_per_core) {
  const double per_cpu_s = double(f.entries) / f.cpu_seconds;
  std::printf("  durable appends:                %10.0f entries/s = %.3f x the hashing limit (wall clock)\n", f.rate,
              f.rate / hash_wall);
  std::printf("  commits: %llu, interval mean %.2f ms, max %.2f ms, %llu intervals over 10 ms; commit latency max "
              "%.2f ms; %.0f files/s\n",
              static_cast<unsigned long long>(f.commits), f.mean_interval_ms, f.max_interval_ms,
              static_cast<unsigned long long>(f.intervals_over_10ms), f.max_commit_ms, f.files_per_s);
  std::printf("  barriers per commit: file-system sync mean %.2f ms, max %.2f ms; checkpoint rename + directory "
              "fsync mean %.2f ms, max %.2f ms\n",
              f.mean_sync_ms, f.max_sync_ms, f.mean_rename_ms, f.max_rename_ms);
  std::printf("  entries/s per %.0f s window:", kWindow);
  for (double r : f.window_rates) std::printf(" %.0f", r);
  std::printf("\n");
  std::printf("  CPU: %.2f cores busy on average (process user+sys), %.2f us per entry, %10.0f entries per "
              "CPU-second = %.3f x hashing per core\n",
              f.cpu_seconds / f.elapsed, 1e6 * f.cpu_seconds / double(f.entries), per_cpu_s, per_cpu_s / hash_per_core);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 20;
  int threads = argc > 2 ? std::atoi(argv[2]) : 16;
  const char* tmp = std::getenv("TMPDIR");
  std::string base = argc > 3 ? argv[3] : (tmp ? tmp : "/var/tmp");
  std::string dir = base + "/bench_tlog_append." + std::to_string(::getpid());

  WaitForPreviousDeletion(base);
  HashFigures hash1 = HashRate(1, 1.0);
  HashFigures hash_all = HashRate(int(std::thread::hardware_concurrency()), 1.0);

  std::printf("bench_tlog_append: %zu-byte entries, %d submitting threads with %d entries in flight each, %.1f s "
              "per run\n",
              kEntrySize, threads, Pipeline(), seconds);
  std::printf("  baseline SHA-256 leaf hashing:  %10.0f entries/s on 1 thread, %10.0f on %u threads; %10.0f per "
              "CPU-second\n",
              hash1.wall_rate, hash_all.wall_rate, std::thread::hardware_concurrency(), hash_all.per_cpu_s);
  Figures durable = RunAppender(*FileSystem::Default(), dir, seconds, threads);
  if (durable.ok) {
    Print(durable, hash_all.wall_rate, hash_all.per_cpu_s);
    std::printf("  target >= 1,000,000 durable entries/s with a commit at least every 10 ms: %s (rate %s, max "
                "interval %s)\n",
                durable.rate >= 1e6 && durable.max_interval_ms <= 10 ? "met" : "NOT met",
                durable.rate >= 1e6 ? "met" : "missed", durable.max_interval_ms <= 10 ? "met" : "missed");
  }
  std::fflush(stdout);
  Remove(dir, base);
  return durable.ok ? 0 : 1;
}
