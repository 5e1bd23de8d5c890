// The enclave's side of the change stream (docs/sites.md): a background thread that
// takes the subjects a ChangeFeed saw change, reads their sealed state from the
// store, and ships signed batches to every backup target, retrying each
// target until it acknowledges. Nothing on that path can see plaintext or a KEK: it
// reads the Store only. A global target instead gets each subject's projection
// (vault/projection.h: interoperable values under a keyed pseudonym, computed by the
// unsealed vault) in batches sealed to its X25519 key. Appends and writes are never
// blocked by a slow or absent target.
// A deletion's outbox entry (vault/replication.h) is cleared once every target has
// acknowledged a shipment of the subject read after the deletion.
#ifndef DOMICILE_SERVER_REPLICATION_SHIPPER_H_
#define DOMICILE_SERVER_REPLICATION_SHIPPER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/router.h"
#include "vault/config.h"
#include "vault/projection.h"
#include "vault/replication.h"

namespace domicile::server {

inline constexpr std::string_view kReplicationBatchPath = "/replication/v1/batch";
inline constexpr std::string_view kReplicationExportPath = "/replication/v1/export";

struct PostReply {
  int status = 0;
  std::string content_type;
  std::string body;
};
// POSTs `body` to `path` on one remote site or witness (its base URL is bound in).
using PostFn =
    std::function<Result<PostReply>(std::string_view path, std::string_view body, std::string_view content_type)>;

class ReplicationShipper {
 public:
  struct Target {
    std::string site;
    vault::SiteRole role = vault::SiteRole::kBackup;
    PostFn post;
    std::string projection_key;  // a global target: its raw X25519 public key
  };
  // The projection of one subject (vault::ReadProjection over the enclave's vault).
  using ProjectFn = std::function<Result<vault::ProjectionChange>(std::string_view subject)>;
  // Marks every subject of the store changed (first shipment after a start is a full
  // copy) and starts the thread. `feed` must outlive the shipper. A `global` target
  // gets projections only (never the change stream: raw subject ids and wrapped
  // keys), so it needs its projection key and `project` (FailedPrecondition without).
  static Result<std::unique_ptr<ReplicationShipper>> Start(vault::ChangeFeed* feed, vault::VaultConfig config,
                                                            std::string signing_seed, std::vector<Target> targets,
                                                            int64_t retry_ms, ProjectFn project = nullptr);
  ~ReplicationShipper();  // Stop()
  void Stop();

  // Batches acknowledged by targets so far, and subjects still waiting for a target.
  uint64_t batches_acknowledged() const { return acknowledged_.load(); }
  size_t backlog() const { return backlog_.load(); }
  // True when every change the store has seen so far is acknowledged by every target.
  bool CaughtUp() const { return synced_marks_.load() == feed_->marks(); }

  // GET /replication/v1/status -> {"caught_up":…,"batches_acknowledged":…,"backlog":…}
  // (counts only, no subject ids). The shipper must outlive the router.
  void AddStatusRoute(Router& router);

 private:
  struct TargetState {
    Target target;
    // Subjects to ship -> the outbox intent they were taken with ("" if none).
    std::map<std::string, std::string> pending;  // touched by the thread only
    uint64_t next_seq = 1;
    int64_t retry_at_ms = 0;
  };
  // An outbox intent and the targets that have not yet acknowledged the subject
  // since it was taken.
  struct OutboxWait {
    std::string intent;
    std::set<size_t> targets;
  };
  ReplicationShipper(vault::ChangeFeed* feed, vault::VaultConfig config, std::string seed, int64_t retry_ms,
                     ProjectFn project);
  // The signed envelope of the next batch to `t` (taking up to kMaxBatchChanges of
  // its pending subjects, listed in `subjects`).
  Result<std::string> NextBatch(const TargetState& t, std::vector<std::pair<std::string, std::string>>& subjects);
  void Run();
  Status ShipOne(size_t target);
  // Target `target` acknowledged `subject` taken with outbox intent `intent`.
  void Acknowledged(size_t target, const std::string& subject, const std::string& intent);

  vault::ChangeFeed* const feed_;
  const vault::VaultConfig config_;
  const std::string seed_;  // secret
  const int64_t retry_ms_;
  const ProjectFn project_;
  std::vector<TargetState> targets_;  // owned by the thread after Start
  std::map<std::string, OutboxWait> outbox_;  // subject -> wait; owned by the thread
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> acknowledged_{0};
  std::atomic<size_t> backlog_{0};
  std::atomic<uint64_t> synced_marks_{0};  // feed marks() fully shipped
  std::thread thread_;
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_REPLICATION_SHIPPER_H_
