#include "gateway/network_map.h"

#include <algorithm>

namespace domicile::gateway {
namespace {

std::string KeyOf(const IpAddress& masked) {
  return std::string(reinterpret_cast<const char*>(masked.bytes().data()), masked.is_v4() ? 4 : 16);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsJurisdictionCode(std::string_view country) {
  if (country.size() < 2 || country.size() > 8) return false;
  return std::all_of(country.begin(), country.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

Status NetworkMap::Add(const IpPrefix& prefix, std::string_view country) {
  if (!IsJurisdictionCode(country)) {
    return InvalidArgumentError("bad country code '" + std::string(country.substr(0, 16)) + "'");
  }
  const bool v4 = prefix.network.is_v4();
  auto it = std::find_if(tables_.begin(), tables_.end(),
                         [&](const Table& t) { return t.v4 == v4 && t.length == prefix.length; });
  if (it == tables_.end()) {
    tables_.push_back(Table{v4, prefix.length, {}});
    std::sort(tables_.begin(), tables_.end(),
              [](const Table& a, const Table& b) { return a.length > b.length; });
    it = std::find_if(tables_.begin(), tables_.end(),
                      [&](const Table& t) { return t.v4 == v4 && t.length == prefix.length; });
  }
  if (!it->entries.emplace(KeyOf(prefix.network), std::string(country)).second) {
    return AlreadyExistsError("prefix " + prefix.ToString() + " listed twice");
  }
  ++size_;
  return Status::Ok();
}

std::optional<std::string> NetworkMap::Lookup(const IpAddress& address) const {
  for (const Table& table : tables_) {
    if (table.v4 != address.is_v4()) continue;
    auto it = table.entries.find(KeyOf(address.Masked(table.length)));
    if (it != table.entries.end()) return it->second;
  }
  return std::nullopt;
}

std::string NetworkMap::CountryOf(const IpAddress& address) const {
  return Lookup(address).value_or(std::string(kUnknownCountry));
}

Result<NetworkMap> NetworkMap::ParseText(std::string_view text, size_t max_entries) {
  NetworkMap map;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    const size_t sep = line.find_first_of(" \t");
    if (sep == std::string_view::npos) {
      return InvalidArgumentError("network map line " + std::to_string(line_no) + ": want 'CIDR COUNTRY'");
    }
    auto prefix = IpPrefix::Parse(line.substr(0, sep));
    if (!prefix.ok()) return prefix.status().Annotate("network map line " + std::to_string(line_no));
    if (map.size() >= max_entries) return ResourceExhaustedError("network map has too many entries");
    Status st = map.Add(*prefix, Trim(line.substr(sep)));
    if (!st.ok()) return st.Annotate("network map line " + std::to_string(line_no));
  }
  return map;
}

Result<IpAddress> ResolveClientAddress(const IpAddress& peer, std::string_view x_forwarded_for,
                                       const NetworkMap& trusted_proxies) {
  if (!trusted_proxies.Contains(peer)) return peer;
  IpAddress client = peer;
  while (true) {
    std::string_view rest = Trim(x_forwarded_for);
    if (rest.empty()) return client;  // every hop was a trusted proxy
    const size_t comma = rest.rfind(',');
    std::string_view hop = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    x_forwarded_for = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    auto address = IpAddress::Parse(hop);
    if (!address.ok()) return InvalidArgumentError("malformed X-Forwarded-For from a trusted proxy");
    client = *address;
    if (!trusted_proxies.Contains(client)) return client;
  }
}

}  // namespace domicile::gateway
