// Appends/s of 200-byte entries through the tlog Appender with durable group
// commit on the real file system, printed next to the plain SHA-256 throughput of
// hashing the same leaves (RFC 9162 leaf hash) measured in the same run.
//
//   bench_tlog_append [seconds=20] [threads=16] [dir=$TMPDIR or /var/tmp]
// env: TLOG_PIPELINE (entries in flight per thread), TLOG_IO_THREADS,
// TLOG_MAX_PENDING (AppenderOptions::max_pending_bytes), TLOG_MAX_BATCH
// (AppenderOptions::max_batch_bytes, 0 = no bound), TLOG_SETTLE_SECONDS.
// Prints the commit interval (mean, max, and how many were over 10 ms), the rate
// of every 5-second window (a long run shows whether the rate holds), and the
// process's CPU time, since the machine may be shared.
//
// Device baseline, same run, same directory: the simplest durable log (see
// PlainFileLog) fed with the appender's byte rate (at least 1 M entries/s worth),
// with the same commit-interval figures, once with fdatasync and once with syncfs
// as the barrier. Intervals over 10 ms there are the disk's, not the protocol's.
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
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// Commit intervals (time between consecutive durable commits) of a run.
struct Intervals {
  uint64_t commits = 0, over_10ms = 0;
  double mean_ms = 0, p99_ms = 0, max_ms = 0;
  bool p99_is_bound = false;  // p99_ms is the upper bound of a histogram bucket
};

void PrintIntervals(const char* what, const Intervals& iv) {
  std::printf("  %s commits: %llu, interval mean %.2f ms, p99 %s%.2f ms, max %.2f ms, %llu intervals over 10 ms\n",
              what, static_cast<unsigned long long>(iv.commits), iv.mean_ms, iv.p99_is_bound ? "<= " : "", iv.p99_ms,
              iv.max_ms, static_cast<unsigned long long>(iv.over_10ms));
}

// Bytes the appender writes per entry: the bundle's 2-byte length prefix and the
// entry, and its leaf hash in a level-0 tile (higher tiles, partials and the
// checkpoint add under 2 %).
constexpr size_t kLogBytesPerEntry = 2 + kEntrySize + 32;

enum class Barrier { kFdatasync, kSyncfs };

// The simplest durable log, as a device baseline: bytes "arrive" at `bytes_per_s`
// (as if submitted), and one thread loops: write everything that arrived since its
// previous commit at the end of one pre-allocated file (zeros written and synced
// first, reused as a ring so no commit allocates blocks), then one barrier. A slow
// barrier makes the next commit larger, as in the appender. Returns its intervals.
Result<Intervals> PlainFileLog(const std::string& dir, double seconds, double bytes_per_s, Barrier barrier) {
  constexpr size_t kFileSize = 256 << 20;
  const std::string path = dir + "/plain_file_log";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return UnavailableError("open " + path + ": " + std::strerror(errno));
  auto fail = [&](const char* op) {
    Status st = UnavailableError(std::string(op) + " " + path + ": " + std::strerror(errno));
    ::close(fd);
    ::unlink(path.c_str());
    return st;
  };
  const std::string chunk(1 << 20, '\0');
  for (size_t off = 0; off < kFileSize; off += chunk.size()) {
    if (::pwrite(fd, chunk.data(), chunk.size(), off_t(off)) != ssize_t(chunk.size())) return fail("write");
  }
  if (::fsync(fd) != 0) return fail("fsync");
  const std::string data(64 << 20, 'e');  // more than any commit takes
  std::vector<double> intervals;
  size_t pos = 0;
  double taken = 0;  // bytes arrived and written so far
  const auto start = Clock::now();
  auto last = start;
  while (true) {
    const auto now = Clock::now();
    const double t = Seconds(start, now);
    if (t >= seconds) break;
    size_t n = std::min(size_t(t * bytes_per_s - taken), data.size());
    taken += double(n);
    while (n > 0) {  // ring: wrap at the end of the file
      const size_t k = std::min(n, kFileSize - pos);
      if (::pwrite(fd, data.data(), k, off_t(pos)) != ssize_t(k)) return fail("write");
      pos = (pos + k) % kFileSize;
      n -= k;
    }
    if ((barrier == Barrier::kFdatasync ? ::fdatasync(fd) : ::syncfs(fd)) != 0) return fail("sync");
    const auto done = Clock::now();
    intervals.push_back(std::chrono::duration<double, std::milli>(done - last).count());
    last = done;
  }
  ::close(fd);
  ::unlink(path.c_str());
  Intervals iv;
  iv.commits = intervals.size();
  if (intervals.size() < 2) return iv;
  intervals.erase(intervals.begin());  // from the start, not from a commit
  double total = 0;
  for (double ms : intervals) {
    total += ms;
    iv.over_10ms += ms > 10;
  }
  iv.mean_ms = total / double(intervals.size());
  std::sort(intervals.begin(), intervals.end());
  iv.p99_ms = intervals[size_t(0.99 * double(intervals.size() - 1))];
  iv.max_ms = intervals.back();
  return iv;
}

struct Figures {
  bool ok = false;
  double rate = 0, max_commit_ms = 0, files_per_s = 0;
  double mean_sync_ms = 0, max_sync_ms = 0, mean_rename_ms = 0, max_rename_ms = 0;
  double mean_prepare_ms = 0, max_prepare_ms = 0, mean_publisher_wait_ms = 0;
  uint64_t slow_writer_bound = 0, slow_barrier_bound = 0;
  double cpu_seconds = 0, elapsed = 0;
  uint64_t entries = 0;
  Intervals intervals;
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
  if (const char* mb = std::getenv("TLOG_MAX_BATCH")) options.max_batch_bytes = std::strtoull(mb, nullptr, 10);
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
  f.intervals.commits = st.commits;
  f.intervals.mean_ms = st.total_interval_micros / 1000.0 / double(std::max<uint64_t>(st.commits, 2) - 1);
  f.intervals.max_ms = st.max_interval_micros / 1000.0;
  f.max_commit_ms = st.max_commit_micros / 1000.0;
  f.files_per_s = double(st.files_written) / f.elapsed;
  const double commits = double(std::max<uint64_t>(st.commits, 1));
  f.mean_sync_ms = st.total_sync_micros / 1000.0 / commits;
  f.max_sync_ms = st.max_sync_micros / 1000.0;
  f.mean_rename_ms = st.total_rename_micros / 1000.0 / commits;
  f.max_rename_ms = st.max_rename_micros / 1000.0;
  f.mean_prepare_ms = st.total_prepare_micros / 1000.0 / commits;
  f.max_prepare_ms = st.max_prepare_micros / 1000.0;
  f.mean_publisher_wait_ms = st.total_publisher_wait_micros / 1000.0 / commits;
  f.slow_writer_bound = st.slow_intervals_writer_bound;
  f.slow_barrier_bound = st.slow_intervals_barrier_bound;
  // Over 10 ms: the threshold of the appender's writer/barrier split too.
  const auto& bounds = tlog::Appender::Stats::kIntervalBucketMicros;
  const int64_t ten_ms = tlog::Appender::Stats::kSlowIntervalMicros;
  const size_t over = std::upper_bound(std::begin(bounds), std::end(bounds), ten_ms) - std::begin(bounds);
  for (size_t i = over; i < st.intervals_by_length.size(); ++i) f.intervals.over_10ms += st.intervals_by_length[i];
  // p99: the first bucket bound below which 99 % of the intervals lie.
  uint64_t n = 0, seen = 0;
  for (uint64_t c : st.intervals_by_length) n += c;
  f.intervals.p99_is_bound = true;
  f.intervals.p99_ms = f.intervals.max_ms;
  for (size_t i = 0; i < std::size(bounds) && n > 0; ++i) {
    seen += st.intervals_by_length[i];
    if (double(seen) >= 0.99 * double(n)) {
      f.intervals.p99_ms = std::min(bounds[i] / 1000.0, f.intervals.max_ms);
      break;
    }
  }
  return f;
}

void Print(const Figures& f, double hash_wall, double hash_per_core) {
  const double per_cpu_s = double(f.entries) / f.cpu_seconds;
  std::printf("  durable appends:                %10.0f entries/s = %.3f x the hashing limit (wall clock)\n", f.rate,
              f.rate / hash_wall);
  PrintIntervals("appender:", f.intervals);
  std::printf("  commit latency max %.2f ms; %.0f files/s; the writer builds and writes a commit in %.2f ms on "
              "average, max %.2f ms\n",
              f.max_commit_ms, f.files_per_s, f.mean_prepare_ms, f.max_prepare_ms);
  std::printf("  barriers per commit: file-system sync mean %.2f ms, max %.2f ms; checkpoint rename + directory "
              "fsync mean %.2f ms, max %.2f ms\n",
              f.mean_sync_ms, f.max_sync_ms, f.mean_rename_ms, f.max_rename_ms);
  std::printf("  the publisher waits %.2f ms per commit for the writer; of the intervals over 10 ms, %llu were set by "
              "the writer (the publisher waited longer than its barriers took), %llu by the barriers\n",
              f.mean_publisher_wait_ms, static_cast<unsigned long long>(f.slow_writer_bound),
              static_cast<unsigned long long>(f.slow_barrier_bound));
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
    // Both readings of "a commit at least every 10 ms": for 99 % of the intervals, and
    // for every one (compare the device baseline's intervals over 10 ms below).
    const Intervals& iv = durable.intervals;
    std::printf("  target >= 1,000,000 durable entries/s with a commit at least every 10 ms: rate %s; 99 %% of "
                "intervals <= 10 ms %s; every interval <= 10 ms %s (%llu of %llu over, max %.2f ms)\n",
                durable.rate >= 1e6 ? "met" : "missed", iv.p99_ms <= 10 ? "met" : "missed",
                iv.max_ms <= 10 ? "met" : "missed", static_cast<unsigned long long>(iv.over_10ms),
                static_cast<unsigned long long>(iv.commits > 0 ? iv.commits - 1 : 0), iv.max_ms);
  }
  // The device baseline on the same directory, at the appender's byte rate.
  const double entries_per_s = std::max(durable.rate, 1e6);
  std::printf("device baseline: one thread writing %.0f entries/s worth of bytes (%zu B each, %.0f MB/s) to one "
              "pre-allocated file, %.1f s per barrier\n",
              entries_per_s, kLogBytesPerEntry, entries_per_s * kLogBytesPerEntry / 1e6, seconds / 2);
  std::fflush(stdout);
  for (Barrier b : {Barrier::kFdatasync, Barrier::kSyncfs}) {
    auto iv = PlainFileLog(dir, seconds / 2, entries_per_s * kLogBytesPerEntry, b);
    if (!iv.ok()) {
      std::fprintf(stderr, "device baseline: %s\n", iv.status().ToString().c_str());
      continue;
    }
    PrintIntervals(b == Barrier::kFdatasync ? "plain file + fdatasync:" : "plain file + syncfs:   ", *iv);
  }
  std::fflush(stdout);
  Remove(dir, base);
  return durable.ok ? 0 : 1;
}
