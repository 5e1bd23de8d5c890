#include "server/replication_shipper.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <cstdio>
#include <utility>

namespace domicile::server {
namespace {

constexpr std::string_view kNextSeqPrefix = "replication/next-seq/";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ReplicationShipper::ReplicationShipper(vault::ChangeFeed* feed, vault::VaultConfig config, std::string seed,
                                       int64_t retry_ms, ProjectFn project)
    : feed_(feed),
      config_(std::move(config)),
      seed_(std::move(seed)),
      retry_ms_(retry_ms),
      project_(std::move(project)) {}

Result<std::unique_ptr<ReplicationShipper>> ReplicationShipper::Start(vault::ChangeFeed* feed,
                                                                      vault::VaultConfig config,
                                                                      std::string signing_seed,
                                                                      std::vector<Target> targets, int64_t retry_ms,
                                                                      ProjectFn project) {
  std::unique_ptr<ReplicationShipper> s(
      new ReplicationShipper(feed, std::move(config), std::move(signing_seed), retry_ms, std::move(project)));
  for (Target& t : targets) {
    if (t.role == vault::SiteRole::kEnclave) {
      return FailedPreconditionError("replication target " + t.site + " is an enclave: it receives nothing");
    }
    if (t.role == vault::SiteRole::kGlobal && (t.projection_key.empty() || !s->project_)) {
      return FailedPreconditionError("replication target " + t.site +
                                     " is a global site: it gets projections only, which need its projection key "
                                     "and the enclave's vault (docs/sites.md, \"Global sites\")");
    }
    TargetState state;
    ASSIGN_OR_RETURN(std::optional<std::string> next, feed->GetMeta(std::string(kNextSeqPrefix) + t.site));
    if (next.has_value()) {
      try {
        state.next_seq = std::stoull(*next);
      } catch (const std::exception&) {
        return DataLossError("replication sequence of " + t.site + " is damaged");
      }
    }
    state.target = std::move(t);
    s->targets_.push_back(std::move(state));
  }
  RETURN_IF_ERROR(feed->MarkAll());
  s->thread_ = std::thread([raw = s.get()] { raw->Run(); });
  return s;
}

ReplicationShipper::~ReplicationShipper() { Stop(); }

void ReplicationShipper::Stop() {
  stop_.store(true);
  feed_->Wake();
  if (thread_.joinable()) thread_.join();
}

Result<std::string> ReplicationShipper::NextBatch(const TargetState& t,
                                                  std::vector<std::pair<std::string, std::string>>& subjects) {
  for (auto it = t.pending.begin(); it != t.pending.end() && subjects.size() < vault::kMaxBatchChanges; ++it) {
    subjects.emplace_back(*it);
  }
  if (t.target.role == vault::SiteRole::kGlobal) {
    vault::ProjectionBatch batch{config_.site_id, t.target.site, t.next_seq, {}};
    for (const auto& [subject, intent] : subjects) {
      ASSIGN_OR_RETURN(vault::ProjectionChange change, project_(subject));
      batch.changes.push_back(std::move(change));
    }
    return vault::SealProjectionBatch(batch, seed_, t.target.projection_key);
  }
  vault::ReplicationBatch batch{config_.site_id, t.target.site, t.next_seq, {}};
  for (const auto& [subject, intent] : subjects) {
    ASSIGN_OR_RETURN(vault::SubjectChange change, vault::ReadSubjectChange(*feed_, subject));
    batch.changes.push_back(std::move(change));
  }
  return vault::SignBatch(batch, seed_);
}

Status ReplicationShipper::ShipOne(size_t target) {
  TargetState& t = targets_[target];
  std::vector<std::pair<std::string, std::string>> subjects;  // (subject, outbox intent)
  ASSIGN_OR_RETURN(std::string envelope, NextBatch(t, subjects));
  // The sequence number is spent before it is sent: a crash after sending never
  // reuses it, and a gap is harmless (every change carries a subject's full state).
  RETURN_IF_ERROR(feed_->PutMeta(std::string(kNextSeqPrefix) + t.target.site, std::to_string(t.next_seq + 1)));
  ++t.next_seq;
  ASSIGN_OR_RETURN(PostReply reply,
                   t.target.post(kReplicationBatchPath, envelope, "application/json"));
  if (reply.status != 200) {
    return UnavailableError("site " + t.target.site + " answered " + std::to_string(reply.status) + ": " +
                            reply.body.substr(0, 200));
  }
  acknowledged_.fetch_add(1);
  for (const auto& [subject, intent] : subjects) {
    // Still the entry shipped (Run only replaces pending entries between shipments).
    t.pending.erase(subject);
    if (!intent.empty()) Acknowledged(target, subject, intent);
  }
  return Status::Ok();
}

void ReplicationShipper::Acknowledged(size_t target, const std::string& subject, const std::string& intent) {
  auto it = outbox_.find(subject);
  if (it == outbox_.end() || it->second.intent != intent) return;
  it->second.targets.erase(target);
  if (!it->second.targets.empty()) return;
  outbox_.erase(it);
  // On failure the entry stays in the store and is shipped (and cleared) after the
  // next start; the receivers already hold the state.
  Status st = feed_->ClearOutbox(subject, intent);
  if (!st.ok()) std::fprintf(stderr, "domicile: replication outbox: %s\n", st.ToString().c_str());
}

void ReplicationShipper::Run() {
  while (!stop_.load()) {
    size_t waiting = 0;
    for (const TargetState& t : targets_) waiting += t.pending.size();
    // Wait for changes, or until the next retry is due.
    uint64_t all_taken = 0;
    std::vector<vault::ChangeFeed::Taken> changed =
        feed_->Take(vault::kMaxBatchChanges, waiting > 0 ? 50 : 500, &all_taken);
    for (const vault::ChangeFeed::Taken& c : changed) {
      for (TargetState& t : targets_) t.pending[c.subject] = c.outbox;
      if (c.outbox.empty()) continue;
      OutboxWait& wait = outbox_[c.subject];
      wait.intent = c.outbox;
      for (size_t i = 0; i < targets_.size(); ++i) wait.targets.insert(i);
    }
    for (size_t i = 0; i < targets_.size(); ++i) {
      if (stop_.load()) break;
      TargetState& t = targets_[i];
      if (t.pending.empty() || NowMs() < t.retry_at_ms) continue;
      Status st = ShipOne(i);
      if (!st.ok()) {
        t.retry_at_ms = NowMs() + retry_ms_;
        std::fprintf(stderr, "domicile: replication to %s: %s (retrying)\n", t.target.site.c_str(),
                     st.ToString().c_str());
      }
    }
    size_t backlog = 0;
    for (const TargetState& t : targets_) backlog += t.pending.size();
    backlog_.store(backlog);
    if (backlog == 0 && all_taken != 0) synced_marks_.store(all_taken);
  }
}

void ReplicationShipper::AddStatusRoute(Router& router) {
  router.Add("GET", "/replication/v1/status", [this](const HttpRequest&) {
    return HttpResponse::Json(200, nlohmann::json({{"caught_up", CaughtUp()},
                                                   {"batches_acknowledged", batches_acknowledged()},
                                                   {"backlog", backlog()}})
                                       .dump());
  });
}

}  // namespace domicile::server
