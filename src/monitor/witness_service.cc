#include "monitor/witness_service.h"

namespace domicile::monitor {
namespace {

server::HttpResponse ToHttp(tlog::WitnessReply r) {
  server::HttpResponse out;
  out.status = r.status;
  out.content_type = std::move(r.content_type);
  out.body = std::move(r.body);
  return out;
}

}  // namespace

void AddWitnessRoutes(server::Router& router, tlog::Witness* witness, const std::string& prefix) {
  router.Add("POST", prefix + "/add-checkpoint",
             [witness](const server::HttpRequest& req) { return ToHttp(witness->AddCheckpoint(req.body)); });
  router.Add("GET", prefix + "/{origin_hash}/checkpoint", [witness](const server::HttpRequest& req) {
    return ToHttp(witness->GetCheckpoint(req.params.at("origin_hash")));
  });
}

}  // namespace domicile::monitor
