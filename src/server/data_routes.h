// The data API routes of docs/openapi.yaml on the Router: authenticate and locate the
// requester (FrontDoor), then hand the request to the gateway's DataService, which
// decides, audits (before any data leaves) and reads or writes the vault. Status
// codes map to HTTP by HttpStatusFor (403 denied, 503 audit log or vault unavailable).
//
// Every /v1 request gets exactly one audit entry (two for a DELETE: the decision, then
// the shred receipt), refusals included: 401 with principal "unauthenticated", 400 for
// malformed input. Its log index is sent as `Domicile-Audit-Index`. If the entry cannot
// be appended, or does not become durable, the answer is 503 and carries no data. The
// answer is written only once the entry is durable: with `when_durable` set, without
// holding the worker thread meanwhile (many requests share one group commit).
#ifndef DOMICILE_SERVER_DATA_ROUTES_H_
#define DOMICILE_SERVER_DATA_ROUTES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "gateway/data_service.h"
#include "server/front_door.h"
#include "server/router.h"

namespace domicile::server {

inline constexpr std::string_view kAuditIndexHeader = "Domicile-Audit-Index";

// Runs `done` once the audit entry at `index` is durable, with OK, or with the log's
// error (DurabilityWaiter::WhenDurable).
using WhenDurable = std::function<void(uint64_t index, std::function<void(const Status&)> done)>;

// GET /v1/whoami; GET /v1/subjects/{id}/{collection}; PUT and DELETE /v1/subjects/{id};
// POST /v1/lookup; POST /v1/export (429 with Retry-After when limited). `service` must
// outlive the router. Without `when_durable` the worker thread waits for durability
// (DataService::WaitDurable).
void AddDataRoutes(Router& router, std::shared_ptr<const FrontDoor> front_door, gateway::DataService* service,
                   WhenDurable when_durable = nullptr);

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_DATA_ROUTES_H_
