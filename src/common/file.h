// The file layer. Everything in Domicile that touches the disk goes through a
// FileSystem so that tests can swap in an in-memory or fault-injecting one
// (tests/fakes) and check crash behaviour without killing processes.
//
// Thread-safety: FileSystem implementations are safe for concurrent use; a
// WritableFile is used by one thread at a time.
#ifndef DOMICILE_COMMON_FILE_H_
#define DOMICILE_COMMON_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates or truncates `path` for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens `path` for appending, creating it if absent.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  virtual Result<bool> Exists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // Creates `path` and any missing parents; OK if it exists.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Removes the empty directory `path` (rmdir(2)); FailedPrecondition if it is not
  // empty. Like Remove, durable once its parent is synced. The default is
  // Unimplemented.
  virtual Status RemoveDir(const std::string& path);
  // Makes the directory's entries (creations, renames) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // File-system-wide barrier: makes the data of every file and the names of every
  // directory on the file system holding `any_path_on_it` durable (syncfs(2)). One
  // call replaces an fsync per file and per directory. It reports writeback errors
  // that happened on that file system since the first SyncFileSystem call for the
  // same path (Linux >= 5.8), so a caller makes one call before it starts writing.
  // The default is Unimplemented.
  virtual Status SyncFileSystem(const std::string& any_path_on_it);
  // Hint that the file's cached pages will not be read again soon, so that the
  // page cache keeps other data (posix_fadvise(POSIX_FADV_DONTNEED)). Only pages
  // already written back are dropped: call it once the file is durable. The
  // content is unchanged. The default does nothing.
  virtual Status DropCache(const std::string& path);
  // Names (not paths) of the entries of a directory, sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Identifies the running boot of the system (Linux: /proc/sys/kernel/random/boot_id).
  // What the kernel accepted (a rename, unsynced data) survives a process crash but
  // may be lost when the boot changes (power failure). The default is Unimplemented.
  virtual Result<std::string> BootId();

  // The real, POSIX file system. Never null; lives for the whole program.
  static FileSystem* Default();
};

// Replaces `path` with `data` so that after a crash at any instant the file holds
// either its old content or `data`, never a mix: writes a temporary file beside it,
// syncs it, renames it over `path` and syncs the directory. Missing parent
// directories are created.
Status AtomicWriteFile(FileSystem& fs, const std::string& path, std::string_view data);

// Writes `data` to `path` (truncating) and syncs it; not atomic.
Status WriteFileSynced(FileSystem& fs, const std::string& path, std::string_view data);

// Directory part of a path ("a/b/c" -> "a/b", "c" -> ".").
std::string DirName(const std::string& path);
// Joins two path parts with one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace domicile

#endif  // DOMICILE_COMMON_FILE_H_
