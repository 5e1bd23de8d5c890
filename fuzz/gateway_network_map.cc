// Fuzzes the network map text format and the X-Forwarded-For walk. The first line of
// the input is used as an X-Forwarded-For value; the rest as a network map.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/network_map.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile::gateway;  // NOLINT
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string xff = input.substr(0, nl);
  auto map = NetworkMap::ParseText(nl == std::string::npos ? "" : input.substr(nl + 1), 10'000);
  NetworkMap proxies;
  (void)proxies.Add(*IpPrefix::Parse("10.0.0.0/8"), "PROXY");
  const IpAddress proxy = *IpAddress::Parse("10.1.2.3");
  auto client = ResolveClientAddress(proxy, xff, proxies);
  // From an untrusted peer the header must be ignored, whatever it holds.
  const IpAddress untrusted = *IpAddress::Parse("127.0.1.5");
  auto ignored = ResolveClientAddress(untrusted, xff, proxies);
  if (!ignored.ok() || !(*ignored == untrusted)) std::abort();
  if (map.ok() && client.ok()) (void)map->CountryOf(*client);
  (void)IpPrefix::Parse(xff);
  return 0;
}
