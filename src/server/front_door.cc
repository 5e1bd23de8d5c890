#include "server/front_door.h"

#include <nlohmann/json.hpp>

#include "server/metrics.h"

namespace domicile::server {

Result<std::shared_ptr<const FrontDoor>> FrontDoor::Create(std::shared_ptr<const gateway::GatewayConfig> config,
                                                           Clock* clock) {
  if (config == nullptr || config->directory == nullptr) return InvalidArgumentError("front door needs a config");
  ASSIGN_OR_RETURN(gateway::JwtVerifier verifier, gateway::JwtVerifier::Create(config->auth, clock));
  gateway::Authenticator auth(std::move(verifier), config->directory);
  return std::shared_ptr<const FrontDoor>(new FrontDoor(std::move(config), std::move(auth), clock));
}

Result<gateway::RequestContext> FrontDoor::Context(const HttpRequest& request) const {
  if (request.HeaderCount(gateway::kPurposeHeader) > 1 || request.HeaderCount(gateway::kJustificationHeader) > 1) {
    return InvalidArgumentError("Domicile-Purpose and Domicile-Justification may each appear once");
  }
  const std::string forwarded = request.HeaderList("X-Forwarded-For");
  gateway::RequestInputs in;
  in.request_id = request.request_id;
  in.time_unix_micros = clock_->NowUnixMicros();
  in.peer = request.peer;
  in.x_forwarded_for = forwarded;
  in.purpose_header = request.Header(gateway::kPurposeHeader);
  in.justification_header = request.Header(gateway::kJustificationHeader);
  return gateway::BuildRequestContext(in, {&config_->network_map, &config_->trusted_proxies});
}

gateway::RequestContext FrontDoor::Locate(const HttpRequest& request) const {
  gateway::RequestContext context;
  context.request_id = request.request_id;
  context.time_unix_micros = clock_->NowUnixMicros();
  const std::string forwarded = request.HeaderList("X-Forwarded-For");
  context.source_ip = gateway::ResolveClientAddress(request.peer, forwarded, config_->trusted_proxies)
                          .value_or(request.peer);
  context.source_country = config_->network_map.CountryOf(context.source_ip);
  return context;
}

Result<gateway::Principal> FrontDoor::Authenticate(const HttpRequest& request) const {
  if (request.HeaderCount("Authorization") > 1) return UnauthenticatedError("more than one Authorization header");
  std::optional<std::string> cn;
  if (request.client_certificate.has_value() && !request.client_certificate->common_name.empty()) {
    cn = request.client_certificate->common_name;
  }
  return auth_.Authenticate(request.Header("Authorization"), cn);
}

void AddWhoAmIRoute(Router& router, std::shared_ptr<const FrontDoor> front_door) {
  router.Add("GET", "/v1/whoami", [front_door](const HttpRequest& request) {
    auto context = front_door->Context(request);
    if (!context.ok()) return HttpResponse::FromStatus(context.status());
    auto principal = front_door->Authenticate(request);
    if (!principal.ok()) return HttpResponse::FromStatus(principal.status());
    return HttpResponse::Json(200, WhoAmI(*principal, *context).dump());
  });
}

nlohmann::json WhoAmI(const gateway::Principal& principal, const gateway::RequestContext& context) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : principal.groups) groups.push_back(g.ToCedar());
  return {
      {"principal", principal.uid.ToCedar()},
      {"authenticated_by", principal.authenticated_by},
      {"work_country", principal.work_country},
      {"groups", groups},
      {"source_ip", context.source_ip.ToString()},
      {"source_country", context.source_country},
      {"purpose", context.purpose},
      {"request_id", context.request_id},
  };
}

void AddOperationalRoutes(Router& router, MetricsRegistry* metrics, std::function<Status()> ready) {
  router.Add("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::Json(200, R"({"status":"ok"})"); });
  router.Add("GET", "/readyz", [ready](const HttpRequest&) {
    Status st = ready ? ready() : Status::Ok();
    if (!st.ok()) return HttpResponse::Error(503, "UNAVAILABLE", st.message());
    return HttpResponse::Json(200, R"({"status":"ready"})");
  });
  router.Add("GET", "/metrics", [metrics](const HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics != nullptr ? metrics->Render() : "";
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  });
}

}  // namespace domicile::server
