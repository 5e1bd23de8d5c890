// The gateway configuration (YAML, docs/gateway.md "Configuration"): listener, TLS,
// identity providers, network map, trusted proxies, directory, policies, the vault's
// sites and classification (kept as YAML text for the vault's loader), audit log and
// limits. Loaded and validated once at start-up, then shared read-only.
// `DemoGatewayConfig()` is the configuration `domicile serve` runs with no flags.
#ifndef DOMICILE_GATEWAY_CONFIG_H_
#define DOMICILE_GATEWAY_CONFIG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/file.h"
#include "common/status.h"
#include "gateway/directory.h"
#include "gateway/jwt.h"
#include "gateway/network_map.h"
#include "gateway/rate_limiter.h"

namespace domicile::gateway {

struct TlsConfig {
  bool enabled = false;
  std::string cert_file;        // PEM chain
  std::string key_file;         // PEM private key
  std::string client_ca_file;   // PEM; set = client certificates are verified (mTLS)
  bool require_client_cert = false;
};

struct ServerLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  int64_t read_timeout_ms = 10'000;
  int64_t write_timeout_ms = 10'000;
  int64_t drain_timeout_ms = 10'000;
};

struct GatewayConfig {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  int threads = 4;
  TlsConfig tls;
  ServerLimits limits;
  ExportLimits export_limits;

  JwtVerifierOptions auth;       // audience, leeway, identity providers
  NetworkMap network_map;
  NetworkMap trusted_proxies;    // countries are the placeholder "PROXY"
  std::shared_ptr<const Directory> directory;
  std::string policies_text;     // Cedar policy set, for the Cedar engineer's loader
  std::string vault_yaml;        // the `vault:` section verbatim (sites, classification)
  std::string log_dir;
  std::string log_key_file;
  std::string pseudonym_key;     // raw bytes, >= 32
  bool demo = false;
};

// Parses YAML text; relative file names resolve against `base_dir`, read through `fs`.
Result<GatewayConfig> ParseGatewayConfig(std::string_view yaml, const std::string& base_dir, FileSystem& fs);
Result<GatewayConfig> LoadGatewayConfigFile(const std::string& path, FileSystem& fs);

// The embedded demo: one US enclave site on RocksDB, a classification, a directory
// with a US trust-and-safety analyst, a support agent and an engineer abroad, demo
// policies, and a network map where 127.0.0.0/24 is US and 127.0.1.0/24 is SG.
// Its identity provider key is derived from a published seed: demo use only.
Result<GatewayConfig> DemoGatewayConfig();
std::string_view DemoGatewayConfigYaml();
// The demo identity provider's private key (JWK with "d"), for `domicile token issue --demo`.
Ed25519Jwk DemoIdentityProviderKey();
inline constexpr std::string_view kDemoIssuer = "https://idp.demo.domicile.invalid";
inline constexpr std::string_view kDemoAudience = "domicile-demo";

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_CONFIG_H_
