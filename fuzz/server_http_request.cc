// Fuzzes HTTP/1.1 request parsing with the server's limits (Boost.Beast parser), then
// routes the parsed request through the front door of the demo configuration.
// Invariant: parsing either fails (the server answers 4xx) or yields a response
// that is never a 5xx.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>  // before Boost.Asio 1.74, which needs std::exchange under C++20

#include <boost/beast/http.hpp>

#include "common/clock.h"
#include "gateway/config.h"
#include "server/front_door.h"
#include "server/router.h"

namespace {
namespace http = boost::beast::http;

const domicile::server::Router& TheRouter() {
  static const domicile::server::Router* router = [] {
    auto config = domicile::gateway::DemoGatewayConfig();
    auto front = domicile::server::FrontDoor::Create(
        std::make_shared<const domicile::gateway::GatewayConfig>(std::move(*config)), domicile::Clock::System());
    auto* r = new domicile::server::Router();
    domicile::server::AddWhoAmIRoute(*r, *front);
    domicile::server::AddOperationalRoutes(*r, nullptr, nullptr);
    return r;
  }();
  return *router;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
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
  request.peer = *domicile::gateway::IpAddress::Parse("127.0.1.5");
  request.request_id = "fuzz";
  std::string route;
  const domicile::server::HttpResponse response = TheRouter().Dispatch(request, &route);
  if (response.status >= 500) std::abort();
  return 0;
}
