// Where a request comes from: the network map (CIDR prefix -> jurisdiction, longest
// prefix wins) and the trusted-proxy rule for X-Forwarded-For. Location is derived
// from the connection, never asserted by the client: a header can only name the
// client when the direct peer is a configured trusted proxy.
#ifndef DOMICILE_GATEWAY_NETWORK_MAP_H_
#define DOMICILE_GATEWAY_NETWORK_MAP_H_

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "gateway/ip_address.h"

namespace domicile::gateway {

// The country given to addresses no prefix covers ("ZZ": unknown, ISO 3166 user-assigned).
inline constexpr std::string_view kUnknownCountry = "ZZ";

// Immutable after construction; safe for concurrent lookups.
class NetworkMap {
 public:
  // Adds a prefix; the same prefix twice is an error. `country` must be an
  // ISO 3166-1 alpha-2 code (two upper-case letters) or a named group such as EU.
  Status Add(const IpPrefix& prefix, std::string_view country);

  // The country of the longest prefix containing `address`, if any.
  std::optional<std::string> Lookup(const IpAddress& address) const;
  // Lookup() or kUnknownCountry.
  std::string CountryOf(const IpAddress& address) const;
  bool Contains(const IpAddress& address) const { return Lookup(address).has_value(); }
  size_t size() const { return size_; }

  // Text format: one "CIDR COUNTRY" pair per line; blank lines and '#' comments
  // ignored. See docs/gateway.md. At most `max_entries` lines of data.
  static Result<NetworkMap> ParseText(std::string_view text, size_t max_entries = 1'000'000);

 private:
  // One table per (family, prefix length); key = masked address bytes.
  struct Table {
    bool v4;
    int length;
    std::unordered_map<std::string, std::string> entries;
  };
  std::vector<Table> tables_;  // sorted by length, longest first
  size_t size_ = 0;
};

// Whether `country` is an acceptable jurisdiction code: 2-8 upper-case ASCII letters.
bool IsJurisdictionCode(std::string_view country);

// The client address of a request. When `peer` is in `trusted_proxies`, walks the
// X-Forwarded-For list (all header lines joined with ',') from the right and returns
// the first address that is not a trusted proxy; otherwise returns `peer` and the
// header is ignored. A malformed entry that would be needed is an error (fail closed).
Result<IpAddress> ResolveClientAddress(const IpAddress& peer, std::string_view x_forwarded_for,
                                       const NetworkMap& trusted_proxies);

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_NETWORK_MAP_H_
