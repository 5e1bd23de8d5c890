// The HTTP vocabulary handlers see: a request view (method, path, route parameters,
// headers, body, the TCP peer and the verified client certificate) and a response.
// Free of Boost.Beast so that handlers and the gateway pipeline stay independent of
// the transport. Error responses always carry a JSON body (docs/openapi.yaml, Error).
#ifndef DOMICILE_SERVER_HTTP_H_
#define DOMICILE_SERVER_HTTP_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "gateway/ip_address.h"

namespace domicile::server {

struct ClientCertificate {
  std::string subject;      // RFC 2253 text of the verified certificate's subject
  std::string common_name;  // its CN, "" if none
};

// Valid only during the handler call: views point into the connection's buffers.
struct HttpRequest {
  std::string_view method;  // "GET", …
  std::string_view target;  // as received, e.g. "/v1/subjects/u1/profile?fields=a"
  std::string_view path;    // target before '?'
  std::string_view query;   // target after '?', "" if none
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
  gateway::IpAddress peer;
  uint16_t peer_port = 0;
  std::optional<ClientCertificate> client_certificate;  // set only when TLS verified one
  std::string request_id;                               // assigned by the server
  std::map<std::string, std::string> params;            // route parameters, percent-decoded

  // The first value of a header (case-insensitive name), "" if absent.
  std::string_view Header(std::string_view name) const;
  // All values of a header joined with "," (as RFC 9110 §5.3 allows for lists).
  std::string HeaderList(std::string_view name) const;
  size_t HeaderCount(std::string_view name) const;
  // The value of one query parameter, percent-decoded; nullopt if absent or malformed.
  std::optional<std::string> QueryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static HttpResponse Json(int status, std::string body);
  // {"error":{"status":401,"code":"UNAUTHENTICATED","message":"…"}}
  static HttpResponse Error(int status, std::string_view code, std::string_view message);
  // Maps a Status to its HTTP status and an Error body. OK is a programmer error (500).
  static HttpResponse FromStatus(const Status& status);
};

// The HTTP status that answers a Status code (401, 403, 400, 404, 429, 503, …).
int HttpStatusFor(StatusCode code);

// Percent-decodes `text`; nullopt for malformed escapes. '+' is kept as is.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_HTTP_H_
