#include "server/data_routes.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "gateway/api_body.h"

namespace domicile::server {
namespace {

// A request past the front door: located and authenticated.
struct Admitted {
  const HttpRequest& http;
  const gateway::RequestContext& context;
  const gateway::Principal& principal;
  gateway::AuditTrail& trail;
};
// Runs the operation; it appends the audit entry itself (through DataService).
using Operation = std::function<Result<HttpResponse>(const Admitted&)>;

HttpResponse Unavailable() {
  return HttpResponse::Error(503, "UNAVAILABLE", "audit log unavailable: the request was not served");
}

// The front door, the operation, and the audit guarantee: an entry for every outcome
// (a refusal entry when the operation did not write one), its index in the response
// headers, the answer sent only once that entry is durable, and 503 without a body
// from the operation if the entry could not be appended or made durable.
void Audited(const FrontDoor& front_door, gateway::DataService& service, const WhenDurable& when_durable,
             const HttpRequest& request, std::string_view action, std::string_view subject,
             const Operation& operation, Responder respond) {
  gateway::AuditTrail trail;
  Status failure;
  HttpResponse response;
  std::optional<gateway::Principal> principal;
  Result<gateway::RequestContext> context = front_door.Context(request);
  if (!context.ok()) {
    failure = context.status();
    context = front_door.Locate(request);
  } else if (Result<gateway::Principal> who = front_door.Authenticate(request); !who.ok()) {
    failure = who.status();
  } else {
    principal = std::move(who).value();
    Result<HttpResponse> done = operation({request, *context, *principal, trail});
    if (done.ok()) {
      response = std::move(done).value();
    } else {
      failure = done.status();
    }
  }
  if (failure.ok() && !trail.attempted) failure = InternalError("operation answered without an audit entry");
  if (!failure.ok()) response = HttpResponse::FromStatus(failure);
  if (!trail.attempted) {
    service.RecordRefusal(principal ? &*principal : nullptr, *context, action, subject, failure, response.status,
                          trail);
  }
  if (!trail.index.has_value()) return respond(Unavailable());
  response.headers.emplace_back(std::string(kAuditIndexHeader), std::to_string(*trail.index));
  if (trail.retry_after_seconds.has_value()) {
    response.headers.emplace_back("Retry-After", std::to_string(*trail.retry_after_seconds));
  }
  if (trail.durable) return respond(std::move(response));
  if (!when_durable) {
    const Status durable = service.WaitDurable(*trail.index);
    return respond(durable.ok() ? std::move(response) : Unavailable());
  }
  when_durable(*trail.index, [response = std::move(response), respond = std::move(respond)](const Status& durable) {
    respond(durable.ok() ? std::move(response) : Unavailable());
  });
}

}  // namespace

void AddDataRoutes(Router& router, std::shared_ptr<const FrontDoor> front_door, gateway::DataService* service,
                   WhenDurable when_durable) {
  // A route logged as `action` about the subject `subject_of` names (null: none).
  using SubjectOf = std::string_view (*)(const HttpRequest&);
  auto add = [&](std::string method, std::string pattern, std::string action, SubjectOf subject_of,
                 Operation operation) {
    router.AddAsync(std::move(method), std::move(pattern),
                    [front_door, service, when_durable, action = std::move(action), subject_of,
                     operation = std::move(operation)](const HttpRequest& request, Responder respond) {
                      Audited(*front_door, *service, when_durable, request, action,
                              subject_of != nullptr ? subject_of(request) : std::string_view(), operation,
                              std::move(respond));
                    });
  };
  const SubjectOf id = [](const HttpRequest& request) -> std::string_view { return request.params.at("id"); };

  add("GET", "/v1/whoami", "whoami", nullptr, [service](const Admitted& a) -> Result<HttpResponse> {
    RETURN_IF_ERROR(service->RecordWhoAmI(a.principal, a.context, a.trail));
    return HttpResponse::Json(200, WhoAmI(a.principal, a.context).dump());
  });
  add("GET", "/v1/subjects/{id}/{collection}", "read", id, [service](const Admitted& a) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(std::vector<std::string> fields, gateway::ParseFieldList(a.http.QueryParam("fields").value_or("")));
    ASSIGN_OR_RETURN(gateway::ReadResult read,
                     service->Read(a.principal, a.context,
                                   {a.http.params.at("id"), a.http.params.at("collection"), std::move(fields)}, a.trail));
    return HttpResponse::Json(200, read.body.dump());
  });
  add("PUT", "/v1/subjects/{id}", "write", id, [service](const Admitted& a) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(gateway::SubjectWrite write, gateway::ParseSubjectWrite(a.http.body));
    ASSIGN_OR_RETURN(gateway::AuditEntry written,
                     service->Write(a.principal, a.context, a.http.params.at("id"), write, a.trail));
    return HttpResponse::Json(200, nlohmann::json{{"written", written.fields.size()}}.dump());
  });
  add("DELETE", "/v1/subjects/{id}", "delete", id, [service](const Admitted& a) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(gateway::DeleteResult deleted,
                     service->Delete(a.principal, a.context, a.http.params.at("id"), a.trail));
    nlohmann::json body = {{"deleted", true},
                           {"audit_index", *a.trail.index},
                           {"receipt_audit_index", deleted.receipt_index},
                           {"receipt", nlohmann::json::parse(deleted.receipt.ToJson())}};
    return HttpResponse::Json(200, body.dump());
  });
  add("POST", "/v1/lookup", "search", nullptr, [service](const Admitted& a) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(gateway::LookupRequest lookup, gateway::ParseLookupRequest(a.http.body));
    ASSIGN_OR_RETURN(gateway::LookupResult found, service->Lookup(a.principal, a.context, lookup, a.trail));
    return HttpResponse::Json(200, nlohmann::json{{"subjects", found.subjects}}.dump());
  });
  add("POST", "/v1/export", "export", nullptr, [service](const Admitted& a) -> Result<HttpResponse> {
    ASSIGN_OR_RETURN(gateway::ExportRequest page, gateway::ParseExportRequest(a.http.body));
    ASSIGN_OR_RETURN(gateway::ExportResult exported, service->Export(a.principal, a.context, page, a.trail));
    return HttpResponse::Json(200, exported.body.dump());
  });
}

}  // namespace domicile::server
