// IP addresses and CIDR prefixes as the gateway uses them to locate a requester.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are normalised to IPv4 so that a
// dual-stack listener and a v4 network map agree.
#ifndef DOMICILE_GATEWAY_IP_ADDRESS_H_
#define DOMICILE_GATEWAY_IP_ADDRESS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile::gateway {

class IpAddress {
 public:
  IpAddress() = default;
  // Accepts dotted-quad IPv4 and RFC 4291 IPv6 text (no zone ids, no brackets).
  static Result<IpAddress> Parse(std::string_view text);
  static IpAddress V4(uint32_t host_order);

  bool is_v4() const { return v4_; }
  // 32 for IPv4, 128 for IPv6.
  int bit_length() const { return v4_ ? 32 : 128; }
  // Network-order bytes; IPv4 uses the first 4.
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  // Canonical text: dotted quad, or RFC 5952 for IPv6.
  std::string ToString() const;
  // The address with all bits after the first `bits` cleared.
  IpAddress Masked(int bits) const;

  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.v4_ == b.v4_ && a.bytes_ == b.bytes_;
  }

 private:
  bool v4_ = true;
  std::array<uint8_t, 16> bytes_{};
};

struct IpPrefix {
  IpAddress network;  // INVARIANT: host bits are zero
  int length = 0;

  // "10.0.0.0/8", "2001:db8::/32"; a bare address is a full-length prefix.
  // Host bits set after the prefix are an error (they usually mean a typo).
  static Result<IpPrefix> Parse(std::string_view text);
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_IP_ADDRESS_H_
