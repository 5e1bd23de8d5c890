#include "gateway/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace domicile::gateway {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

Result<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; longer input is never an address.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) {
    return InvalidArgumentError("not an IP address");
  }
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress out;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, out.bytes_.data()) != 1) {
      return InvalidArgumentError("not an IPv4 address");
    }
    out.v4_ = true;
    return out;
  }
  std::array<uint8_t, 16> raw{};
  if (inet_pton(AF_INET6, buf, raw.data()) != 1) return InvalidArgumentError("not an IPv6 address");
  if (std::memcmp(raw.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0) {
    out.v4_ = true;
    std::memcpy(out.bytes_.data(), raw.data() + 12, 4);
    return out;
  }
  out.v4_ = false;
  out.bytes_ = raw;
  return out;
}

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress out;
  out.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  out.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  out.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  out.bytes_[3] = static_cast<uint8_t>(host_order);
  return out;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(v4_ ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf) == nullptr) return "?";
  return buf;
}

IpAddress IpAddress::Masked(int bits) const {
  IpAddress out = *this;
  const int total = bit_length();
  for (int i = 0; i < total / 8; ++i) {
    const int keep = bits - i * 8;
    if (keep >= 8) continue;
    out.bytes_[i] &= keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
  }
  return out;
}

Result<IpPrefix> IpPrefix::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  ASSIGN_OR_RETURN(IpAddress address, IpAddress::Parse(text.substr(0, slash)));
  // A v4-mapped v6 prefix would need its length shifted; refuse rather than guess.
  if (address.is_v4() && text.substr(0, slash).find(':') != std::string_view::npos) {
    return InvalidArgumentError("IPv4-mapped IPv6 prefixes are not supported; write the IPv4 prefix");
  }
  int length = address.bit_length();
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
      return InvalidArgumentError("bad prefix length in '" + std::string(text) + "'");
    }
    length = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return InvalidArgumentError("bad prefix length in '" + std::string(text) + "'");
      length = length * 10 + (c - '0');
    }
    if (length > address.bit_length()) {
      return InvalidArgumentError("prefix length too long in '" + std::string(text) + "'");
    }
  }
  if (!(address.Masked(length) == address)) {
    return InvalidArgumentError("host bits set in prefix '" + std::string(text) + "'");
  }
  return IpPrefix{address, length};
}

bool IpPrefix::Contains(const IpAddress& address) const {
  return address.is_v4() == network.is_v4() && address.Masked(length) == network;
}

std::string IpPrefix::ToString() const { return network.ToString() + "/" + std::to_string(length); }

}  // namespace domicile::gateway
