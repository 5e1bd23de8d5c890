// An in-memory FileSystem that models what survives a crash, with fault injection.
//
// Durability model (what POSIX guarantees, no more): appended bytes survive a crash
// only once the file is Sync()ed; a file's name (creation, rename, removal) survives
// only once its directory is SyncDir()ed. Directories themselves are always durable.
// SyncFileSystem() (syncfs) makes every file's data and every name durable at once.
// SimulateCrash() throws away everything not durable, as a power cut would.
//
// Fault injection: every mutating operation (create, append, sync, rename, remove,
// syncdir, syncfs) is numbered from 1. SetFault(n, kind) makes operation n fail; with kind
// kTornWrite an append first writes half of its bytes. With SetCrashAfterFault the
// process "dies" at the fault: every later mutating operation fails too, so the
// code under test cannot repair anything before SimulateCrash().
//
// Thread-safe.
#ifndef DOMICILE_TESTS_FAKES_MEM_FILE_SYSTEM_H_
#define DOMICILE_TESTS_FAKES_MEM_FILE_SYSTEM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/file.h"

namespace domicile::testing {

enum class FsOp { kCreate, kAppend, kSync, kRename, kRemove, kSyncDir, kSyncFs };
const char* FsOpName(FsOp op);

class MemFileSystem final : public FileSystem {
 public:
  enum class FaultKind { kError, kTornWrite };

  MemFileSystem();
  ~MemFileSystem() override;

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override;
  Result<bool> Exists(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  // Refuses a directory that holds anything. Directories are always durable and so
  // is their removal (counted as a kRemove), except that a crash brings a removed
  // directory back when a file in it survives (its removal was not yet durable).
  Status RemoveDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status SyncFileSystem(const std::string& any_path_on_it) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  // "mem-boot-N": N counts the SimulateCrash() calls (each one is a power cut).
  Result<std::string> BootId() override;

  // Fault injection (see the header comment). n == 0 disables.
  void SetFault(uint64_t n, FaultKind kind = FaultKind::kError);
  void SetCrashAfterFault(bool crash);
  // Number of mutating operations so far; run once without faults to learn how
  // many points a crash test has to cover.
  uint64_t op_count() const;
  // The operation that faulted, if one did.
  bool fault_fired() const;

  // Drops all non-durable state and clears faults and the op counter.
  void SimulateCrash();

  // Test helper: overwrite a file's content durably (for tamper tests).
  void PutFile(const std::string& path, const std::string& data);

  struct Node;

 private:
  friend class MemWritableFile;
  // Returns an error if the next mutating op must fail. Requires mu_ held.
  Status CountOp(FsOp op, const std::string& path, bool* torn);
  Result<std::unique_ptr<WritableFile>> Open(const std::string& path, bool truncate);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> live_;     // guarded by mu_
  std::map<std::string, std::shared_ptr<Node>> durable_;  // guarded by mu_
  std::set<std::string> dirs_;                            // guarded by mu_
  uint64_t ops_ = 0;                                      // guarded by mu_
  uint64_t fault_at_ = 0;                                 // guarded by mu_
  FaultKind fault_kind_ = FaultKind::kError;              // guarded by mu_
  bool crash_after_fault_ = false;                        // guarded by mu_
  bool fault_fired_ = false;                              // guarded by mu_
  uint64_t boots_ = 0;                                    // guarded by mu_
};

}  // namespace domicile::testing

#endif  // DOMICILE_TESTS_FAKES_MEM_FILE_SYSTEM_H_
