// The request context the gateway builds for every decision: where the request comes
// from (derived from the connection and the network map, never asserted by the
// client), and why (purpose and justification headers, validated). It becomes the
// Cedar `context` record and part of the audit entry.
#ifndef DOMICILE_GATEWAY_REQUEST_CONTEXT_H_
#define DOMICILE_GATEWAY_REQUEST_CONTEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cedar/ast.h"
#include "common/status.h"
#include "gateway/ip_address.h"
#include "gateway/network_map.h"

namespace domicile::gateway {

inline constexpr std::string_view kPurposeHeader = "Domicile-Purpose";
inline constexpr std::string_view kJustificationHeader = "Domicile-Justification";
inline constexpr size_t kMaxPurposeBytes = 64;
inline constexpr size_t kMaxJustificationBytes = 512;

struct RequestContext {
  std::string request_id;
  int64_t time_unix_micros = 0;
  IpAddress source_ip;
  std::string source_country;  // from the network map; kUnknownCountry if unmapped
  std::string purpose;         // empty when the header is absent
  std::string justification;   // empty when the header is absent

  // The Cedar context record as entities-JSON-style value:
  // {"source_ip":{"__extn":{"fn":"ip","arg":"…"}},"source_country":"US","purpose":"…",
  //  "justification":"…","time":<unix seconds>}
  std::string ToCedarContextJson() const;
  // The same record as a Cedar value, built directly (what ParseContextJson makes of
  // ToCedarContextJson() without a schema; tests compare the two).
  cedar::Value ToCedarContext() const;
};

// What the transport knows about a request, before any checking.
struct RequestInputs {
  std::string request_id;
  int64_t time_unix_micros = 0;
  IpAddress peer;                       // the TCP peer
  std::string_view x_forwarded_for;     // all X-Forwarded-For lines joined with ','
  std::string_view purpose_header;      // Domicile-Purpose, raw
  std::string_view justification_header;
};

// Where the gateway looks requesters up. Both maps outlive the builder's use.
struct Locator {
  const NetworkMap* network_map = nullptr;
  const NetworkMap* trusted_proxies = nullptr;  // may be null: no proxy is trusted
};

// Validates the headers (InvalidArgument with the reason) and derives the source.
Result<RequestContext> BuildRequestContext(const RequestInputs& inputs, const Locator& locator);

// Purpose: 1..64 of [a-z0-9._:-]. Justification: up to 512 printable ASCII bytes.
Status ValidatePurpose(std::string_view purpose);
Status ValidateJustification(std::string_view justification);

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_REQUEST_CONTEXT_H_
