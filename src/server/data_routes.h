// The data API routes of docs/openapi.yaml on the Router: authenticate and locate the
// requester (FrontDoor), then hand the request to the gateway's DataService, which
// decides, audits (before any data leaves) and reads or writes the vault. Status
// codes map to HTTP by HttpStatusFor (403 denied, 503 audit log or vault unavailable).
// Wired so far: GET /v1/subjects/{id}/{collection}, PUT /v1/subjects/{id}.
#ifndef DOMICILE_SERVER_DATA_ROUTES_H_
#define DOMICILE_SERVER_DATA_ROUTES_H_

#include <memory>

#include "gateway/data_service.h"
#include "server/front_door.h"
#include "server/router.h"

namespace domicile::server {

// `service` must outlive the router.
void AddDataRoutes(Router& router, std::shared_ptr<const FrontDoor> front_door, gateway::DataService* service);

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_DATA_ROUTES_H_
