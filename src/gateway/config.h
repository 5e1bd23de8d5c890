// The gateway configuration (YAML, docs/gateway.md "Configuration"): listener, TLS,
// identity providers, network map, trusted proxies, directory, policies, the vault
// (sites and classification, parsed by the vault's loader; the per-field `mask:` is
// the gateway's and is taken out first), store, keyring, audit log and limits.
// Loaded and validated once at start-up, then shared read-only.
// `DemoGatewayConfig()` is the configuration `domicile serve` runs with no flags.
#ifndef DOMICILE_GATEWAY_CONFIG_H_
#define DOMICILE_GATEWAY_CONFIG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/file.h"
#include "common/status.h"
#include "gateway/directory.h"
#include "gateway/jwt.h"
#include "gateway/masking.h"
#include "gateway/network_map.h"
#include "gateway/rate_limiter.h"
#include "vault/config.h"

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

// Paths in StoreConfig, KeyringConfig and LogConfig are state: relative ones resolve
// against the data directory (`domicile serve --data-dir`), not the config file.
struct StoreConfig {
  std::string backend = "rocksdb";  // rocksdb | postgres
  std::string path = "store";       // rocksdb: the database directory
  std::string conninfo;             // postgres: libpq connection string
};

struct KeyringConfig {
  std::string file = "keyring";            // made by `domicile vault keygen`
  std::string root_key_file = "root.key";  // the custodian's unseal material
};

struct LogConfig {
  std::string dir = "log";
  std::string key_file = "log.key";  // note private key; created with the log
  std::string origin;                // checkpoint origin; needed only to create the log
};

// Multi-site (docs/sites.md). An enclave ships its change stream to `targets`
// (sites of role backup or global), signing batches with its replication key; a
// backup or global site accepts batches from the enclaves in `accept_from`.
// How this site authenticates a peer it reaches over https:// (docs/sites.md): paths
// resolved against the config's directory; empty = the system trust store, no client
// certificate. All empty for http://.
struct ClientTlsFiles {
  std::string ca_file;      // PEM CA bundle the peer's certificate must chain to
  std::string client_cert;  // PEM chain presented when the peer verifies clients (mTLS)
  std::string client_key;   // its PEM private key
};

struct ReplicationTarget {
  std::string site;  // a site of the vault section with role backup or global
  std::string url;   // http[s]://host:port of that site's `domicile serve`
  std::string public_key;  // a global target: its raw 32-byte X25519 projection key
  ClientTlsFiles tls;
};
struct ReplicationSender {
  std::string site;        // an enclave site of the vault section
  std::string public_key;  // raw 32-byte Ed25519 key
};
struct ReplicationConfig {
  std::string signing_seed;  // raw 32-byte Ed25519 seed (signing_key_file: base64)
  std::vector<ReplicationTarget> targets;
  std::vector<ReplicationSender> accept_from;
  // At a global site: raw 32-byte X25519 key that opens projections (projection_key_file: base64).
  std::string projection_private_key;
  int64_t retry_ms = 500;  // wait after a failed shipment
};

// A witness the gateway submits every new checkpoint to (docs/monitor.md).
struct WitnessEndpoint {
  std::string url;           // submission prefix: POST <url>/add-checkpoint
  std::string verifier_key;  // the witness's cosigner key, "name+hash+base64"
  ClientTlsFiles tls;
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
  vault::VaultConfig vault;      // the `vault:` section without the `mask:` keys
  std::map<std::string, MaskKind, std::less<>> masks;  // "collection.field" -> mask
  StoreConfig store;
  KeyringConfig keyring;
  LogConfig log;
  std::string pseudonym_key;     // raw bytes, >= 32
  ReplicationConfig replication;
  std::vector<WitnessEndpoint> witnesses;
  // The embedded demo: a missing keyring and root key are created in the data directory
  // (a production keyring comes from the custodian's `domicile vault keygen`).
  bool demo = false;
};

// Parses YAML text; relative names of input files (directory, policies, network map,
// TLS, pseudonym key) resolve against `base_dir`, read through `fs`.
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
