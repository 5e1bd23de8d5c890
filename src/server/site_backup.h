// The routes of a `backup` site: the receiver of the enclaves' change
// stream, and a refusal of every data API. A backup holds sealed values and wrapped
// data keys only and has no KEK, so it can never answer a read; it says so with the
// rule's name (residency.backup-sealed-only) instead of pretending data is absent.
#ifndef DOMICILE_SERVER_SITE_BACKUP_H_
#define DOMICILE_SERVER_SITE_BACKUP_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/config.h"
#include "server/router.h"
#include "vault/replication.h"

namespace domicile::server {

// The answer to a batch signed by one of `senders` (backup and global receivers):
// `open(sender)` verifies and parses it (PermissionDenied: not that sender's, try the
// next; any other error is the answer), `apply(batch)` applies it -> 200
// {"applied_seq":N}. No sender's key verifies it: 403 with `refusal`.
template <typename OpenFn, typename ApplyFn>
HttpResponse ApplyFromAcceptedSender(const std::vector<gateway::ReplicationSender>& senders, OpenFn open,
                                     ApplyFn apply, const std::string& refusal) {
  for (const gateway::ReplicationSender& s : senders) {
    auto batch = open(s);
    if (!batch.ok() && batch.status().code() == StatusCode::kPermissionDenied) continue;
    if (!batch.ok()) return HttpResponse::FromStatus(batch.status());
    Result<uint64_t> applied = apply(*batch);
    if (!applied.ok()) return HttpResponse::FromStatus(applied.status());
    return HttpResponse::Json(200, nlohmann::json({{"applied_seq", *applied}}).dump());
  }
  return HttpResponse::Error(403, "PERMISSION_DENIED", refusal);
}

// POST /replication/v1/batch (body: the signed envelope) -> 200 {"applied_seq":N};
// 403 not signed by an accepted enclave (or not addressed to this site), 400
// malformed batch (nothing applied). Every method on /v1/... -> 403.
// POST /replication/v1/export (body: an export request signed by an
// accepted enclave, vault/replication.h) -> 200 one page of the backup's state, for
// `domicile site restore --from-url`; 403 unsigned, stale or addressed elsewhere.
// `applier` must outlive the router.
void AddSiteReceiverRoutes(Router& router, const gateway::GatewayConfig& config, vault::BatchApplier* applier);

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_SITE_BACKUP_H_
