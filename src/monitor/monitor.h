// The custodian's monitor: follows one audit log over tlog-tiles, trusts a
// checkpoint only if the log signed it and a quorum of witnesses cosigned it,
// re-derives the tree from the entry bundles (checking the tiles clients use for
// proofs), keeps a verified mirror of the entries, evaluates the compliance rules
// on each new entry, and keeps portable proof whenever the log shows two views
// that cannot both be honest. State lives in one directory and survives crashes
// (docs/monitor.md, "State directory").
#ifndef DOMICILE_MONITOR_MONITOR_H_
#define DOMICILE_MONITOR_MONITOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/file.h"
#include "common/status.h"
#include "monitor/config.h"
#include "monitor/rules.h"
#include "tlog/cosignature.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/proof_format.h"

namespace domicile::monitor {

// Where the log's resources come from: "checkpoint", "tile/0/x001/002.p/7", ...
class LogSource {
 public:
  virtual ~LogSource() = default;
  // NotFound if the resource does not exist; Unavailable if it could not be fetched.
  virtual Result<std::string> Fetch(const std::string& path) = 0;
};
// tlog-tiles over HTTP under `url` (e.g. "http://127.0.0.1:8080/log"); `tls` for https://.
Result<std::unique_ptr<LogSource>> NewHttpLogSource(std::string_view url, HttpTlsOptions tls = {});
// A log directory on a file system (a local copy, or tests and benchmarks).
std::unique_ptr<LogSource> NewDirLogSource(FileSystem& fs, std::string dir);

// Something wrong with the log itself (not with what the entries record).
// Kinds: bad-log-signature, wrong-origin, bad-cosignature, quorum, fork,
// inconsistent, entry-rewritten, entry-deleted, entry-inserted, entries-reordered,
// truncated, entries-mismatch, bad-bundle, bad-tile.
struct Finding {
  std::string kind;
  std::optional<uint64_t> index;
  std::string detail;
  std::string evidence;  // file name under <state_dir>/evidence/, "" if none
  int64_t observed_micros = 0;
};

// A checkpoint the monitor accepted, as it was served (with its cosignatures).
struct CheckpointRecord {
  int64_t observed_micros = 0;
  std::string note;
};

struct PollResult {
  bool advanced = false;
  uint64_t size = 0;  // verified size after the poll
  uint64_t new_entries = 0;
  uint64_t tiles_checked = 0;
  std::vector<Finding> findings;
  std::vector<Violation> violations;
};

// Not thread-safe: one poller at a time (the CLI runs a loop).
class Monitor {
 public:
  // Loads the state from config.state_dir (created if absent) and re-verifies the
  // mirror against the stored checkpoint (DataLoss if they disagree).
  static Result<std::unique_ptr<Monitor>> Open(FileSystem& fs, const MonitorConfig& config,
                                               std::unique_ptr<LogSource> source, Clock* clock);
  ~Monitor();

  // One round: fetch the checkpoint, verify it and everything new, persist.
  // Misbehaviour is reported in the result (and persisted), not as an error; an
  // error means the round could not be completed (e.g. Unavailable) and nothing
  // changed, except after a state write failed: then this and every later call
  // fail with that error.
  Result<PollResult> Poll();

  uint64_t size() const { return leaves_.size(); }
  const std::string& checkpoint_note() const { return checkpoint_note_; }
  const std::vector<CheckpointRecord>& checkpoints() const { return checkpoints_; }
  Result<std::vector<std::string>> Entries() const;  // the verified mirror, in log order
  Result<std::vector<Finding>> Findings() const;
  Result<std::vector<Violation>> Violations() const;
  // Inclusion proof of entry `index` against the latest accepted checkpoint.
  Result<tlog::TlogProof> ProveInclusion(uint64_t index);

  struct Files;

 private:
  Monitor(FileSystem& fs, MonitorConfig config, std::unique_ptr<LogSource> source, Clock* clock);
  Status Load();
  Result<std::vector<std::string>> FetchEntries(uint64_t begin, uint64_t end);
  Status CheckTiles(uint64_t old_size, uint64_t new_size, PollResult& result);
  void RebuildTree();
  // The log's current data diverges from our mirror: find where and prove it.
  Status Diverged(const std::string& note, const tlog::Checkpoint& cp, PollResult& result);
  void Flag(PollResult& result, std::string kind, std::optional<uint64_t> index, std::string detail,
            const std::string* evidence_json = nullptr);
  Status Persist(PollResult& result, const std::vector<std::string>& new_entries, const std::string* new_note);

  FileSystem& fs_;
  const MonitorConfig config_;
  const std::unique_ptr<LogSource> source_;
  Clock* const clock_;
  std::vector<std::unique_ptr<tlog::NoteVerifier>> log_keys_;
  std::vector<const tlog::NoteVerifier*> log_key_ptrs_;
  std::vector<std::unique_ptr<tlog::CosignatureVerifier>> witnesses_;
  std::vector<const tlog::CosignatureVerifier*> witness_ptrs_;
  std::unique_ptr<ComplianceRules> rules_;

  // The verified state: the leaves of the accepted tree and its checkpoint.
  std::vector<tlog::Hash> leaves_;
  tlog::MemoryTree tree_;  // over leaves_ (temporarily longer while verifying)
  std::string checkpoint_note_;
  tlog::Checkpoint checkpoint_;
  std::vector<CheckpointRecord> checkpoints_;
  std::set<std::string> flagged_;  // SHA-256 (hex) of notes already reported
  std::unique_ptr<Files> files_;   // lengths of the append-only files
  // A failed Persist leaves memory ahead of the disk: every later Poll fails with
  // it (fail closed; reopen to resume from the disk).
  Status failed_;
};

}  // namespace domicile::monitor

#endif  // DOMICILE_MONITOR_MONITOR_H_
