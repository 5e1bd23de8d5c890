#include "common/file.h"
#include "common/secret_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace domicile {
namespace {

Status PosixError(const std::string& context, int err) {
  std::string msg = context + ": " + std::strerror(err);
  switch (err) {
    case ENOENT: return NotFoundError(msg);
    case EEXIST: return AlreadyExistsError(msg);
    case EACCES:
    case EPERM: return PermissionDeniedError(msg);
    case ENOSPC:
    case EDQUOT: return ResourceExhaustedError(msg);
    default: return UnavailableError(msg);
  }
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("write " + path_, errno);
      }
      data.remove_prefix(size_t(n));
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return PosixError("fdatasync " + path_, errno);
    return Status::Ok();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return PosixError("close " + path_, errno);
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return Open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return Open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
  }

  Result<std::string> ReadFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open " + path, errno);
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return PosixError("read " + path, err);
      }
      if (n == 0) break;
      out.append(buf, size_t(n));
    }
    ::close(fd);
    return out;
  }

  Result<bool> Exists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return PosixError("stat " + path, errno);
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat " + path, errno);
    return uint64_t(st.st_size);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename " + from + " -> " + to, errno);
    return Status::Ok();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink " + path, errno);
    return Status::Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) == 0) return Status::Ok();
    if (errno == ENOTEMPTY || errno == EEXIST) return FailedPreconditionError("rmdir " + path + ": not empty");
    return PosixError("rmdir " + path, errno);
  }

  Status CreateDirs(const std::string& path) override {
    if (path.empty()) return Status::Ok();
    std::string cur;
    size_t pos = 0;
    while (pos <= path.size()) {
      size_t next = path.find('/', pos);
      if (next == std::string::npos) next = path.size();
      cur = path.substr(0, next);
      pos = next + 1;
      if (cur.empty()) continue;
      if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) return PosixError("mkdir " + cur, errno);
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return FailedPreconditionError("not a directory: " + path);
    }
    return Status::Ok();
  }

  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("open dir " + path, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return PosixError("fsync dir " + path, err);
    return Status::Ok();
  }

  Status SyncFileSystem(const std::string& path) override {
    // The descriptor stays open: syncfs reports writeback errors recorded on the
    // file system since the descriptor was opened or last reported, so a fresh one
    // would miss an error of background writeback before it.
    int fd;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = syncfs_fds_.find(path);
      if (it == syncfs_fds_.end()) {
        int opened = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (opened < 0) return PosixError("open " + path, errno);
        it = syncfs_fds_.emplace(path, opened).first;
      }
      fd = it->second;
    }
    if (::syncfs(fd) != 0) return PosixError("syncfs " + path, errno);
    return Status::Ok();
  }

  Status DropCache(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open " + path, errno);
    int rc = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);  // returns the error number
    ::close(fd);
    if (rc != 0) return PosixError("fadvise " + path, rc);
    return Status::Ok();
  }

  Result<std::string> BootId() override {
    ASSIGN_OR_RETURN(std::string id, ReadFile("/proc/sys/kernel/random/boot_id"));
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (id.empty()) return UnavailableError("boot id: /proc/sys/kernel/random/boot_id is empty");
    return id;
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return PosixError("opendir " + path, errno);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  Result<std::unique_ptr<WritableFile>> Open(const std::string& path, int flags) {
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return PosixError("open " + path, errno);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd));
  }

  std::mutex mu_;
  std::map<std::string, int> syncfs_fds_;  // guarded by mu_; kept open for the program's life
};

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem* fs = new PosixFileSystem();  // never destroyed
  return fs;
}

Status FileSystem::RemoveDir(const std::string& path) {
  return UnimplementedError("rmdir " + path + ": not supported by this file system");
}

Status FileSystem::SyncFileSystem(const std::string& any_path_on_it) {
  return UnimplementedError("syncfs " + any_path_on_it + ": not supported by this file system");
}

Status FileSystem::DropCache(const std::string&) { return Status::Ok(); }

Result<std::string> FileSystem::BootId() { return UnimplementedError("boot id: not supported by this file system"); }

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out.append(b);
  return out;
}

Status WriteFileSynced(FileSystem& fs, const std::string& path, std::string_view data) {
  ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(path));
  RETURN_IF_ERROR(file->Append(data));
  RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

Status AtomicWriteFile(FileSystem& fs, const std::string& path, std::string_view data) {
  static std::atomic<uint64_t> counter{0};
  std::string dir = DirName(path);
  RETURN_IF_ERROR(fs.CreateDirs(dir));
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  Status st = WriteFileSynced(fs, tmp, data);
  if (st.ok()) st = fs.Rename(tmp, path);
  if (!st.ok()) {
    fs.Remove(tmp).IgnoreError();  // best effort; a stray temp file is harmless
    return st;
  }
  return fs.SyncDir(dir);
}

Status AtomicWriteSecretFile(FileSystem& fs, const std::string& path, std::string_view data) {
  const mode_t old = ::umask(077);
  Status st = AtomicWriteFile(fs, path, data);
  ::umask(old);
  return st;
}

}  // namespace domicile
