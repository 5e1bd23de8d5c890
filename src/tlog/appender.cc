#include "tlog/appender.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <set>
#include <utility>

#include "common/clock.h"

namespace domicile::tlog {

// Holds a log directory for one appender. Two layers:
//  - a process-wide registry of (file system, directory) pairs, for any FileSystem
//    (so the rule holds on the in-memory one too);
//  - on the real file system, an exclusive flock(2) on <dir>/.appender.lock, so that
//    another process (e.g. a second `domicile log append`) or an alias of the same
//    path is refused as well. The kernel drops it when the process dies, so a crash
//    never leaves the log locked.
class DirLock {
 public:
  static Result<std::unique_ptr<DirLock>> Acquire(FileSystem& fs, const std::string& dir) {
    const Key key{&fs, dir};
    {
      std::lock_guard<std::mutex> l(RegistryMutex());
      if (!Registry().insert(key).second) return Busy(dir, "in this process");
    }
    auto lock = std::unique_ptr<DirLock>(new DirLock(key));
    if (&fs != FileSystem::Default()) return lock;
    const std::string path = JoinPath(dir, kLockName);
    lock->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock->fd_ < 0) return UnavailableError("open log: cannot open " + path + ": " + std::strerror(errno));
    int rc;
    do {
      rc = ::flock(lock->fd_, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      if (errno == EWOULDBLOCK) return Busy(dir, "by another process");
      return UnavailableError("open log: cannot lock " + path + ": " + std::strerror(errno));
    }
    return lock;
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
    std::lock_guard<std::mutex> l(RegistryMutex());
    Registry().erase(key_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

  static constexpr const char* kLockName = ".appender.lock";

 private:
  using Key = std::pair<const FileSystem*, std::string>;
  explicit DirLock(Key key) : key_(std::move(key)) {}
  static Status Busy(const std::string& dir, const char* where) {
    return FailedPreconditionError("log " + dir + " is already open for appending " + where +
                                   " (one appender per log directory)");
  }
  static std::mutex& RegistryMutex() {
    static std::mutex mu;
    return mu;
  }
  static std::set<Key>& Registry() {  // guarded by RegistryMutex()
    static std::set<Key> held;
    return held;
  }

  const Key key_;
  int fd_ = -1;
};

namespace {
// Names the calling thread (at most 15 characters), for top -H, perf and gdb.
void NameThread(const char* name) { pthread_setname_np(pthread_self(), name); }
}  // namespace

// Runs a batch of independent tasks on a fixed set of threads plus the caller.
class WorkPool {
 public:
  explicit WorkPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  }
  ~WorkPool() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // Runs fn(0..n-1) concurrently; returns the first error. Not reentrant.
  Status Run(size_t n, const std::function<Status(size_t)>& fn) {
    if (n == 0) return Status::Ok();
    std::unique_lock<std::mutex> l(mu_);
    fn_ = &fn;
    n_ = n;
    next_.store(0);
    done_ = 0;
    error_ = Status::Ok();
    ++generation_;
    if (n > 1) cv_.notify_all();
    l.unlock();
    Work();
    l.lock();
    done_cv_.wait(l, [&] { return done_ == n_ && active_ == 0; });
    fn_ = nullptr;
    return error_;
  }

 private:
  void WorkerLoop() {
    NameThread("tlog-io");
    uint64_t seen = 0;
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      cv_.wait(l, [&] { return stop_ || (generation_ != seen && fn_ != nullptr); });
      if (stop_) return;
      seen = generation_;
      ++active_;
      l.unlock();
      Work();
      l.lock();
      --active_;
      if (done_ == n_ && active_ == 0) done_cv_.notify_all();
    }
  }
  // Takes tasks until none is left. fn_ and n_ are stable while any thread works.
  void Work() {
    for (size_t i; (i = next_.fetch_add(1)) < n_;) {
      Status st = (*fn_)(i);
      std::lock_guard<std::mutex> l(mu_);
      if (!st.ok() && error_.ok()) error_ = st;
      ++done_;
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<Status(size_t)>* fn_ = nullptr;  // guarded by mu_ (stable while active_ > 0)
  size_t n_ = 0;                                       // guarded by mu_ (ditto)
  std::atomic<size_t> next_{0};
  size_t done_ = 0;          // guarded by mu_
  int active_ = 0;           // guarded by mu_
  uint64_t generation_ = 0;  // guarded by mu_
  Status error_;             // guarded by mu_
  bool stop_ = false;        // guarded by mu_
  std::vector<std::thread> threads_;
};

namespace {

// Directories the writer remembers as existing (see WriteFiles).
constexpr size_t kMaxKnownDirs = 256;

// Where a commit writes the new checkpoint before renaming it over "checkpoint".
constexpr std::string_view kCheckpointTemp = "checkpoint.tmp";  // + "0", "1" or "2"
// The boot id (FileSystem::BootId) of the last Open, not published: see the roll
// forward in Open.
constexpr std::string_view kBootFile = ".appender.boot";

// Bytes of the bundle entry at `pos` of `entries` (bundle format): its 2-byte
// big-endian length prefix and the entry.
size_t BundleEntryBytes(std::string_view entries, size_t pos) {
  return 2 + ((size_t(uint8_t(entries[pos])) << 8) | uint8_t(entries[pos + 1]));
}

Result<std::unique_ptr<NoteVerifier>> VerifierFromPrivate(std::string_view private_key) {
  ASSIGN_OR_RETURN(std::string vkey, VerifierKeyFor(private_key));
  return NewVerifier(vkey);
}

Result<std::string> SignCheckpoint(const Checkpoint& cp, const NoteSigner& signer) {
  const NoteSigner* signers[] = {&signer};
  return SignNote(cp.Text(), signers);
}

// Whether the log's files extend the tree `edge` exactly to `target`: every entry
// up to target.size read from its bundle (those `edge` already covers equal to its
// leaves), every tile the extension completes and every partial tile at the
// target's size equal to what the entries give, and the target's root. If so,
// `edge` and `bundle` (the partial bundle) become the target's.
bool ExtendsTo(FileSystem& fs, const std::string& dir, const Checkpoint& target, TreeEdge& edge, std::string& bundle) {
  TreeEdge e = edge;
  auto same = [](const Result<std::string>& data, std::span<const Hash> hashes) {
    return data.ok() && data->size() == hashes.size() * kHashSize &&
           std::memcmp(data->data(), hashes.data(), data->size()) == 0;
  };
  bool tiles_match = true;
  auto on_full = [&](int level, uint64_t index, std::span<const Hash> hashes) {
    tiles_match = tiles_match && same(ReadTileFile(fs, dir, level, index, kTileWidth), hashes);
  };
  std::string partial;
  for (uint64_t b = e.size() / kTileWidth; b * kTileWidth < target.size; ++b) {
    const uint64_t width = TileWidth(0, b, target.size);
    auto data = ReadBundleFile(fs, dir, b, width);
    if (!data.ok()) return false;
    auto entries = SplitBundle(*data);
    if (!entries.ok() || entries->size() != width) return false;
    for (uint64_t i = 0; i < width; ++i) {
      const Hash leaf = HashLeaf((*entries)[i]);
      if (b * kTileWidth + i < e.size()) {
        if (leaf != e.tail(0)[i]) return false;
      } else {
        e.Append(leaf, on_full);
      }
    }
    partial = width == kTileWidth ? std::string() : std::move(*data);
  }
  if (!tiles_match || e.Root() != target.root) return false;
  for (int level = 0; level < e.num_levels(); ++level) {
    const uint64_t count = target.size >> (kTileHeight * level);
    if (count % kTileWidth != 0 &&
        !same(ReadTileFile(fs, dir, level, count / kTileWidth, count % kTileWidth), e.tail(level))) {
      return false;
    }
  }
  edge = std::move(e);
  bundle = std::move(partial);
  return true;
}
}  // namespace

Status CreateLog(FileSystem& fs, const std::string& dir, std::string_view origin, std::string_view private_key) {
  ASSIGN_OR_RETURN(auto signer, NewSigner(private_key));
  if (origin.empty() || origin.find('\n') != std::string_view::npos) {
    return InvalidArgumentError("origin must be one non-empty line");
  }
  std::string path = JoinPath(dir, "checkpoint");
  ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (exists) return AlreadyExistsError(path + " exists: the log is already initialised");
  Checkpoint cp{std::string(origin), 0, EmptyRoot(), {}};
  ASSIGN_OR_RETURN(std::string note, SignCheckpoint(cp, *signer));
  RETURN_IF_ERROR(fs.CreateDirs(dir));
  return AtomicWriteFile(fs, path, note);
}

Result<std::unique_ptr<Appender>> Appender::Open(FileSystem& fs, const std::string& dir, std::string_view private_key,
                                                 AppenderOptions options) {
  ASSIGN_OR_RETURN(auto signer, NewSigner(private_key));
  ASSIGN_OR_RETURN(auto verifier, VerifierFromPrivate(private_key));
  // Held before the log's state is read, for the appender's whole life.
  ASSIGN_OR_RETURN(auto lock, DirLock::Acquire(fs, dir));
  auto note = fs.ReadFile(JoinPath(dir, "checkpoint"));
  if (!note.ok()) return note.status().Annotate("open log");
  const NoteVerifier* known[] = {verifier.get()};
  auto cp = OpenCheckpoint(*note, known);
  if (!cp.ok()) return DataLossError("open log: checkpoint does not verify with the log key: " + cp.status().message());
  uint64_t size = cp->size;

  std::vector<std::vector<Hash>> tails;
  for (int level = 0; level < 8; ++level) {
    tails.emplace_back();
    uint64_t count = size >> (kTileHeight * level);
    uint64_t width = count % kTileWidth;
    if (width == 0) continue;
    ASSIGN_OR_RETURN(std::string data, ReadTileFile(fs, dir, level, count / kTileWidth, width));
    tails.back().resize(width);
    std::memcpy(tails.back().data(), data.data(), data.size());
  }
  ASSIGN_OR_RETURN(TreeEdge edge, TreeEdge::FromTails(size, std::move(tails)));
  if (edge.Root() != cp->root) return DataLossError("open log: the partial tiles do not match the checkpoint root");

  std::string bundle;
  if (uint64_t width = size % kTileWidth; width != 0) {
    ASSIGN_OR_RETURN(bundle, ReadBundleFile(fs, dir, size / kTileWidth, width));
    auto entries = SplitBundle(bundle);
    if (!entries.ok() || entries->size() != width) {
      return DataLossError("open log: " + EntriesPath(size / kTileWidth, width) + " is damaged");
    }
    for (uint64_t i = 0; i < width; ++i) {
      if (HashLeaf((*entries)[i]) != edge.tail(0)[i]) {
        return DataLossError("open log: " + EntriesPath(size / kTileWidth, width) + " does not match its tile");
      }
    }
  }
  // Commits rely on the file-system barrier. The first call also starts its window
  // for writeback errors (see FileSystem::SyncFileSystem) before anything is written.
  if (Status st = fs.SyncFileSystem(dir); !st.ok()) return st.Annotate("open log");

  // Roll forward after a power failure: it can undo the rename of a checkpoint that
  // readers may already have fetched (its directory fsync, or the next commit's sync,
  // had not run; see docs/audit-log.md). Its temp file and every file it covers were
  // made durable before the rename: if a temp checkpoint newer than this one
  // verifies and the files extend the tree exactly to it, it is published again
  // (the barrier above made whatever it covers durable). A process crash cannot undo
  // a rename, so within the boot that the last appender recorded nothing is rolled
  // forward: a commit prepared but never published stays unpublished, and its temp
  // file is overwritten later.
  const Result<std::string> boot = fs.BootId();
  const Result<std::string> recorded = fs.ReadFile(JoinPath(dir, kBootFile));
  if (!boot.ok() || !recorded.ok() || *recorded != *boot) {
    std::vector<std::pair<Checkpoint, std::string>> newer;
    for (int k = 0; k < 3; ++k) {
      std::string name = std::string(kCheckpointTemp) + std::to_string(k);
      auto tmp_note = fs.ReadFile(JoinPath(dir, name));
      if (!tmp_note.ok()) continue;
      auto tmp = OpenCheckpoint(*tmp_note, known);
      if (tmp.ok() && tmp->origin == cp->origin && tmp->size > size) newer.emplace_back(std::move(*tmp), name);
    }
    std::sort(newer.begin(), newer.end(), [](const auto& a, const auto& b) { return a.first.size > b.first.size; });
    for (const auto& [target, name] : newer) {
      if (!ExtendsTo(fs, dir, target, edge, bundle)) continue;
      RETURN_IF_ERROR(fs.Rename(JoinPath(dir, name), JoinPath(dir, "checkpoint")).Annotate("open log"));
      RETURN_IF_ERROR(fs.SyncDir(dir).Annotate("open log"));
      break;
    }
  }
  // Not synced: if a power failure loses it, the next Open only checks for a roll
  // forward again.
  if (boot.ok() && (!recorded.ok() || *recorded != *boot)) {
    ASSIGN_OR_RETURN(auto f, fs.NewWritableFile(JoinPath(dir, kBootFile)));
    RETURN_IF_ERROR(f->Append(*boot).Annotate("open log"));
    RETURN_IF_ERROR(f->Close().Annotate("open log"));
  }
  return std::unique_ptr<Appender>(new Appender(fs, dir, std::move(lock), std::move(signer), cp->origin,
                                                std::move(edge), std::move(bundle), options));
}

Appender::Appender(FileSystem& fs, std::string dir, std::unique_ptr<DirLock> lock, std::unique_ptr<NoteSigner> signer,
                   std::string origin, TreeEdge edge, std::string bundle, AppenderOptions options)
    : lock_(std::move(lock)),
      fs_(fs),
      dir_(std::move(dir)),
      signer_(std::move(signer)),
      origin_(std::move(origin)),
      options_(options),
      edge_(std::move(edge)),
      bundle_(std::move(bundle)) {
  next_index_ = durable_size_ = edge_.size();
  bundle_count_ = edge_.size() % kTileWidth;
  pool_ = std::make_unique<WorkPool>(std::max(0, options_.io_threads));
  writer_ = std::thread([this] { WriterLoop(); });
  publisher_ = std::thread([this] { PublisherLoop(); });
  janitor_ = std::thread([this] { JanitorLoop(); });
}

Appender::~Appender() { Close().IgnoreError(); }

Status Appender::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  if (writer_.joinable()) writer_.join();  // it stops the publisher when it exits
  if (publisher_.joinable()) publisher_.join();
  {
    std::lock_guard<std::mutex> l(mu_);
    janitor_stop_ = true;
  }
  janitor_cv_.notify_all();
  if (janitor_.joinable()) janitor_.join();
  std::lock_guard<std::mutex> l(mu_);
  lock_.reset();  // nothing more is written: the directory may be reopened
  return failed_;
}

uint64_t Appender::durable_size() const {
  std::lock_guard<std::mutex> l(mu_);
  return durable_size_;
}

Appender::Stats Appender::stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

Result<uint64_t> Appender::Submit(std::string_view entry) {
  if (entry.size() > kMaxEntrySize) {
    return InvalidArgumentError("log entry is " + std::to_string(entry.size()) +
                                " bytes; the limit is 65535 (the entry bundle's length prefix)");
  }
  // Hashing here, outside the lock, spreads the main CPU cost of an append over
  // the submitting threads and overlaps it with the writer's I/O.
  const Hash leaf = HashLeaf(entry);
  bool wake = false;
  uint64_t index;
  {
    std::unique_lock<std::mutex> l(mu_);
    space_cv_.wait(l, [&] { return stop_ || !failed_.ok() || pending_bytes_ < options_.max_pending_bytes; });
    if (!failed_.ok()) return failed_;
    if (stop_) return FailedPreconditionError("log appender is closed");
    const size_t bytes = 2 + entry.size();
    if (pending_.empty() || (options_.max_batch_bytes != 0 && !pending_.back().hashes.empty() &&
                             pending_.back().entries.size() + bytes > options_.max_batch_bytes)) {
      if (spare_.empty()) {
        pending_.emplace_back();
      } else {
        pending_.push_back(std::move(spare_.back()));
        spare_.pop_back();
      }
    }
    AppendBundleEntry(pending_.back().entries, entry);
    pending_.back().hashes.push_back(leaf);
    pending_bytes_ += bytes;
    index = next_index_++;
    if (writer_idle_) {
      writer_idle_ = false;
      wake = true;
    }
  }
  if (wake) work_cv_.notify_one();
  return index;
}

Status Appender::WaitDurable(uint64_t index) {
  std::unique_lock<std::mutex> l(mu_);
  if (index >= next_index_) return InvalidArgumentError("log index " + std::to_string(index) + " was never assigned");
  if (durable_size_ <= index && failed_.ok()) {
    // Woken when this index is durable or the log failed, not by every commit: a
    // commit wakes only the callers it satisfies, who then take mu_ (a wake-up of all
    // of them would contend with the writer and the publisher for it).
    std::condition_variable cv;
    const auto it = waiters_.emplace(index, &cv);
    cv.wait(l, [&] { return durable_size_ > index || !failed_.ok(); });
    waiters_.erase(it);
  }
  if (durable_size_ > index) return Status::Ok();
  return failed_;
}

Result<uint64_t> Appender::Append(std::string_view entry) {
  ASSIGN_OR_RETURN(uint64_t index, Submit(entry));
  RETURN_IF_ERROR(WaitDurable(index));
  return index;
}

void Appender::Fail(const Status& st) {
  if (failed_.ok()) failed_ = Status(st.code(), "log commit failed (reopen the log to continue): " + st.message());
  for (const auto& [index, cv] : waiters_) cv->notify_one();
  space_cv_.notify_all();
  handoff_cv_.notify_all();
  work_cv_.notify_all();
}

void Appender::WriterLoop() {
  NameThread("tlog-writer");
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    while (pending_.empty() && carry_.hashes.empty() && !stop_ && failed_.ok()) {
      writer_idle_ = true;
      work_cv_.wait(l);
    }
    writer_idle_ = false;
    // Stopped with everything handed off, or failed.
    if ((pending_.empty() && carry_.hashes.empty()) || !failed_.ok()) break;
    TakeBatch();
    l.unlock();
    space_cv_.notify_all();
    Publication p;
    p.start_micros = Clock::System()->MonotonicMicros();
    Status st = Prepare(p);
    const int64_t prepared = Clock::System()->MonotonicMicros() - p.start_micros;
    l.lock();
    stats_.files_written += files_.size();
    stats_.total_prepare_micros += prepared;
    stats_.max_prepare_micros = std::max(stats_.max_prepare_micros, prepared);
    if (!st.ok()) {
      Fail(st);
      break;
    }
    handoff_cv_.wait(l, [&] { return !handoff_ || !failed_.ok(); });
    if (!failed_.ok()) break;
    handoff_ = std::move(p);
    handoff_cv_.notify_all();
  }
  publisher_stop_ = true;
  handoff_cv_.notify_all();
}

void Appender::TakeBatch() {
  if (spare_.size() < 2) {  // keeps the buffers' capacity for the next chunks
    batch_.entries.clear();
    batch_.hashes.clear();
    spare_.push_back(std::move(batch_));
  }
  batch_ = Chunk();
  if (pending_.empty()) return;  // only carried entries are left
  batch_ = std::move(pending_.front());
  pending_.pop_front();
  pending_bytes_ -= batch_.entries.size();
}

void Appender::PublisherLoop() {
  NameThread("tlog-publisher");
  std::unique_lock<std::mutex> l(mu_);
  auto now = [] { return Clock::System()->MonotonicMicros(); };
  while (true) {
    const int64_t wait_start = now();
    handoff_cv_.wait(l, [&] { return handoff_ || publisher_stop_; });
    if (!handoff_) return;  // the writer exited and everything handed off is published
    Publication p = std::move(*handoff_);
    handoff_.reset();
    handoff_cv_.notify_all();  // the writer may hand off the next commit
    l.unlock();
    const int64_t start = now();
    Status st = fs_.SyncFileSystem(dir_);  // the commit's files and their names
    const int64_t synced = now();
    if (st.ok()) st = fs_.Rename(JoinPath(dir_, p.checkpoint_temp), JoinPath(dir_, "checkpoint"));
    if (st.ok()) st = fs_.SyncDir(dir_);  // the rename
    const int64_t done = now();
    l.lock();
    if (!st.ok()) return Fail(st);
    stats_.total_sync_micros += synced - start;
    stats_.max_sync_micros = std::max(stats_.max_sync_micros, synced - start);
    stats_.total_rename_micros += done - synced;
    stats_.max_rename_micros = std::max(stats_.max_rename_micros, done - synced);
    MarkDurable(p, done, start - wait_start, done - start);
  }
}

void Appender::MarkDurable(const Publication& p, int64_t now_micros, int64_t waited_micros, int64_t barrier_micros) {
  ++stats_.commits;
  stats_.max_commit_micros = std::max(stats_.max_commit_micros, now_micros - p.start_micros);
  if (last_durable_micros_ >= 0) {
    const int64_t interval = now_micros - last_durable_micros_;
    stats_.max_interval_micros = std::max(stats_.max_interval_micros, interval);
    stats_.total_interval_micros += interval;
    const auto& bounds = Stats::kIntervalBucketMicros;
    ++stats_.intervals_by_length[std::lower_bound(std::begin(bounds), std::end(bounds), interval) - std::begin(bounds)];
    stats_.total_publisher_wait_micros += waited_micros;
    if (interval > Stats::kSlowIntervalMicros) {
      ++(waited_micros > barrier_micros ? stats_.slow_intervals_writer_bound : stats_.slow_intervals_barrier_bound);
    }
  }
  last_durable_micros_ = now_micros;
  durable_size_ = p.new_size;
  for (auto it = waiters_.begin(); it != waiters_.end() && it->first < durable_size_; ++it) it->second->notify_one();
  // Removing files is off the publisher's path: on a file system mounted with
  // `discard` an unlink waits for the device, which would delay the next commit.
  superseded_.emplace_back(p.old_size, p.new_size);
  janitor_cv_.notify_one();
}

void Appender::JanitorLoop() {
  NameThread("tlog-janitor");
  std::unique_lock<std::mutex> l(mu_);
  std::vector<std::pair<uint64_t, uint64_t>> work;
  while (true) {
    janitor_cv_.wait(l, [&] { return !superseded_.empty() || janitor_stop_; });
    if (superseded_.empty()) return;
    work.swap(superseded_);
    l.unlock();
    // Concurrent with the writer: it never writes a partial of a resource that a
    // published checkpoint already has in full, which is all this removes.
    for (const auto& [old_size, new_size] : work) {
      RemoveSupersededPartials(old_size, new_size);
      DropPublishedBundles(old_size, new_size);
    }
    work.clear();
    l.lock();
  }
}

Status Appender::Prepare(Publication& p) {
  const uint64_t old_size = edge_.size();
  files_.clear();
  auto on_full = [&](int level, uint64_t index, std::span<const Hash> hashes) {
    files_.push_back(File{TilePath(level, index, kTileWidth),
                          std::string(reinterpret_cast<const char*>(hashes.data()), hashes.size() * kHashSize)});
  };
  // Adds the first `count` entries of `entries` (bundle format) to the tree and the
  // bundles; returns the byte length they took.
  auto add = [&](std::string_view entries, std::span<const Hash> hashes, size_t count) {
    size_t pos = 0, i = 0;
    while (i < count) {
      if (bundle_count_ == 0 && count - i >= kTileWidth) {
        // A whole bundle within `entries` is written from there, not copied.
        const size_t start = pos;
        const uint64_t index = edge_.size() / kTileWidth;
        for (const size_t end = i + kTileWidth; i < end; ++i) {
          pos += BundleEntryBytes(entries, pos);
          edge_.Append(hashes[i], on_full);
        }
        files_.push_back(File{EntriesPath(index, kTileWidth), {}, entries.substr(start, pos - start)});
        continue;
      }
      const size_t len = BundleEntryBytes(entries, pos);
      bundle_.append(entries, pos, len);
      pos += len;
      if (++bundle_count_ == kTileWidth) {
        files_.push_back(File{EntriesPath(edge_.size() / kTileWidth, kTileWidth), std::move(bundle_)});
        bundle_ = std::string();
        bundle_count_ = 0;
      }
      edge_.Append(hashes[i++], on_full);
    }
    return pos;
  };
  // Under load, the commit ends at the last bundle boundary it reaches, and the
  // entries after it (fewer than 256) are carried over to open the next commit,
  // which follows at once: a partial bundle and level-0 tile written now would be
  // superseded (and deleted) by the next commit anyway. Entries that reach no
  // boundary are committed with partials as usual, so nothing waits for more input.
  // The carried entries were held back by the previous commit, which therefore
  // ended at a boundary: they precede all of batch_ and the tail lies in batch_.
  const size_t total = carry_.hashes.size() + batch_.hashes.size();
  const size_t tail = bundle_count_ + total >= kTileWidth ? (bundle_count_ + total) % kTileWidth : 0;
  // The carried entries are fewer than a bundle, so no file borrows from carry_,
  // which is overwritten below; files borrow from batch_, which outlives the write.
  add(carry_.entries, carry_.hashes, carry_.hashes.size());
  const size_t keep = batch_.hashes.size() - tail;
  const size_t kept_bytes = add(batch_.entries, batch_.hashes, keep);
  carry_.entries.assign(batch_.entries, kept_bytes);
  carry_.hashes.assign(batch_.hashes.begin() + keep, batch_.hashes.end());
  const uint64_t new_size = edge_.size();
  if (bundle_count_ != 0) files_.push_back(File{EntriesPath(new_size / kTileWidth, bundle_count_), bundle_});
  for (int level = 0; level < 8 && (new_size >> (kTileHeight * level)) != 0; ++level) {
    uint64_t count_new = new_size >> (kTileHeight * level), count_old = old_size >> (kTileHeight * level);
    std::span<const Hash> tail = edge_.tail(level);
    if (count_new == count_old || tail.empty()) continue;  // this level's partial tile is unchanged
    files_.push_back(File{TilePath(level, count_new / kTileWidth, tail.size()),
                          std::string(reinterpret_cast<const char*>(tail.data()), tail.size() * kHashSize)});
  }

  Checkpoint cp{origin_, new_size, edge_.Root(), {}};
  ASSIGN_OR_RETURN(std::string note, SignCheckpoint(cp, *signer_));
  // The new checkpoint is written beside the old one with the other files, so that
  // one file-system barrier makes all of them durable before it is renamed into
  // place (Publish). Three names rotate: while this commit's temp file is written,
  // the two before it may still wait for their renames (one being published, one
  // handed off); writing over one of theirs would publish this unsynced checkpoint.
  // (The fourth commit is written only after the first has been published.)
  p.old_size = old_size;
  p.new_size = new_size;
  p.checkpoint_temp = std::string(kCheckpointTemp) + std::to_string(commit_seq_++ % 3);
  files_.push_back(File{p.checkpoint_temp, std::move(note)});
  return WriteFiles();
}

Status Appender::WriteFiles() {
  // New directories' names become durable with the file-system barrier that follows.
  for (const File& f : files_) {
    std::string d = DirName(JoinPath(dir_, f.path));
    if (std::binary_search(known_dirs_.begin(), known_dirs_.end(), d)) continue;
    RETURN_IF_ERROR(fs_.CreateDirs(d));
    // Most directories are `.p` ones, used for one tile or bundle: forgetting them
    // all now and then keeps the cache small (CreateDirs of a known one is cheap).
    if (known_dirs_.size() >= kMaxKnownDirs) known_dirs_.clear();
    known_dirs_.insert(std::upper_bound(known_dirs_.begin(), known_dirs_.end(), d), d);
  }
  // No fsync per file: the caller's SyncFileSystem covers them all.
  return pool_->Run(files_.size(), [&](size_t i) -> Status {
    ASSIGN_OR_RETURN(auto file, fs_.NewWritableFile(JoinPath(dir_, files_[i].path)));
    RETURN_IF_ERROR(file->Append(files_[i].bytes()));
    return file->Close();
  });
}

void Appender::DropPublishedBundles(uint64_t old_size, uint64_t new_size) {
  // The appender reads its bundles back only when it opens the log, and at
  // 1 M entries/s they are ≈ 200 MB/s that would push everything else out of the
  // page cache. Their data is durable (the commit is published), so the pages are
  // clean and dropping them is cheap. Tiles stay cached: proofs read them. Best
  // effort: a failure only leaves the pages cached.
  for (uint64_t i = old_size / kTileWidth; i < new_size / kTileWidth; ++i) {
    fs_.DropCache(JoinPath(dir_, EntriesPath(i, kTileWidth))).IgnoreError();
  }
}

void Appender::RemoveSupersededPartials(uint64_t old_size, uint64_t new_size) {
  // Once a full tile or bundle is published, its partial versions may go (tlog-tiles
  // "Partial Tiles"). Only the resource that was partial at old_size can have any.
  // Best effort: a leftover partial is harmless.
  for (int level = -1; level < 8; ++level) {
    int shift = kTileHeight * std::max(level, 0);
    uint64_t count_old = old_size >> shift, count_new = new_size >> shift;
    if (count_old % kTileWidth == 0 || count_new / kTileWidth == count_old / kTileWidth) continue;
    uint64_t index = count_old / kTileWidth;
    std::string pdir =
        JoinPath(dir_, (level < 0 ? EntriesPath(index, kTileWidth) : TilePath(level, index, kTileWidth)) + ".p");
    auto names = fs_.ListDir(pdir);
    if (!names.ok()) continue;
    for (const std::string& n : *names) fs_.Remove(JoinPath(pdir, n)).IgnoreError();
    fs_.RemoveDir(pdir).IgnoreError();  // else one empty directory per bundle and tile stays behind
  }
}

}  // namespace domicile::tlog
