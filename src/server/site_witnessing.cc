#include "server/site_witnessing.h"

#include <chrono>
#include <cstdio>
#include <utility>

#include "server/log_publication.h"
#include "tlog/cosignature.h"
#include "tlog/log_reader.h"

namespace domicile::server {

CheckpointWitnessing::CheckpointWitnessing(FileSystem* fs, std::string log_dir,
                                           std::vector<std::unique_ptr<tlog::WitnessClient>> w, int64_t poll_ms)
    : fs_(fs), log_dir_(std::move(log_dir)), witnesses_(std::move(w)), poll_ms_(poll_ms) {}

std::unique_ptr<CheckpointWitnessing> CheckpointWitnessing::Start(
    FileSystem* fs, std::string log_dir, std::vector<std::unique_ptr<tlog::WitnessClient>> witnesses,
    int64_t poll_ms) {
  std::unique_ptr<CheckpointWitnessing> w(
      new CheckpointWitnessing(fs, std::move(log_dir), std::move(witnesses), poll_ms));
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

CheckpointWitnessing::~CheckpointWitnessing() { Stop(); }

void CheckpointWitnessing::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void CheckpointWitnessing::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(poll_ms_), [this] { return stop_; })) return;
    }
    Result<std::string> current = tlog::ReadCheckpointFile(*fs_, log_dir_);
    if (!current.ok()) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (*current != checkpoint_) {
        checkpoint_ = *current;
        cosigned_.clear();
      } else if (cosigned_.size() == witnesses_.size()) {
        continue;
      }
    }
    for (const auto& witness : witnesses_) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
        if (cosigned_.contains(witness->name())) continue;
      }
      // The proof must end at this very checkpoint; if the log moved meanwhile, the
      // next round submits the newer one.
      auto prove = [this, &current](uint64_t old_size) -> Result<std::vector<std::string>> {
        ASSIGN_OR_RETURN(tlog::AddCheckpointRequest req, tlog::ProveConsistency(*fs_, log_dir_, old_size));
        if (req.checkpoint != *current) return UnavailableError("the log grew during the submission");
        return req.proof;
      };
      Result<std::string> line = witness->Cosign(*current, prove);
      if (!line.ok()) {
        std::fprintf(stderr, "domicile: witness %s: %s (retrying)\n", witness->name().c_str(),
                     line.status().ToString().c_str());
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (checkpoint_ == *current) cosigned_[witness->name()] = *line;
    }
  }
}

Result<std::string> CheckpointWitnessing::Checkpoint() const {
  ASSIGN_OR_RETURN(std::string file, tlog::ReadCheckpointFile(*fs_, log_dir_));
  std::string lines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (file != checkpoint_ || cosigned_.empty()) return file;
    for (const auto& [name, line] : cosigned_) lines += line;
  }
  return tlog::AddSignatureLines(file, lines);
}

void CheckpointWitnessing::AddRoute(Router& router) {
  router.Add("GET", "/log/checkpoint", [this](const HttpRequest&) {
    Result<std::string> text = Checkpoint();
    if (!text.ok()) return HttpResponse::FromStatus(text.status());
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("Cache-Control", std::string(kCheckpointCacheControl));
    r.body = std::move(*text);
    return r;
  });
}

}  // namespace domicile::server
