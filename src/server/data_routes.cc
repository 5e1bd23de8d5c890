#include "server/data_routes.h"

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "gateway/api_body.h"

namespace domicile::server {

void AddDataRoutes(Router& router, std::shared_ptr<const FrontDoor> front_door, gateway::DataService* service) {
  router.Add("GET", "/v1/subjects/{id}/{collection}", [front_door, service](const HttpRequest& request) {
    Result<gateway::RequestContext> context = front_door->Context(request);
    if (!context.ok()) return HttpResponse::FromStatus(context.status());
    Result<gateway::Principal> principal = front_door->Authenticate(request);
    if (!principal.ok()) return HttpResponse::FromStatus(principal.status());
    const std::optional<std::string> fields_param = request.QueryParam("fields");
    Result<std::vector<std::string>> fields = gateway::ParseFieldList(fields_param.value_or(""));
    if (!fields.ok()) return HttpResponse::FromStatus(fields.status());
    Result<gateway::ReadResult> read = service->Read(
        *principal, *context, {request.params.at("id"), request.params.at("collection"), std::move(fields).value()});
    if (!read.ok()) return HttpResponse::FromStatus(read.status());
    return HttpResponse::Json(200, read->body.dump());
  });
  router.Add("PUT", "/v1/subjects/{id}", [front_door, service](const HttpRequest& request) {
    Result<gateway::RequestContext> context = front_door->Context(request);
    if (!context.ok()) return HttpResponse::FromStatus(context.status());
    Result<gateway::Principal> principal = front_door->Authenticate(request);
    if (!principal.ok()) return HttpResponse::FromStatus(principal.status());
    Result<gateway::SubjectWrite> write = gateway::ParseSubjectWrite(request.body);
    if (!write.ok()) return HttpResponse::FromStatus(write.status());
    Result<gateway::AuditEntry> written = service->Write(*principal, *context, request.params.at("id"), *write);
    if (!written.ok()) return HttpResponse::FromStatus(written.status());
    return HttpResponse::Json(200, nlohmann::json{{"written", written->fields.size()}}.dump());
  });
}

}  // namespace domicile::server
