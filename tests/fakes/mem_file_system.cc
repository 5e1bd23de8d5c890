#include "fakes/mem_file_system.h"

#include <utility>

namespace domicile::testing {

const char* FsOpName(FsOp op) {
  switch (op) {
    case FsOp::kCreate: return "create";
    case FsOp::kAppend: return "append";
    case FsOp::kSync: return "sync";
    case FsOp::kRename: return "rename";
    case FsOp::kRemove: return "remove";
    case FsOp::kSyncDir: return "syncdir";
    case FsOp::kSyncFs: return "syncfs";
  }
  return "?";
}

struct MemFileSystem::Node {
  std::string data;    // what a reader sees now
  std::string synced;  // what survives a crash
};

namespace {
std::string Normalize(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.rfind("./", 0) == 0) out = out.substr(2);
  return out;
}
}  // namespace

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(MemFileSystem* fs, std::string path, std::shared_ptr<MemFileSystem::Node> node)
      : fs_(fs), path_(std::move(path)), node_(std::move(node)) {}

  Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> l(fs_->mu_);
    bool torn = false;
    Status st = fs_->CountOp(FsOp::kAppend, path_, &torn);
    if (torn) node_->data.append(data.substr(0, data.size() / 2));
    if (!st.ok()) return st;
    node_->data.append(data);
    return Status::Ok();
  }
  Status Sync() override {
    std::lock_guard<std::mutex> l(fs_->mu_);
    RETURN_IF_ERROR(fs_->CountOp(FsOp::kSync, path_, nullptr));
    node_->synced = node_->data;
    return Status::Ok();
  }
  Status Close() override { return Status::Ok(); }

 private:
  MemFileSystem* fs_;
  std::string path_;
  std::shared_ptr<MemFileSystem::Node> node_;
};

MemFileSystem::MemFileSystem() { dirs_.insert("."); dirs_.insert("/"); }
MemFileSystem::~MemFileSystem() = default;

Status MemFileSystem::CountOp(FsOp op, const std::string& path, bool* torn) {
  if (fault_fired_ && crash_after_fault_) {
    return UnavailableError(std::string("injected: process is dead (") + FsOpName(op) + " " + path + ")");
  }
  ++ops_;
  if (fault_at_ != 0 && ops_ == fault_at_) {
    fault_fired_ = true;
    if (torn != nullptr && fault_kind_ == FaultKind::kTornWrite) *torn = true;
    return UnavailableError(std::string("injected fault at op ") + std::to_string(ops_) + " (" +
                            FsOpName(op) + " " + path + ")");
  }
  return Status::Ok();
}

Result<std::unique_ptr<WritableFile>> MemFileSystem::Open(const std::string& raw, bool truncate) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(DirName(path))) return NotFoundError("open " + path + ": no such directory");
  if (dirs_.count(path)) return FailedPreconditionError("open " + path + ": is a directory");
  RETURN_IF_ERROR(CountOp(FsOp::kCreate, path, nullptr));
  auto& node = live_[path];
  if (!node) node = std::make_shared<Node>();
  if (truncate) node->data.clear();  // the truncation itself is not durable until sync
  return std::unique_ptr<WritableFile>(std::make_unique<MemWritableFile>(this, path, node));
}

Result<std::unique_ptr<WritableFile>> MemFileSystem::NewWritableFile(const std::string& path) {
  return Open(path, true);
}
Result<std::unique_ptr<WritableFile>> MemFileSystem::NewAppendableFile(const std::string& path) {
  return Open(path, false);
}

Result<std::string> MemFileSystem::ReadFile(const std::string& raw) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFoundError("open " + path + ": no such file");
  return it->second->data;
}

Result<bool> MemFileSystem::Exists(const std::string& raw) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  return live_.count(path) > 0 || dirs_.count(path) > 0;
}

Result<uint64_t> MemFileSystem::FileSize(const std::string& raw) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  auto it = live_.find(path);
  if (it == live_.end()) return NotFoundError("stat " + path + ": no such file");
  return uint64_t(it->second->data.size());
}

Status MemFileSystem::Rename(const std::string& rfrom, const std::string& rto) {
  std::string from = Normalize(rfrom), to = Normalize(rto);
  std::lock_guard<std::mutex> l(mu_);
  auto it = live_.find(from);
  if (it == live_.end()) return NotFoundError("rename " + from + ": no such file");
  if (!dirs_.count(DirName(to))) return NotFoundError("rename to " + to + ": no such directory");
  RETURN_IF_ERROR(CountOp(FsOp::kRename, from, nullptr));
  live_[to] = it->second;
  live_.erase(from);
  return Status::Ok();
}

Status MemFileSystem::Remove(const std::string& raw) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  if (!live_.count(path)) return NotFoundError("unlink " + path + ": no such file");
  RETURN_IF_ERROR(CountOp(FsOp::kRemove, path, nullptr));
  live_.erase(path);
  return Status::Ok();
}

Status MemFileSystem::CreateDirs(const std::string& raw) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  while (!path.empty() && path != "." && path != "/") {
    if (live_.count(path)) return FailedPreconditionError("mkdir " + path + ": is a file");
    dirs_.insert(path);
    path = DirName(path);
  }
  return Status::Ok();
}

Status MemFileSystem::SyncDir(const std::string& raw) {
  std::string dir = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(dir)) return NotFoundError("open dir " + dir + ": no such directory");
  RETURN_IF_ERROR(CountOp(FsOp::kSyncDir, dir, nullptr));
  // Names in this directory become durable as they are now.
  for (auto it = durable_.begin(); it != durable_.end();) {
    if (DirName(it->first) == dir && !live_.count(it->first)) {
      it = durable_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [path, node] : live_) {
    if (DirName(path) == dir) durable_[path] = node;
  }
  return Status::Ok();
}

Status MemFileSystem::SyncFileSystem(const std::string& raw) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(path) && !live_.count(path)) return NotFoundError("open " + path + ": no such file or directory");
  RETURN_IF_ERROR(CountOp(FsOp::kSyncFs, path, nullptr));
  // Every file's data and every directory's names become durable as they are now.
  // (A failed call makes nothing durable: the model keeps only what was promised.)
  for (const auto& [p, node] : live_) node->synced = node->data;
  durable_ = live_;
  return Status::Ok();
}

Status MemFileSystem::RemoveDir(const std::string& raw) {
  std::string dir = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(dir)) return NotFoundError("rmdir " + dir + ": no such directory");
  const std::string prefix = dir + "/";
  auto under = [&](const std::string& p) { return p.compare(0, prefix.size(), prefix) == 0; };
  for (const auto& [path, node] : live_) {
    if (under(path)) return FailedPreconditionError("rmdir " + dir + ": not empty");
  }
  for (const auto& d : dirs_) {
    if (under(d)) return FailedPreconditionError("rmdir " + dir + ": not empty");
  }
  RETURN_IF_ERROR(CountOp(FsOp::kRemove, dir, nullptr));
  dirs_.erase(dir);
  return Status::Ok();
}

Result<std::vector<std::string>> MemFileSystem::ListDir(const std::string& raw) {
  std::string dir = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  if (!dirs_.count(dir)) return NotFoundError("opendir " + dir + ": no such directory");
  std::set<std::string> names;
  for (const auto& [path, node] : live_) {
    if (DirName(path) == dir) names.insert(path.substr(dir.size() + 1));
  }
  for (const auto& d : dirs_) {
    if (d != dir && DirName(d) == dir) names.insert(d.substr(dir.size() + 1));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

void MemFileSystem::SetFault(uint64_t n, FaultKind kind) {
  std::lock_guard<std::mutex> l(mu_);
  fault_at_ = n;
  fault_kind_ = kind;
  fault_fired_ = false;
}

void MemFileSystem::SetCrashAfterFault(bool crash) {
  std::lock_guard<std::mutex> l(mu_);
  crash_after_fault_ = crash;
}

uint64_t MemFileSystem::op_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return ops_;
}

bool MemFileSystem::fault_fired() const {
  std::lock_guard<std::mutex> l(mu_);
  return fault_fired_;
}

void MemFileSystem::SimulateCrash() {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, std::shared_ptr<Node>> restored;
  for (const auto& [path, node] : durable_) {
    // A fresh node: open handles from before the crash must not reach it.
    auto fresh = std::make_shared<Node>();
    fresh->data = node->synced;
    fresh->synced = node->synced;
    restored[path] = fresh;
    // A removed directory comes back with a file whose removal was not durable.
    for (std::string d = DirName(path); !d.empty() && d != "." && d != "/"; d = DirName(d)) dirs_.insert(d);
  }
  live_ = restored;
  durable_ = std::move(restored);
  ops_ = 0;
  fault_at_ = 0;
  fault_fired_ = false;
  ++boots_;
}

Result<std::string> MemFileSystem::BootId() {
  std::lock_guard<std::mutex> l(mu_);
  return "mem-boot-" + std::to_string(boots_);
}

void MemFileSystem::PutFile(const std::string& raw, const std::string& data) {
  std::string path = Normalize(raw);
  std::lock_guard<std::mutex> l(mu_);
  auto node = std::make_shared<Node>();
  node->data = data;
  node->synced = data;
  live_[path] = node;
  durable_[path] = node;
}

}  // namespace domicile::testing
