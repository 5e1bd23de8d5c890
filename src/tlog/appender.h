// The log writer: appends entries to a tlog-tiles directory with group commit.
// Many threads submit entries; a writer thread takes a batch of what is queued (at
// most AppenderOptions::max_batch_bytes) and writes the new entry bundles, tiles
// and checkpoint (as a temporary file); a publisher thread makes them all durable
// with one file-system barrier (syncfs), renames the checkpoint into place, syncs
// the log directory, and only then acknowledges the batch. The writer prepares the
// next batch while the publisher works. This is the API the gateway uses to make an
// audit entry durable before data leaves.
//
// Crash safety: files covered by the published checkpoint are never rewritten; new
// files are durable before the checkpoint that covers them is published; the
// checkpoint is replaced atomically. After a crash at any instant, Open() resumes
// from the last published checkpoint (see docs/audit-log.md).
#ifndef DOMICILE_TLOG_APPENDER_H_
#define DOMICILE_TLOG_APPENDER_H_

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/file.h"
#include "common/status.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/tiles.h"

namespace domicile::tlog {

// Creates an empty log in `dir`: a signed checkpoint of size 0 for `origin`.
// AlreadyExists if `dir` already holds a checkpoint.
Status CreateLog(FileSystem& fs, const std::string& dir, std::string_view origin, std::string_view private_key);

struct AppenderOptions {
  // Threads that write a commit's files in parallel (plus the writer).
  int io_threads = 1;
  // Submit() blocks while this many bytes of entries wait for the writer.
  size_t max_pending_bytes = 64 << 20;
  // A commit takes at most this many bytes of queued entries (at least one entry);
  // the rest opens the next commit. Bounds the time to write and sync one commit,
  // so that a slow barrier is not followed by an ever larger commit. 0: no bound.
  // 1 MiB (≈ 5,000 entries of 200 bytes) keeps a busy log committing every ≈ 4 ms
  // on a 2-core machine (docs/performance.md).
  size_t max_batch_bytes = 1 << 20;
};

class WorkPool;
class DirLock;

// Thread-safe. One Appender per log directory at a time: Open() refuses a
// directory that another Appender holds (see Open).
class Appender {
 public:
  // Resumes the log in `dir` from its checkpoint, which must verify with the key.
  // DataLoss if the checkpoint or the partial tiles it covers are damaged. The file
  // system must implement SyncFileSystem (Unimplemented otherwise).
  // FailedPrecondition if the directory is already open for appending: by another
  // Appender in this process (same FileSystem and path), or — on the real file
  // system — by any process, through an exclusive flock(2) on `dir/.appender.lock`
  // held until Close() (the kernel releases it if the process dies).
  static Result<std::unique_ptr<Appender>> Open(FileSystem& fs, const std::string& dir, std::string_view private_key,
                                                AppenderOptions options = {});
  ~Appender();  // flushes what was submitted (see Close)
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  // Appends one entry and returns its index once the entry, its tiles and a signed
  // checkpoint covering it are durable. InvalidArgument if the entry is larger than
  // 65,535 bytes; the commit's error if the log could not be written.
  Result<uint64_t> Append(std::string_view entry);

  // Queues an entry and returns its index at once; it is NOT durable until
  // WaitDurable(index) returns OK. For callers that pipeline many entries.
  Result<uint64_t> Submit(std::string_view entry);
  // Blocks until `index` is covered by a durable checkpoint, or the log failed.
  Status WaitDurable(uint64_t index);

  // Commits everything submitted, stops the writer, releases the directory and
  // reports whether every commit succeeded. Further appends fail.
  Status Close();

  // Size of the last durable checkpoint.
  uint64_t durable_size() const;

  struct Stats {
    uint64_t commits = 0;
    uint64_t files_written = 0;
    int64_t max_commit_micros = 0;  // longest commit: batch taken to checkpoint durable
    // The writer's time to build a commit and write its files (not durable yet).
    int64_t total_prepare_micros = 0, max_prepare_micros = 0;
    // Time in the two barriers of a publication: the file-system sync of a commit's files,
    // and the rename of its checkpoint with the fsync of the directory.
    int64_t total_sync_micros = 0, max_sync_micros = 0;
    int64_t total_rename_micros = 0, max_rename_micros = 0;
    // Time between consecutive durable checkpoints (idle time included), over
    // commits - 1 intervals.
    int64_t max_interval_micros = 0;
    int64_t total_interval_micros = 0;
    // The same intervals counted by length: bucket i holds those <= kIntervalBucketMicros[i],
    // the last bucket the longer ones.
    static constexpr int64_t kIntervalBucketMicros[] = {1000, 2000, 5000, 10000, 12500, 15000, 20000, 50000, 100000};
    std::array<uint64_t, std::size(kIntervalBucketMicros) + 1> intervals_by_length{};
    // Time the publisher waited for the writer's next commit (or, when idle, for entries).
    int64_t total_publisher_wait_micros = 0;
    // What made the intervals over kSlowIntervalMicros long: the publisher waited for the
    // writer longer than it spent in the two barriers (the writer set the pace), or not
    // (a barrier did).
    static constexpr int64_t kSlowIntervalMicros = 10000;
    uint64_t slow_intervals_writer_bound = 0, slow_intervals_barrier_bound = 0;
  };
  Stats stats() const;
  const std::string& origin() const { return origin_; }

  // After a failed commit the appender refuses everything (fail closed): what was
  // written is not covered by a checkpoint, and Open() on the directory resumes
  // from the last published one.

 private:
  struct File {
    std::string path;  // relative to dir_
    std::string data;
    // Written instead of `data` when set: a full bundle's bytes inside batch_.
    std::string_view borrowed;
    std::string_view bytes() const { return borrowed.empty() ? std::string_view(data) : borrowed; }
  };

  Appender(FileSystem& fs, std::string dir, std::unique_ptr<DirLock> lock, std::unique_ptr<NoteSigner> signer,
           std::string origin, TreeEdge edge, std::string bundle, AppenderOptions options);
  // A commit whose files (and checkpoint temp file) are written, not yet durable.
  struct Publication {
    uint64_t old_size = 0, new_size = 0;
    std::string checkpoint_temp;  // relative to dir_
    int64_t start_micros = 0;     // when its batch was taken
  };
  // Takes batches and writes their files; hands each to the publisher.
  void WriterLoop();
  // Moves the front chunk of pending_ into batch_. Requires mu_ held.
  void TakeBatch();
  // Makes each handed-off commit durable and publishes its checkpoint, in order.
  void PublisherLoop();
  // Writes the files of batch_ and a signed checkpoint covering them (not durable).
  Status Prepare(Publication& p);
  Status WriteFiles();
  // Publication bookkeeping once `p`'s checkpoint is durable: stats, durable_size_,
  // waiters, janitor. `waited_micros`: how long the publisher waited for `p`;
  // `barrier_micros`: how long it took to make `p` durable. Requires mu_ held.
  void MarkDurable(const Publication& p, int64_t now_micros, int64_t waited_micros, int64_t barrier_micros);
  // Records the first commit error and wakes everyone. Requires mu_ held.
  void Fail(const Status& st);
  // Deletes the partial tiles and bundles that published checkpoints superseded,
  // and drops the published full bundles from the page cache.
  void JanitorLoop();
  void RemoveSupersededPartials(uint64_t old_size, uint64_t new_size);
  // Drops the full bundles a commit from old_size to new_size published from the
  // page cache (FileSystem::DropCache).
  void DropPublishedBundles(uint64_t old_size, uint64_t new_size);

  // Holds the directory until Close() has stopped the threads. Guarded by mu_.
  std::unique_ptr<DirLock> lock_;
  FileSystem& fs_;
  const std::string dir_;
  const std::unique_ptr<NoteSigner> signer_;
  const std::string origin_;
  const AppenderOptions options_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // writer waits for entries or stop
  // Threads in WaitDurable(index), by index, each woken through its own condition
  // variable. Guarded by mu_; each waiter removes itself.
  std::multimap<uint64_t, std::condition_variable*> waiters_;
  std::condition_variable space_cv_;  // submitters waiting for queue space
  // Queued entries (bundle format) and their leaf hashes, in chunks of at most
  // max_batch_bytes (except a chunk of one larger entry): a commit takes the front
  // chunk whole, so taking a batch never copies or moves queued bytes.
  struct Chunk {
    std::string entries;
    std::vector<Hash> hashes;
  };
  std::deque<Chunk> pending_;  // guarded by mu_
  size_t pending_bytes_ = 0;   // guarded by mu_: bytes of entries in pending_
  std::vector<Chunk> spare_;   // guarded by mu_: emptied chunks, kept for their capacity
  uint64_t next_index_ = 0;    // guarded by mu_: index of the next submitted entry
  uint64_t durable_size_ = 0;  // guarded by mu_
  Status failed_;              // guarded by mu_: first commit error, sticky
  bool stop_ = false;          // guarded by mu_
  bool writer_idle_ = false;   // guarded by mu_: the writer waits on work_cv_
  // Writer -> publisher hand-off (one commit deep): the publisher waits on
  // handoff_cv_ for a commit or stop, the writer for the slot to be free.
  std::condition_variable handoff_cv_;
  std::optional<Publication> handoff_;  // guarded by mu_
  bool publisher_stop_ = false;         // guarded by mu_: the writer has exited
  // Publisher -> janitor: (old size, new size) of published commits whose
  // superseded partials may go.
  std::condition_variable janitor_cv_;
  std::vector<std::pair<uint64_t, uint64_t>> superseded_;  // guarded by mu_
  bool janitor_stop_ = false;                              // guarded by mu_
  Stats stats_;                                            // guarded by mu_
  int64_t last_durable_micros_ = -1;                       // guarded by mu_: when the last checkpoint became durable

  // Owned by the writer thread.
  TreeEdge edge_;
  std::string bundle_;  // entries of the current partial bundle, bundle format
  uint64_t bundle_count_ = 0;
  Chunk batch_;  // the batch being committed
  // Entries held back from the last commit to open the next one (see Prepare).
  Chunk carry_;
  std::vector<File> files_;
  std::vector<std::string> known_dirs_;  // sorted; directories known to exist
  uint64_t commit_seq_ = 0;              // rotates the checkpoint temp file name

  std::unique_ptr<WorkPool> pool_;
  std::thread writer_;
  std::thread publisher_;
  std::thread janitor_;
};

}  // namespace domicile::tlog

#endif  // DOMICILE_TLOG_APPENDER_H_
