#include "server/site_backup.h"

#include <nlohmann/json.hpp>
#include <string>

#include "common/clock.h"
#include "server/replication_shipper.h"

namespace domicile::server {

void AddSiteReceiverRoutes(Router& router, const gateway::GatewayConfig& config, vault::BatchApplier* applier) {
  const std::string site = config.vault.site_id;
  router.Add(
      "POST", std::string(kReplicationBatchPath),
      [senders = config.replication.accept_from, site, applier](const HttpRequest& req) {
        // The batch is signed: the sender is whichever accepted enclave's key verifies it.
        return ApplyFromAcceptedSender(
            senders,
            [&](const gateway::ReplicationSender& s) { return vault::OpenBatch(req.body, s.public_key, s.site, site); },
            [applier](const vault::ReplicationBatch& batch) { return applier->Apply(batch); },
            "replication: the batch is not signed by an enclave this site accepts");
      });
  router.Add("POST", std::string(kReplicationExportPath),
             [senders = config.replication.accept_from, site, applier](const HttpRequest& req) {
               const int64_t now = Clock::System()->NowUnixMicros();
               for (const gateway::ReplicationSender& s : senders) {
                 Result<vault::ExportRequest> asked =
                     vault::OpenExportRequest(req.body, s.public_key, s.site, site, now);
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
  const std::string message = "residency.backup-sealed-only: site " + site +
                              " holds sealed data only and has no key to read it; ask the subject's home enclave";
  for (const char* method : {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"}) {
    router.Add(method, "/v1/{rest...}",
               [message](const HttpRequest&) { return HttpResponse::Error(403, "PERMISSION_DENIED", message); });
  }
}

}  // namespace domicile::server
