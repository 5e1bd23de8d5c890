#include "server/site_global.h"

#include <string>

#include "server/replication_shipper.h"
#include "server/site_backup.h"

namespace domicile::server {

void AddGlobalSiteRoutes(Router& router, const gateway::GatewayConfig& config, vault::ProjectionApplier* applier) {
  const std::string site = config.vault.site_id;
  const std::string rule = "residency.global-interoperable-only: site " + site;
  router.Add("POST", std::string(kReplicationBatchPath),
             [senders = config.replication.accept_from, key = config.replication.projection_private_key, site, rule,
              applier](const HttpRequest& req) {
               if (!vault::IsProjectionEnvelope(req.body)) {
                 // The change stream carries raw subject ids and wrapped keys: never
                 // applied at a global site, whoever signed it.
                 return HttpResponse::Error(403, "PERMISSION_DENIED",
                                            rule + " accepts interoperable projections only, not a change stream");
               }
               return ApplyFromAcceptedSender(
                   senders,
                   [&](const gateway::ReplicationSender& s) {
                     return vault::OpenProjectionBatch(req.body, s.public_key, key, s.site, site);
                   },
                   [applier](const vault::ProjectionBatch& batch) { return applier->Apply(batch); },
                   "replication: the projection batch is not signed by an enclave this site accepts, not sealed to "
                   "this site's projection key, or not addressed to it");
             });
  const std::string message = rule +
                              " serves only reads of interoperable projections (GET "
                              "/v1/subjects/{pseudonym}/{collection}); writes, deletions, lookups and exports belong "
                              "to the subject's home enclave";
  auto refuse = [message](const HttpRequest&) { return HttpResponse::Error(403, "PERMISSION_DENIED", message); };
  router.Add("PUT", "/v1/subjects/{id}", refuse);
  router.Add("DELETE", "/v1/subjects/{id}", refuse);
  router.Add("POST", "/v1/lookup", refuse);
  router.Add("POST", "/v1/export", refuse);
}

}  // namespace domicile::server
