// The gateway assembled from its configuration: store, keyring and vault (unsealed),
// the audit log and its appender, Cedar policies and the directory, the DataService,
// every route, metrics, and the HTTP server. `domicile serve` is this plus signals;
// tests run it in-process on loopback with a temporary data directory.
#ifndef DOMICILE_SERVER_GATEWAY_APP_H_
#define DOMICILE_SERVER_GATEWAY_APP_H_

#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/file.h"
#include "common/status.h"
#include "gateway/config.h"
#include "server/replication_shipper.h"

namespace domicile::server {

struct GatewayAppOptions {
  // Holds the state named by relative paths in the config's store, keyring and log
  // sections. Created if absent.
  std::string data_dir = "domicile-data";
  std::optional<uint16_t> port;  // overrides `listen`'s port; 0 = any free port
  FileSystem* fs = nullptr;      // null: FileSystem::Default() (RocksDB uses the real one anyway)
  Clock* clock = nullptr;        // null: Clock::System()
  // Makes a POST function for another site's or a witness's base URL, verifying an
  // https:// peer with `tls` (the CLI passes an HTTP client). Required when the config
  // names replication targets or witnesses.
  std::function<Result<PostFn>(const std::string& base_url, const gateway::ClientTlsFiles& tls)> http_post;
};

class GatewayApp {
 public:
  // Opens everything and starts serving; on return requests are accepted (store open,
  // vault unsealed, log open). Multi-site (docs/sites.md): an enclave with replication
  // targets ships its change stream (projections to a global site) and submits
  // checkpoints to its witnesses; a backup site runs only the change-stream receiver
  // (no keyring, no vault) and refuses every /v1 request; a global site runs its own
  // vault and audit log, receives projections and serves only reads of them. An
  // enclave or global site whose root key file is absent (e.g. restored from a
  // backup) starts sealed: every data request fails closed until Unseal(). Creates
  // the audit log (and its key) if absent; creates the keyring and root key only for
  // the demo configuration (FailedPrecondition otherwise: the custodian makes them
  // with `domicile vault keygen`).
  static Result<std::unique_ptr<GatewayApp>> Start(const gateway::GatewayConfig& config, GatewayAppOptions options);
  ~GatewayApp();  // Shutdown()
  GatewayApp(const GatewayApp&) = delete;
  GatewayApp& operator=(const GatewayApp&) = delete;

  const std::string& host() const;
  uint16_t port() const;
  const std::string& log_dir() const;         // resolved
  const std::string& log_verifier_key() const;  // name+hash+base64 of the log key

  // OK when the vault is unsealed and the audit log can append; /readyz answers this.
  Status Ready() const;

  // Reads the root key file named by the config (the custodian has supplied it) and
  // unseals the vault. FailedPrecondition at a backup site.
  Status Unseal();

  // Stops accepting, lets in-flight requests finish (up to the drain timeout), then
  // closes the audit log (every acknowledged entry is durable). Idempotent; returns
  // the log's close status.
  Status Shutdown();

  struct Parts;

 private:
  explicit GatewayApp(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace domicile::server

#endif  // DOMICILE_SERVER_GATEWAY_APP_H_
