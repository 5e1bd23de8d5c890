// The routes particular to a `global` site (docs/sites.md, "Global sites"): the
// receiver of the enclaves' projection batches, and the refusal of every data API
// but reading a projection. A global site holds, per subject pseudonym P, only
// interoperable values; it serves them through the usual data routes (added after
// these: the first matching route wins), never writes, deletions, lookups or exports.
#ifndef DOMICILE_SERVER_SITE_GLOBAL_H_
#define DOMICILE_SERVER_SITE_GLOBAL_H_

#include "gateway/config.h"
#include "server/router.h"
#include "vault/projection.h"

namespace domicile::server {

// POST /replication/v1/batch (body: a projection envelope, vault/projection.h) ->
// 200 {"applied_seq":N}; 403 for a change-stream batch (whoever signed it), a batch
// not signed by an accepted enclave, not sealed to this site's projection key or
// addressed elsewhere, or holding a value that is not interoperable here; 400
// malformed; 503 while the vault is sealed (the enclave retries). A refused batch
// applies nothing (vault::ProjectionApplier checks every value first).
// PUT and DELETE /v1/subjects/{id}, POST /v1/lookup and /v1/export -> 403 naming
// residency.global-interoperable-only. `applier` must outlive the router.
void AddGlobalSiteRoutes(Router& router, const gateway::GatewayConfig& config, vault::ProjectionApplier* applier);

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_SITE_GLOBAL_H_
