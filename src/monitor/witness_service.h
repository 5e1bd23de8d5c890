// The witness on the wire: tlog-witness routes on the server's router.
//   POST <prefix>/add-checkpoint          -> Witness::AddCheckpoint
//   GET  <prefix>/<origin hash>/checkpoint -> Witness::GetCheckpoint (monitoring prefix)
#ifndef DOMICILE_MONITOR_WITNESS_SERVICE_H_
#define DOMICILE_MONITOR_WITNESS_SERVICE_H_

#include <string>

#include "server/router.h"
#include "tlog/witness.h"

namespace domicile::monitor {

// `witness` must outlive the router. `prefix` is "" or "/something".
void AddWitnessRoutes(server::Router& router, tlog::Witness* witness, const std::string& prefix = "");

}  // namespace domicile::monitor

#endif  // DOMICILE_MONITOR_WITNESS_SERVICE_H_
