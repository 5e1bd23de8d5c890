#include "tlog/appender.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "fakes/mem_file_system.h"
#include "fakes/temp_dir.h"
#include "tlog/log_reader.h"

namespace domicile::tlog {
namespace {

using testing::MemFileSystem;

class AppenderTest : public ::testing::Test {
 protected:
  AppenderOptions Options() const { return {.io_threads = 2}; }
  void SetUp() override {
    auto kp = GenerateNoteKey("example.com/audit");
    skey_ = kp->private_key;
    verifier_ = std::move(NewVerifier(kp->verifier_key)).value();
    ASSERT_TRUE(CreateLog(fs_, "log", "example.com/audit", skey_).ok());
  }
  std::unique_ptr<Appender> Open() {
    auto a = Appender::Open(fs_, "log", skey_, Options());
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(a).value() : nullptr;
  }
  Result<AuditReport> Audit() {
    const NoteVerifier* known[] = {verifier_.get()};
    return AuditLog(fs_, "log", known);
  }
  // Appends entries "<prefix>i" for i in [0, n) as one group commit.
  void AppendBatch(Appender& a, const std::string& prefix, int n) {
    uint64_t last = 0;
    for (int i = 0; i < n; ++i) last = *a.Submit(prefix + std::to_string(i));
    ASSERT_TRUE(a.WaitDurable(last).ok());
  }
  // See the tests that call it (defined with them).
  void CrashWithCommitsInFlight(bool pipelined);

  MemFileSystem fs_;
  std::string skey_;
  std::unique_ptr<NoteVerifier> verifier_;
};

TEST_F(AppenderTest, AppendsInOrderAndTheLogAudits) {
  auto a = Open();
  for (uint64_t i = 0; i < 300; ++i) {
    auto idx = a->Append("entry " + std::to_string(i));
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    EXPECT_EQ(*idx, i);
  }
  EXPECT_EQ(a->durable_size(), 300u);
  auto report = Audit();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoint.size, 300u);
  EXPECT_EQ(report->bundles, 2u);
  // The first tile is full: its partial versions were removed (in the background;
  // Close() waits for that), the full one is there.
  ASSERT_TRUE(a->Close().ok());
  EXPECT_TRUE(*fs_.Exists("log/tile/0/000"));
  EXPECT_FALSE(*fs_.Exists("log/tile/0/000.p/255"));
  EXPECT_EQ(fs_.ListDir("log/tile/0/000.p").status().code(), StatusCode::kNotFound);  // removed, empty
  EXPECT_EQ(fs_.ListDir("log/tile/entries/000.p").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(*fs_.Exists("log/tile/0/001.p/44"));
  EXPECT_TRUE(*fs_.Exists("log/tile/1/000.p/1"));
  auto proof = ProveInclusion(fs_, "log", 299);
  ASSERT_TRUE(proof.ok());
  const NoteVerifier* known[] = {verifier_.get()};
  EXPECT_TRUE(VerifyTlogProof(*proof, HashBytes(HashLeaf("entry 299")), known).ok());
}

TEST_F(AppenderTest, RefusesOversizedEntriesAndChangesNothing) {
  auto a = Open();
  ASSERT_TRUE(a->Append(std::string(65535, 'x')).ok());
  auto r = a->Append(std::string(65536, 'x'));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("65535"), std::string::npos);
  EXPECT_EQ(a->durable_size(), 1u);
  EXPECT_EQ(*a->Append("next"), 1u);
}

TEST_F(AppenderTest, ManyThreadsGetDistinctIndicesAndAllAreDurable) {
  auto a = Open();
  constexpr int kThreads = 8, kPer = 400;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        auto idx = a->Append("t" + std::to_string(t) + "-" + std::to_string(i));
        ASSERT_TRUE(idx.ok()) << idx.status().ToString();
        EXPECT_GT(a->durable_size(), *idx);
        got[t].push_back(*idx);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (auto& v : got) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), size_t(kThreads * kPer));
  EXPECT_EQ(*all.rbegin(), uint64_t(kThreads * kPer - 1));
  ASSERT_TRUE(a->Close().ok());
  auto report = Audit();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoint.size, uint64_t(kThreads * kPer));
}

// Forwards every call to another file system; tests override what they watch.
class ForwardingFileSystem : public FileSystem {
 public:
  explicit ForwardingFileSystem(FileSystem& base) : base_(base) {}
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return base_.NewWritableFile(path);
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return base_.NewAppendableFile(path);
  }
  Result<std::string> ReadFile(const std::string& path) override { return base_.ReadFile(path); }
  Result<bool> Exists(const std::string& path) override { return base_.Exists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_.FileSize(path); }
  Status Rename(const std::string& from, const std::string& to) override { return base_.Rename(from, to); }
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  Status CreateDirs(const std::string& path) override { return base_.CreateDirs(path); }
  Status RemoveDir(const std::string& path) override { return base_.RemoveDir(path); }
  Status SyncDir(const std::string& path) override { return base_.SyncDir(path); }
  Status SyncFileSystem(const std::string& path) override { return base_.SyncFileSystem(path); }
  Result<std::vector<std::string>> ListDir(const std::string& path) override { return base_.ListDir(path); }
  Result<std::string> BootId() override { return base_.BootId(); }
  Status DropCache(const std::string& path) override { return base_.DropCache(path); }

 protected:
  FileSystem& base_;
};

// Records the size of every checkpoint the appender publishes (renames over
// "checkpoint"), and slows file creation down so that submitted entries pile up
// into large batches.
class PublishRecorder final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    return base_.NewWritableFile(path);
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (to.ends_with("/checkpoint")) {
      std::string note = base_.ReadFile(from).value_or("");
      size_t a = note.find('\n'), b = note.find('\n', a + 1);
      std::lock_guard<std::mutex> l(mu_);
      sizes_.push_back(std::stoull(note.substr(a + 1, b - a - 1)));
    }
    return base_.Rename(from, to);
  }

  std::vector<uint64_t> sizes() const {
    std::lock_guard<std::mutex> l(mu_);
    return sizes_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<uint64_t> sizes_;  // guarded by mu_
};

// A commit that reaches a bundle boundary ends at its last one and carries the
// rest over to the next commit (no partial bundle that the next commit would
// supersede at once); entries that reach no boundary are still committed.
TEST_F(AppenderTest, UnderLoadCommitsEndAtBundleBoundaries) {
  PublishRecorder fs(fs_);
  constexpr int kThreads = 4, kPer = 700;
  {
    auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        uint64_t last = 0;
        for (int i = 0; i < kPer; ++i) last = *a->Submit("t" + std::to_string(t) + "-" + std::to_string(i));
        EXPECT_TRUE(a->WaitDurable(last).ok());
      });
    }
    for (auto& t : threads) t.join();
    // A tail carried over with nothing after it is committed on its own.
    AppendBatch(*a, "tail", 300);
    ASSERT_TRUE(a->Close().ok());
  }
  const std::vector<uint64_t> sizes = fs.sizes();
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes.back(), uint64_t(kThreads * kPer + 300));
  uint64_t prev = 0;
  int crossings = 0;
  for (uint64_t size : sizes) {
    ASSERT_GT(size, prev);
    if (size / kTileWidth > prev / kTileWidth && size % kTileWidth != 0) {
      ADD_FAILURE() << "commit " << prev << " -> " << size << " crosses a bundle boundary but does not end at one";
    }
    if (size / kTileWidth > prev / kTileWidth && size - prev > 1) ++crossings;
    prev = size;
  }
  EXPECT_GT(crossings, 0) << "no batch crossed a bundle boundary: the test did not exercise the carry-over";
  auto report = Audit();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoint.size, uint64_t(kThreads * kPer + 300));
}

// Between Hold() and Release(), file-system barriers wait: entries submitted
// meanwhile pile up behind the commit being published.
class GatedSync final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Status SyncFileSystem(const std::string& path) override {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !held_; });
    return base_.SyncFileSystem(path);
  }
  void Hold() {
    std::lock_guard<std::mutex> l(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    held_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;  // guarded by mu_
};

// Records, in order, the calls a subclass chooses to watch.
class RecordingFileSystem : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  std::vector<std::string> records() {
    std::lock_guard<std::mutex> l(mu_);
    return records_;
  }

 protected:
  void Record(std::string what) {
    std::lock_guard<std::mutex> l(mu_);
    records_.push_back(std::move(what));
  }

 private:
  std::mutex mu_;
  std::vector<std::string> records_;  // guarded by mu_
};

// Records the appender's barriers and checkpoint renames.
class BarrierRecorder final : public RecordingFileSystem {
 public:
  using RecordingFileSystem::RecordingFileSystem;
  Status Rename(const std::string& from, const std::string& to) override {
    Record("rename " + from + " " + to);
    return base_.Rename(from, to);
  }
  Status SyncDir(const std::string& path) override {
    Record("syncdir");
    return base_.SyncDir(path);
  }
  Status SyncFileSystem(const std::string& path) override {
    Record("syncfs");
    return base_.SyncFileSystem(path);
  }
};

// Each commit syncs its files, then renames its checkpoint into place, then fsyncs
// the directory, and is acknowledged only after that (the barriers' order is the
// durability protocol, docs/audit-log.md).
TEST_F(AppenderTest, EachCommitSyncsThenRenamesThenFsyncsTheDirectory) {
  BarrierRecorder fs(fs_);
  auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
  ASSERT_TRUE(a->Append("a").ok());
  EXPECT_EQ(fs.records(),
            (std::vector<std::string>{"syncfs", "syncfs", "rename log/checkpoint.tmp0 log/checkpoint", "syncdir"}));
  ASSERT_TRUE(a->Append("b").ok());
  EXPECT_EQ(fs.records().size(), 7u);
  EXPECT_EQ(fs.records().back(), "syncdir");
}

// Records the paths the appender drops from the page cache.
class DropRecorder final : public RecordingFileSystem {
 public:
  using RecordingFileSystem::RecordingFileSystem;
  Status DropCache(const std::string& path) override {
    Record(path);
    return base_.DropCache(path);
  }
};

// Published full bundles leave the page cache (the log does not read them again);
// partial bundles and tiles stay.
TEST_F(AppenderTest, DropsPublishedFullBundlesFromTheCache) {
  DropRecorder fs(fs_);
  auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
  AppendBatch(*a, "x", 300);     // bundle 0 full, bundle 1 partial
  AppendBatch(*a, "y", 500);     // bundles 1 and 2 full, bundle 3 partial
  ASSERT_TRUE(a->Close().ok());  // waits for the janitor
  std::vector<std::string> dropped = fs.records();
  std::sort(dropped.begin(), dropped.end());
  EXPECT_EQ(dropped,
            (std::vector<std::string>{"log/tile/entries/000", "log/tile/entries/001", "log/tile/entries/002"}));
  auto report = Audit();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoint.size, 800u);
}

// A backlog is committed in bounded batches (max_batch_bytes), not as one commit
// that would take ever longer to write and sync; an entry larger than the bound is
// committed on its own.
TEST_F(AppenderTest, BacklogIsCommittedInBatchesOfBoundedSize) {
  GatedSync gate(fs_);
  PublishRecorder fs(gate);
  constexpr size_t kEntry = 30, kPerBatch = 100, kCount = 3000;
  AppenderOptions options = Options();
  options.max_batch_bytes = kPerBatch * (2 + kEntry);
  auto a = std::move(Appender::Open(fs, "log", skey_, options)).value();
  gate.Hold();
  uint64_t last = 0;
  for (size_t i = 0; i < kCount; ++i) {
    std::string e = std::to_string(i);
    last = *a->Submit(e + std::string(kEntry - e.size(), '.'));
  }
  last = *a->Submit(std::string(5 * options.max_batch_bytes, 'x'));
  gate.Release();
  ASSERT_TRUE(a->WaitDurable(last).ok());
  ASSERT_TRUE(a->Close().ok());
  const std::vector<uint64_t> sizes = fs.sizes();
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(sizes.back(), kCount + 1);
  uint64_t prev = 0;
  for (uint64_t size : sizes) {
    // A commit is one batch plus the entries carried over from the previous one
    // (fewer than a bundle, see UnderLoadCommitsEndAtBundleBoundaries).
    EXPECT_LE(size - prev, kPerBatch + kTileWidth - 1) << "commit " << prev << " -> " << size;
    prev = size;
  }
  EXPECT_GE(sizes.size(), kCount / kPerBatch);
  auto report = Audit();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoint.size, kCount + 1);
}

// Stats say what made a long interval long: a publisher waiting for the writer (here:
// for entries), or a barrier.
TEST_F(AppenderTest, StatsTellWhetherTheWriterOrABarrierMadeAnIntervalLong) {
  GatedSync gate(fs_);
  auto a = std::move(Appender::Open(gate, "log", skey_, Options())).value();
  const auto longer_than_slow = std::chrono::microseconds(2 * Appender::Stats::kSlowIntervalMicros);
  ASSERT_TRUE(a->Append("a").ok());
  std::this_thread::sleep_for(longer_than_slow);  // the publisher waits for the next commit
  ASSERT_TRUE(a->Append("b").ok());
  Appender::Stats st = a->stats();
  EXPECT_EQ(st.slow_intervals_writer_bound, 1u);
  EXPECT_EQ(st.slow_intervals_barrier_bound, 0u);
  EXPECT_GE(st.total_publisher_wait_micros, 2 * Appender::Stats::kSlowIntervalMicros);

  gate.Hold();
  const uint64_t c = *a->Submit("c");
  std::this_thread::sleep_for(longer_than_slow);  // the barrier does not return meanwhile
  gate.Release();
  ASSERT_TRUE(a->WaitDurable(c).ok());
  st = a->stats();
  EXPECT_EQ(st.slow_intervals_writer_bound, 1u);
  EXPECT_EQ(st.slow_intervals_barrier_bound, 1u);
  EXPECT_GT(st.max_sync_micros, Appender::Stats::kSlowIntervalMicros);
  ASSERT_TRUE(a->Close().ok());
}

// Fails every directory fsync: a renamed checkpoint is then not durable.
class FailingSyncDir final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Status SyncDir(const std::string&) override { return UnavailableError("injected: directory fsync"); }
};

// A power failure after a checkpoint's rename, before the barrier that makes the
// rename durable, undoes the rename although a reader may have fetched the new
// checkpoint. Its files were durable before the rename, so Open publishes it again
// and the log does not fork; a temp checkpoint whose files do not extend the tree
// exactly is ignored.
TEST_F(AppenderTest, OpenRollsForwardACheckpointWhoseRenameWasLost) {
  for (bool damage : {false, true}) {
    SCOPED_TRACE(damage ? "bundle damaged" : "files intact");
    MemFileSystem mem;
    ASSERT_TRUE(CreateLog(mem, "log", "example.com/audit", skey_).ok());
    {
      auto a = std::move(Appender::Open(mem, "log", skey_, Options())).value();
      AppendBatch(*a, "base", 250);
    }
    mem.SimulateCrash();
    std::string seen;  // what a reader fetched before the power failure
    {
      FailingSyncDir fs(mem);
      auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
      EXPECT_FALSE(a->Append("renamed").ok());  // renamed, then the directory fsync failed
      seen = mem.ReadFile("log/checkpoint").value_or("");
      ASSERT_NE(seen.find("\n251\n"), std::string::npos) << seen;
    }
    mem.SimulateCrash();
    ASSERT_NE(mem.ReadFile("log/checkpoint")->find("\n250\n"), std::string::npos);  // the rename is lost
    if (damage) {
      auto f = mem.NewWritableFile("log/" + EntriesPath(0, 251));
      ASSERT_TRUE(f.ok() && (*f)->Append("garbage").ok() && (*f)->Close().ok());
    }
    auto a = std::move(Appender::Open(mem, "log", skey_, Options())).value();
    EXPECT_EQ(a->durable_size(), damage ? 250u : 251u);
    if (!damage) {
      EXPECT_EQ(mem.ReadFile("log/checkpoint").value_or(""), seen);
    }
    EXPECT_EQ(*a->Append("after"), damage ? 250u : 251u);
    ASSERT_TRUE(a->Close().ok());
    mem.SimulateCrash();
    const NoteVerifier* known[] = {verifier_.get()};
    auto report = AuditLog(mem, "log", known);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->checkpoint.size, damage ? 251u : 252u);
  }
}

// Fails every file-system sync after Open's: a commit's files and temp checkpoint
// are written, never published.
class FailingSync final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Status SyncFileSystem(const std::string& path) override {
    if (allowed_-- > 0) return base_.SyncFileSystem(path);
    return UnavailableError("injected: syncfs");
  }

 private:
  std::atomic<int> allowed_{1};
};

// A process crash (same boot) cannot undo a rename, so Open does not roll forward:
// a commit that was written but never published stays unpublished, and appending
// continues from the last published checkpoint, even though Open's barrier would
// make that commit's intact files durable.
TEST_F(AppenderTest, WithinOneBootAnUnpublishedCommitStaysUnpublished) {
  AppendBatch(*Open(), "base", 250);
  {
    FailingSync fs(fs_);
    auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
    EXPECT_FALSE(a->Append("unpublished").ok());
  }
  ASSERT_TRUE(fs_.ReadFile("log/checkpoint.tmp0").ok());  // the commit's temp checkpoint is there
  auto a = Open();
  EXPECT_EQ(a->durable_size(), 250u);
  EXPECT_EQ(*a->Append("after"), 250u);
  ASSERT_TRUE(a->Close().ok());
  auto report = Audit();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checkpoint.size, 251u);
}

TEST_F(AppenderTest, ReopenContinuesWhereTheCheckpointIs) {
  {
    auto a = Open();
    AppendBatch(*a, "a", 260);
  }
  auto a = Open();
  EXPECT_EQ(a->durable_size(), 260u);
  EXPECT_EQ(*a->Append("more"), 260u);
  a.reset();
  ASSERT_TRUE(Audit().ok());
  EXPECT_EQ(*ReadBundleFile(fs_, "log", 1, 5), [] {
    std::string b;
    for (int i = 256; i < 260; ++i) AppendBundleEntry(b, "a" + std::to_string(i));
    AppendBundleEntry(b, "more");
    return b;
  }());
}

TEST_F(AppenderTest, ASecondAppenderOnTheSameDirectoryIsRefused) {
  auto a = Open();
  ASSERT_NE(a, nullptr);
  auto second = Appender::Open(fs_, "log", skey_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("already open for appending"), std::string::npos)
      << second.status().ToString();
  // The held log is unaffected; another directory, or the same name on another
  // file system, is a different log.
  ASSERT_TRUE(a->Append("still mine").ok());
  ASSERT_TRUE(CreateLog(fs_, "other", "example.com/audit", skey_).ok());
  EXPECT_TRUE(Appender::Open(fs_, "other", skey_).ok());
  MemFileSystem fs2;
  ASSERT_TRUE(CreateLog(fs2, "log", "example.com/audit", skey_).ok());
  EXPECT_TRUE(Appender::Open(fs2, "log", skey_).ok());
  // Released when the appender goes away.
  a.reset();
  auto again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->durable_size(), 1u);
}

// On the real file system the lock is an flock(2), which also excludes other
// processes: a second open file description of the lock file cannot take it.
TEST(AppenderLockTest, TheRealFileSystemHoldsAnExclusiveFlock) {
  testing::TempDir tmp;
  FileSystem& fs = *FileSystem::Default();
  const std::string dir = tmp.path() + "/log";
  auto kp = GenerateNoteKey("example.com/audit");
  ASSERT_TRUE(CreateLog(fs, dir, "example.com/audit", kp->private_key).ok());
  auto opened = Appender::Open(fs, dir, kp->private_key);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Appender> a = std::move(opened).value();
  // A different spelling of the same directory is caught by the flock.
  auto alias = Appender::Open(fs, tmp.path() + "/./log", kp->private_key);
  ASSERT_FALSE(alias.ok());
  EXPECT_EQ(alias.status().code(), StatusCode::kFailedPrecondition) << alias.status().ToString();

  int fd = ::open((dir + "/.appender.lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_NE(::flock(fd, LOCK_EX | LOCK_NB), 0);
  EXPECT_EQ(errno, EWOULDBLOCK);
  a.reset();
  EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);  // released with the appender
  ::close(fd);
}

TEST_F(AppenderTest, OpenRefusesADamagedLog) {
  {
    auto a = Open();
    AppendBatch(*a, "a", 10);
  }
  fs_.PutFile("log/tile/0/000.p/10", std::string(320, 'x'));
  auto a = Appender::Open(fs_, "log", skey_);
  EXPECT_EQ(a.status().code(), StatusCode::kDataLoss);
  auto other = GenerateNoteKey("example.com/audit");
  EXPECT_EQ(Appender::Open(fs_, "log", other->private_key).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(CreateLog(fs_, "log", "example.com/audit", skey_).code(), StatusCode::kAlreadyExists);
}

TEST_F(AppenderTest, AWriteErrorFailsClosed) {
  auto a = Open();
  ASSERT_TRUE(a->Append("ok").ok());
  fs_.SetFault(fs_.op_count() + 2);
  auto r = a->Append("lost");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(a->Append("after").ok());  // sticky until reopened
  EXPECT_FALSE(a->Close().ok());
  auto b = Open();
  EXPECT_EQ(b->durable_size(), 1u);
  EXPECT_EQ(*b->Append("again"), 1u);
}

// Crash test: a batch crossing a tile boundary (full tile + partials + removal of
// superseded partials) with a fault at every mutating file operation in turn, each
// as an error, a torn write, with and without the process dying at the fault.
// After the crash the log must audit, hold exactly a prefix of what was submitted
// (all of it whenever it was acknowledged), and keep appending.
TEST_F(AppenderTest, CrashAtEveryOperationLeavesAValidLog) {
  uint64_t open_ops = 0;  // operations of Open itself after a crash (its barrier, the boot id)
  auto run = [&](MemFileSystem& fs, uint64_t fault, MemFileSystem::FaultKind kind, bool die) {
    ASSERT_TRUE(CreateLog(fs, "log", "example.com/audit", skey_).ok());
    {
      auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
      AppendBatch(*a, "base", 250);
    }
    fs.SimulateCrash();  // everything so far is durable; resets the op counter
    fs.SetFault(fault, kind);
    fs.SetCrashAfterFault(die);
    bool acked = false;
    // Open's own operations are fault points too: it may fail.
    if (auto a = Appender::Open(fs, "log", skey_, Options()); a.ok()) {
      Result<uint64_t> last = OutOfRangeError("none");
      for (int i = 0; i < 20 && (i == 0 || last.ok()); ++i) last = (*a)->Submit("new" + std::to_string(i));
      acked = last.ok() && (*a)->WaitDurable(*last).ok();
    } else {
      ASSERT_LE(fault, open_ops) << a.status().ToString();
    }
    fs.SimulateCrash();
    const NoteVerifier* known[] = {verifier_.get()};
    auto report = AuditLog(fs, "log", known);
    ASSERT_TRUE(report.ok()) << "fault " << fault << ": " << report.status().ToString();
    const uint64_t size = report->checkpoint.size;
    ASSERT_TRUE(size >= 250 && size <= 270) << size;
    if (acked) {
      ASSERT_EQ(size, 270u) << "acknowledged but lost at fault " << fault;
    }
    // Reopening may roll forward to a commit whose rename the crash undid.
    auto a = Appender::Open(fs, "log", skey_, Options());
    ASSERT_TRUE(a.ok()) << "fault " << fault << ": " << a.status().ToString();
    const uint64_t reopened = (*a)->durable_size();
    ASSERT_TRUE(reopened >= size && reopened <= 270) << reopened;
    EXPECT_EQ(*(*a)->Append("after"), reopened);
    a->reset();
    auto final_report = AuditLog(fs, "log", known);
    ASSERT_TRUE(final_report.ok()) << "fault " << fault << ": " << final_report.status().ToString();
    ASSERT_EQ(final_report->checkpoint.size, reopened + 1);
    // Whatever made it is exactly a prefix of what was submitted.
    for (uint64_t b = 0; b * kTileWidth <= reopened; ++b) {
      auto bundle = ReadBundleFile(fs, "log", b, TileWidth(0, b, reopened + 1));
      ASSERT_TRUE(bundle.ok());
      auto entries = *SplitBundle(*bundle);
      for (uint64_t i = 0; i < entries.size(); ++i) {
        uint64_t index = b * kTileWidth + i;
        ASSERT_EQ(entries[i], index < 250        ? "base" + std::to_string(index)
                              : index < reopened ? "new" + std::to_string(index - 250)
                                                 : "after");
      }
    }
  };
  uint64_t ops;
  {
    // Count the operations of the batch alone.
    MemFileSystem fs;
    ASSERT_TRUE(CreateLog(fs, "log", "example.com/audit", skey_).ok());
    {
      auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
      AppendBatch(*a, "base", 250);
    }
    fs.SimulateCrash();
    auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
    open_ops = fs.op_count();
    AppendBatch(*a, "new", 20);
    a.reset();
    ops = fs.op_count();
  }
  ASSERT_GT(ops, 10u);
  RecordProperty("fault_points", int(ops));
  for (uint64_t n = 1; n <= ops; ++n) {
    for (auto kind : {MemFileSystem::FaultKind::kError, MemFileSystem::FaultKind::kTornWrite}) {
      for (bool die : {true, false}) {
        MemFileSystem fs;
        run(fs, n, kind, die);
        if (HasFatalFailure()) return;
      }
    }
  }
}

// Crash test with several commits in flight (writer and publisher overlapping):
// threads append concurrently across a tile boundary while a fault hits one
// operation. Afterwards the log audits, every acknowledged entry is in it at its
// index, and appending continues. Batching depends on timing, so the fault points
// are a sample of the possible interleavings, not all of them. With `pipelined`,
// each thread submits all its entries before it waits, so batches cross bundle
// boundaries and commits carry entries over to the next one.
TEST_F(AppenderTest, CrashWithCommitsInFlightKeepsAcknowledgedEntries) { CrashWithCommitsInFlight(false); }
TEST_F(AppenderTest, CrashWithLargeBatchesKeepsAcknowledgedEntries) { CrashWithCommitsInFlight(true); }

void AppenderTest::CrashWithCommitsInFlight(bool pipelined) {
  const int kThreads = 4, kPer = pipelined ? 150 : 8;
  auto run = [&](MemFileSystem& fs, uint64_t fault, MemFileSystem::FaultKind kind, bool die, uint64_t* ops_used) {
    ASSERT_TRUE(CreateLog(fs, "log", "example.com/audit", skey_).ok());
    {
      auto a = std::move(Appender::Open(fs, "log", skey_, Options())).value();
      AppendBatch(*a, "base", 240);
    }
    fs.SimulateCrash();
    fs.SetFault(fault, kind);
    fs.SetCrashAfterFault(die);
    std::vector<std::vector<std::pair<uint64_t, std::string>>> acked(kThreads);
    if (auto a = Appender::Open(fs, "log", skey_, Options()); a.ok()) {
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          std::vector<std::pair<uint64_t, std::string>> submitted;
          for (int i = 0; i < kPer; ++i) {
            std::string e = "t" + std::to_string(t) + "-" + std::to_string(i);
            auto idx = pipelined ? (*a)->Submit(e) : (*a)->Append(e);
            if (!idx.ok()) break;
            submitted.emplace_back(*idx, e);
            if (!pipelined) acked[t].push_back(submitted.back());
          }
          if (pipelined && !submitted.empty() && (*a)->WaitDurable(submitted.back().first).ok()) {
            acked[t] = std::move(submitted);
          }
        });
      }
      for (auto& th : threads) th.join();
    }
    if (ops_used != nullptr) *ops_used = fs.op_count();
    fs.SimulateCrash();
    const NoteVerifier* known[] = {verifier_.get()};
    auto report = AuditLog(fs, "log", known);
    ASSERT_TRUE(report.ok()) << "fault " << fault << ": " << report.status().ToString();
    const uint64_t size = report->checkpoint.size;
    for (const auto& list : acked) {
      for (const auto& [index, entry] : list) {
        ASSERT_LT(index, size) << "acknowledged but lost at fault " << fault;
        auto bundle = ReadBundleFile(fs, "log", index / kTileWidth, TileWidth(0, index / kTileWidth, size));
        ASSERT_TRUE(bundle.ok());
        ASSERT_EQ((*SplitBundle(*bundle))[index % kTileWidth], entry);
      }
    }
    // Reopening may roll forward to a commit whose rename the crash undid.
    auto a = Appender::Open(fs, "log", skey_, Options());
    ASSERT_TRUE(a.ok()) << "fault " << fault << ": " << a.status().ToString();
    const uint64_t reopened = (*a)->durable_size();
    ASSERT_GE(reopened, size);
    EXPECT_EQ(*(*a)->Append("after"), reopened);
    a->reset();
    ASSERT_TRUE(AuditLog(fs, "log", known).ok());
  };
  uint64_t ops = 0;
  for (int i = 0; i < 3; ++i) {  // the largest operation count of a few fault-free runs
    MemFileSystem fs;
    uint64_t used = 0;
    run(fs, 0, MemFileSystem::FaultKind::kError, false, &used);
    if (HasFatalFailure()) return;
    ops = std::max(ops, used);
  }
  ASSERT_GT(ops, 10u);
  RecordProperty("fault_points", int(ops));
  const uint64_t stride = std::max<uint64_t>(1, ops / 60);  // keeps the test short
  for (uint64_t n = 1; n <= ops; n += stride) {
    for (auto kind : {MemFileSystem::FaultKind::kError, MemFileSystem::FaultKind::kTornWrite}) {
      for (bool die : {true, false}) {
        MemFileSystem fs;
        run(fs, n, kind, die, nullptr);
        if (HasFatalFailure()) return;
      }
    }
  }
}

}  // namespace
}  // namespace domicile::tlog
