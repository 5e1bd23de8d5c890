// The first steps of the request pipeline, shared by every API route: derive the
// request context from the connection (source IP and country via the network map and
// the trusted-proxy rule; purpose and justification headers) and authenticate the
// requester (bearer JWT or verified client certificate -> directory principal).
// Routes that read data then authorize per field, append the audit entry and mask.
#ifndef DOMICILE_SERVER_FRONT_DOOR_H_
#define DOMICILE_SERVER_FRONT_DOOR_H_

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/status.h"
#include "gateway/authenticator.h"
#include "gateway/config.h"
#include "gateway/request_context.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/router.h"

namespace domicile::server {

// Immutable after Create(); shared by all worker threads.
class FrontDoor {
 public:
  // `config` and `clock` must outlive the FrontDoor.
  static Result<std::shared_ptr<const FrontDoor>> Create(std::shared_ptr<const gateway::GatewayConfig> config,
                                                         Clock* clock);

  // Never depends on a header for the location (X-Forwarded-For only from a trusted
  // proxy). InvalidArgument for bad or repeated Domicile-* headers.
  Result<gateway::RequestContext> Context(const HttpRequest& request) const;
  // For the audit entry of a request whose Context() failed: the source as far as it
  // can be derived (the peer when X-Forwarded-For is unusable), no purpose.
  gateway::RequestContext Locate(const HttpRequest& request) const;
  // Unauthenticated unless exactly one Authorization header (or none, with a verified
  // client certificate) names a directory principal.
  Result<gateway::Principal> Authenticate(const HttpRequest& request) const;

  const gateway::GatewayConfig& config() const { return *config_; }

 private:
  FrontDoor(std::shared_ptr<const gateway::GatewayConfig> config, gateway::Authenticator auth, Clock* clock)
      : config_(std::move(config)), auth_(std::move(auth)), clock_(clock) {}
  std::shared_ptr<const gateway::GatewayConfig> config_;
  gateway::Authenticator auth_;
  Clock* clock_;
};

// The body of GET /v1/whoami.
nlohmann::json WhoAmI(const gateway::Principal& principal, const gateway::RequestContext& context);

// GET /v1/whoami (unaudited; the gateway serves the audited one from data_routes.h): the authenticated principal and the derived request context, as the
// gateway sees them (no personal data of subjects). Lets operators and tests check
// authentication and location end to end.
void AddWhoAmIRoute(Router& router, std::shared_ptr<const FrontDoor> front_door);

// GET /healthz (process is up), GET /readyz (`ready` returns OK, else 503 with the
// reason), GET /metrics (Prometheus text). `metrics` must outlive the router.
void AddOperationalRoutes(Router& router, MetricsRegistry* metrics, std::function<Status()> ready);

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_FRONT_DOOR_H_
