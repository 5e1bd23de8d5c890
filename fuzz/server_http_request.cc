// Fuzzes HTTP/1.1 request parsing with the server's limits (Boost.Beast parser), then
// routes the parsed request through every data route of the demo configuration (front
// door, query strings, JSON bodies, DataService over an in-memory vault holding one
// subject, audit entries counted in memory).
// Invariant: parsing either fails (the server answers 4xx) or yields a response
// that is never a 5xx, and every /v1 response carries its audit index.
#include <cstdint>
#include <cstdlib>
#include <atomic>
#include <map>
#include <string>
#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20

#include <boost/beast/http.hpp>

#include "common/clock.h"
#include "crypto/keyring.h"
#include "fakes/mem_file_system.h"
#include "gateway/config.h"
#include "gateway/data_service.h"
#include "server/data_routes.h"
#include "server/front_door.h"
#include "server/router.h"
#include "store/memory/memory_store.h"
#include "vault/vault.h"

namespace {
namespace http = boost::beast::http;
using namespace domicile;  // NOLINT(google-build-using-namespace): fuzz glue

// Built once, never destroyed (the fuzzer process exits without tearing down).
struct Gateway {
  testing::MemFileSystem fs;
  std::unique_ptr<crypto::FileKeyring> keyring;
  std::unique_ptr<store::Store> store = store::NewMemoryStore();
  std::unique_ptr<vault::Vault> vault;
  cedar::PolicySet policies;
  cedar::Entities entities;
  gateway::ExportLimiter limiter{gateway::ExportLimits{}, Clock::System()};
  std::atomic<uint64_t> entries{0};
  std::unique_ptr<gateway::DataService> service;
  server::Router router;
};

const server::Router& TheRouter() {
  static Gateway* g = [] {
    auto* gw = new Gateway();
    auto config = gateway::DemoGatewayConfig().value();
    auto created = crypto::FileKeyring::Create(gw->fs, "/keyring", {"US"}, /*shred_buckets=*/2).value();
    gw->keyring = std::move(created.keyring);
    gw->vault = vault::Vault::Open(config.vault, gw->store.get(), gw->keyring.get(), Clock::System()).value();
    if (!gw->vault->Unseal(created.root_key).ok()) std::abort();
    if (!gw->vault->Put("u1", "US", {{"profile", {{"phone", "+1 415 555 0123"}, {"email", "a@example.org"}}}}).ok()) {
      std::abort();
    }
    gw->policies = cedar::PolicySet::Parse(config.policies_text).value();
    gw->entities = cedar::Entities::FromJson(config.directory->raw_json()).value();
    gateway::DataServiceDeps deps;
    deps.policies = &gw->policies;
    deps.directory = &gw->entities;
    deps.vault = gw->vault.get();
    deps.store = gw->store.get();
    deps.export_limiter = &gw->limiter;
    deps.audit = [gw](const gateway::AuditEntry&) -> Result<uint64_t> { return gw->entries++; };
    deps.pseudonym_key = config.pseudonym_key;
    deps.masks = config.masks;
    gw->service = std::make_unique<gateway::DataService>(std::move(deps));
    auto front = server::FrontDoor::Create(std::make_shared<const gateway::GatewayConfig>(std::move(config)),
                                           Clock::System());
    server::AddDataRoutes(gw->router, *front, gw->service.get());
    server::AddOperationalRoutes(gw->router, nullptr, nullptr);
    return gw;
  }();
  return g->router;
}
// "Bearer @ana" in an input becomes a fresh demo token for "ana", so that seeds reach
// the authenticated paths (a literal token would expire).
std::string WithTokens(std::string input) {
  static const std::map<std::string, std::string>* tokens = [] {
    auto* t = new std::map<std::string, std::string>();
    const gateway::Ed25519Jwk key = gateway::DemoIdentityProviderKey();
    for (const char* who : {"ana", "sam", "wei", "ingest"}) {
      (*t)[std::string("Bearer @") + who] =
          "Bearer " + gateway::IssueJwt({key.seed, key.key_id, std::string(gateway::kDemoIssuer), who,
                                         {std::string(gateway::kDemoAudience)},
                                         Clock::System()->NowUnixMicros() / 1'000'000, 86'000, 0})
                          .value();
    }
    return t;
  }();
  for (const auto& [marker, token] : *tokens) {
    size_t at = 0;
    while ((at = input.find(marker, at)) != std::string::npos) {
      const size_t end = at + marker.size();
      if (end < input.size() && input[end] != '\r') {  // "@anax" is not "@ana"
        at = end;
        continue;
      }
      input.replace(at, marker.size(), token);
      at += token.size();
    }
  }
  return input;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* raw_data, size_t raw_size) {
  const std::string input = WithTokens(std::string(reinterpret_cast<const char*>(raw_data), raw_size));
  const auto* data = reinterpret_cast<const uint8_t*>(input.data());
  const size_t size = input.size();
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  domicile::server::HttpRequest request;
  request.method = std::string_view(req.method_string().data(), req.method_string().size());
  request.target = std::string_view(req.target().data(), req.target().size());
  const size_t q = request.target.find('?');
  request.path = request.target.substr(0, q);
  request.query = q == std::string_view::npos ? std::string_view() : request.target.substr(q + 1);
  for (const auto& f : req) {
    request.headers.emplace_back(std::string_view(f.name_string().data(), f.name_string().size()),
                                 std::string_view(f.value().data(), f.value().size()));
  }
  request.body = req.body();
  // Half the inputs come from the US network, half from SG.
  request.peer = *domicile::gateway::IpAddress::Parse(size % 2 == 0 ? "127.0.0.5" : "127.0.1.5");
  request.request_id = "fuzz";
  std::string route;
  const domicile::server::HttpResponse response = TheRouter().Dispatch(request, &route);
  if (response.status >= 500) std::abort();
  if (request.path.starts_with("/v1/") && route != "unmatched") {
    bool indexed = false;
    for (const auto& [name, value] : response.headers) indexed = indexed || name == domicile::server::kAuditIndexHeader;
    if (!indexed) std::abort();
  }
  return 0;
}
