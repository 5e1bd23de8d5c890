#include "server/site_backup.h"

#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "server/replication_shipper.h"

namespace domicile::server {

void AddSiteReceiverRoutes(Router& router, const gateway::GatewayConfig& config, vault::BatchApplier* applier) {
  const std::string site = config.vault.site_id;
  const bool global = config.vault.site().role == vault::SiteRole::kGlobal;
  const std::string rule = global ? "residency.global-interoperable-only" : "residency.backup-sealed-only";
  router.Add("POST", std::string(kReplicationBatchPath),
             [senders = config.replication.accept_from, site, applier, global, rule](const HttpRequest& req) {
               if (global) {
                 // The change stream carries raw subject ids and wrapped keys: never
                 // applied at a global site, whoever signed it.
                 return HttpResponse::Error(403, "PERMISSION_DENIED",
                                            rule + ": site " + site +
                                                " accepts interoperable projections only, not a change stream");
               }
               // The batch is signed: the sender is whichever accepted enclave's key verifies it.
               for (const gateway::ReplicationSender& s : senders) {
                 Result<vault::ReplicationBatch> batch = vault::OpenBatch(req.body, s.public_key, s.site, site);
                 if (!batch.ok() && batch.status().code() == StatusCode::kPermissionDenied) continue;
                 if (!batch.ok()) return HttpResponse::FromStatus(batch.status());
                 Result<uint64_t> applied = applier->Apply(*batch);
                 if (!applied.ok()) return HttpResponse::FromStatus(applied.status());
                 return HttpResponse::Json(200, nlohmann::json({{"applied_seq", *applied}}).dump());
               }
               return HttpResponse::Error(403, "PERMISSION_DENIED",
                                          "replication: the batch is not signed by an enclave this site accepts");
             });
  if (!global) {
    router.Add("POST", std::string(kReplicationExportPath),
               [senders = config.replication.accept_from, site, applier](const HttpRequest& req) {
                 const int64_t now = Clock::System()->NowUnixMicros();
                 for (const gateway::ReplicationSender& s : senders) {
                   Result<vault::ExportRequest> asked = vault::OpenExportRequest(req.body, s.public_key, s.site, site,
                                                                                 now);
                   if (!asked.ok() && asked.status().code() == StatusCode::kPermissionDenied) continue;
                   if (!asked.ok()) return HttpResponse::FromStatus(asked.status());
                   Result<vault::ExportPage> page = vault::ReadExportPage(*applier->store(), asked->after);
                   if (!page.ok()) return HttpResponse::FromStatus(page.status());
                   return HttpResponse::Json(200, vault::EncodeExportPage(*page));
                 }
                 return HttpResponse::Error(403, "PERMISSION_DENIED",
                                            "replication: the export request is not signed by an enclave this site "
                                            "accepts, or not fresh");
               });
  }
  const std::string message =
      rule + ": site " + site +
      (global ? " serves no subject data yet" : " holds sealed data only and has no key to read it") +
      "; ask the subject's home enclave";
  for (const char* method : {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"}) {
    router.Add(method, "/v1/{rest...}",
               [message](const HttpRequest&) { return HttpResponse::Error(403, "PERMISSION_DENIED", message); });
  }
}

}  // namespace domicile::server
