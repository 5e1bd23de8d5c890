#include "server/gateway_app.h"

#include <atomic>
#include <mutex>
#include <utility>

#include "cedar/cedar.h"
#include "common/secret_file.h"
#include "crypto/keyring.h"
#include "gateway/data_service.h"
#include "server/data_routes.h"
#include "server/durability_waiter.h"
#include "server/front_door.h"
#include "server/http_server.h"
#include "server/log_publication.h"
#include "server/metrics.h"
#include "server/site_backup.h"
#include "server/site_global.h"
#include "server/site_witnessing.h"
#include "store/postgres/postgres_store.h"
#include "store/rocksdb/rocksdb_store.h"
#include "tlog/appender.h"
#include "tlog/note.h"
#include "vault/projection.h"
#include "vault/replication.h"
#include "vault/vault.h"

namespace domicile::server {

// Declared in dependency order: destroyed in reverse, the HTTP server first.
struct GatewayApp::Parts {
  FileSystem* fs = nullptr;
  Clock* clock = nullptr;
  std::string host;
  std::string log_dir;
  std::string log_vkey;
  std::unique_ptr<crypto::FileKeyring> keyring;
  std::unique_ptr<store::Store> store;
  std::string root_key_path;
  std::unique_ptr<vault::ChangeFeed> feed;                // enclave with replication targets
  std::unique_ptr<vault::BatchApplier> applier;           // backup site
  std::unique_ptr<vault::Vault> vault;                    // enclave and global site
  std::unique_ptr<vault::ProjectionApplier> projections;  // global site
  std::unique_ptr<tlog::Appender> appender;
  cedar::PolicySet policies;
  cedar::Entities entities;
  MetricsRegistry metrics;
  Counter* decisions = nullptr;
  Histogram* append_seconds = nullptr;
  // Set when an append fails for a reason other than the entry itself: the appender
  // refuses everything after a failed commit, so the gateway is no longer ready.
  std::atomic<bool> audit_broken{false};
  std::unique_ptr<gateway::ExportLimiter> export_limiter;
  std::unique_ptr<gateway::DataService> service;
  // Answers waiting for their audit entries; stopped (every callback run) right after
  // the HTTP server drained and before the appender closes.
  std::unique_ptr<DurabilityWaiter> waiter;
  std::unique_ptr<ReplicationShipper> shipper;
  std::unique_ptr<CheckpointWitnessing> witnessing;
  std::unique_ptr<HttpServer> http;
  std::mutex shutdown_mu;
  bool shut_down = false;  // guarded by shutdown_mu
  Status close_status;     // guarded by shutdown_mu
};

namespace {

std::string Resolve(const std::string& data_dir, const std::string& path) {
  return !path.empty() && path.front() == '/' ? path : JoinPath(data_dir, path);
}

std::string TrimLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Opens the keyring and returns its root key ("" when the root key file is absent:
// the vault stays sealed). Only the demo creates a missing keyring.
Result<std::string> OpenKeyring(const gateway::GatewayConfig& config, const std::string& data_dir, FileSystem& fs,
                                std::unique_ptr<crypto::FileKeyring>* keyring) {
  const std::string path = Resolve(data_dir, config.keyring.file);
  const std::string root_path = Resolve(data_dir, config.keyring.root_key_file);
  ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) {
    if (!config.demo) {
      return FailedPreconditionError("no keyring at " + path +
                                     ": the custodian creates it with `domicile vault keygen`");
    }
    ASSIGN_OR_RETURN(crypto::FileKeyring::Created created,
                     crypto::FileKeyring::Create(fs, path, {config.vault.site().jurisdiction}));
    RETURN_IF_ERROR(AtomicWriteSecretFile(fs, root_path, crypto::FormatRootKeyFile(created.root_key)));
    *keyring = std::move(created.keyring);
    return created.root_key;
  }
  ASSIGN_OR_RETURN(*keyring, crypto::FileKeyring::Open(fs, path));
  ASSIGN_OR_RETURN(bool have_root, fs.Exists(root_path));
  if (!have_root) return std::string();
  Result<std::string> text = fs.ReadFile(root_path);
  if (!text.ok()) return text.status().Annotate("root key file " + root_path);
  return crypto::ParseRootKeyFile(*text);
}

Result<std::unique_ptr<store::Store>> OpenStore(const gateway::StoreConfig& config, const std::string& data_dir) {
  if (config.backend == "postgres") return store::OpenPostgresStore({.conninfo = config.conninfo});
  return store::OpenRocksDbStore(Resolve(data_dir, config.path));
}

// Opens the audit log, creating it (and its key) if the directory holds no checkpoint.
Status OpenLog(const gateway::GatewayConfig& config, const std::string& data_dir, FileSystem& fs,
               GatewayApp::Parts& parts) {
  parts.log_dir = Resolve(data_dir, config.log.dir);
  const std::string key_path = Resolve(data_dir, config.log.key_file);
  ASSIGN_OR_RETURN(bool have_log, fs.Exists(JoinPath(parts.log_dir, "checkpoint")));
  ASSIGN_OR_RETURN(bool have_key, fs.Exists(key_path));
  std::string skey;
  if (have_key) {
    Result<std::string> text = fs.ReadFile(key_path);
    if (!text.ok()) return text.status().Annotate("log key file " + key_path);
    skey = TrimLine(*text);
  } else if (have_log) {
    return FailedPreconditionError("the audit log " + parts.log_dir + " exists but its key " + key_path + " does not");
  } else {
    if (config.log.origin.empty()) return InvalidArgumentError("log.origin is required to create the audit log");
    ASSIGN_OR_RETURN(tlog::NoteKeyPair pair, tlog::GenerateNoteKey(config.log.origin));
    RETURN_IF_ERROR(AtomicWriteSecretFile(fs, key_path, pair.private_key + "\n"));
    skey = pair.private_key;
  }
  if (!have_log) {
    if (config.log.origin.empty()) return InvalidArgumentError("log.origin is required to create the audit log");
    RETURN_IF_ERROR(fs.CreateDirs(parts.log_dir));
    RETURN_IF_ERROR(tlog::CreateLog(fs, parts.log_dir, config.log.origin, skey));
  }
  ASSIGN_OR_RETURN(parts.log_vkey, tlog::VerifierKeyFor(skey));
  ASSIGN_OR_RETURN(parts.appender, tlog::Appender::Open(fs, parts.log_dir, skey));
  return Status::Ok();
}

Status LoadPolicies(const gateway::GatewayConfig& config, GatewayApp::Parts& parts) {
  Result<cedar::PolicySet> policies = cedar::PolicySet::Parse(config.policies_text);
  if (!policies.ok()) return policies.status().Annotate("policies");
  parts.policies = std::move(policies).value();
  Result<cedar::Entities> entities = cedar::Entities::FromJson(config.directory->raw_json());
  if (!entities.ok()) return entities.status().Annotate("directory");
  parts.entities = std::move(entities).value();
  return Status::Ok();
}

// The audit sink: entries are submitted to the appender (durable later, see
// DataService); decisions counted by outcome and country.
gateway::AuditSink MakeSink(GatewayApp::Parts& parts) {
  parts.decisions = parts.metrics.AddCounter(
      "domicile_decisions_total", "Audited requests by action, outcome and source country.",
      {"action", "outcome", "source_country"});
  return [&parts](const gateway::AuditEntry& entry) -> Result<uint64_t> {
    Result<uint64_t> index = parts.appender->Submit(entry.ToJson());
    if (!index.ok()) {
      if (index.status().code() != StatusCode::kInvalidArgument) parts.audit_broken.store(true);
      return index.status();
    }
    parts.decisions->Inc({entry.action, entry.outcome, entry.source_country});
    return index;
  };
}

// Blocks until an entry is durable; a failure marks the gateway not ready.
Status WaitDurable(GatewayApp::Parts& parts, uint64_t index) {
  Status st = parts.appender->WaitDurable(index);
  if (!st.ok()) parts.audit_broken.store(true);
  return st;
}

// The data routes' answers wait here for their entries (one waiter thread for all),
// timed from registration to durability.
WhenDurable MakeWhenDurable(GatewayApp::Parts& parts) {
  parts.append_seconds = parts.metrics.AddHistogram("domicile_audit_append_seconds",
                                                    "Time for an audit entry to become durable in the log.", {},
                                                    MetricsRegistry::LatencyBounds());
  parts.waiter = std::make_unique<DurabilityWaiter>([&parts](uint64_t index) { return WaitDurable(parts, index); });
  return [&parts](uint64_t index, std::function<void(const Status&)> done) {
    parts.waiter->WhenDurable(index, [&parts, start = parts.clock->MonotonicMicros(),
                                      done = std::move(done)](const Status& st) {
      parts.append_seconds->Observe({}, static_cast<double>(parts.clock->MonotonicMicros() - start) / 1e6);
      done(st);
    });
  };
}

ServerOptions HttpOptions(const gateway::GatewayConfig& config, const GatewayAppOptions& options) {
  ServerOptions o;
  o.host = config.listen_host;
  o.port = options.port.value_or(config.listen_port);
  o.threads = config.threads;
  o.max_header_bytes = config.limits.max_header_bytes;
  o.max_body_bytes = config.limits.max_body_bytes;
  o.read_timeout = std::chrono::milliseconds(config.limits.read_timeout_ms);
  o.write_timeout = std::chrono::milliseconds(config.limits.write_timeout_ms);
  o.drain_timeout = std::chrono::milliseconds(config.limits.drain_timeout_ms);
  o.tls = config.tls.enabled;
  o.tls_options = {config.tls.cert_file, config.tls.key_file, config.tls.client_ca_file,
                   config.tls.require_client_cert};
  return o;
}

// WitnessTransport over the injected POST function: <url>/add-checkpoint.
class PostWitnessTransport final : public tlog::WitnessTransport {
 public:
  explicit PostWitnessTransport(PostFn post) : post_(std::move(post)) {}
  Result<tlog::WitnessReply> PostAddCheckpoint(std::string_view body) override {
    ASSIGN_OR_RETURN(PostReply r, post_("/add-checkpoint", body, "text/plain; charset=utf-8"));
    return tlog::WitnessReply{r.status, r.content_type, r.body};
  }

 private:
  PostFn post_;
};

// A POST function per target URL, or an error naming what is missing.
Result<PostFn> PostTo(const GatewayAppOptions& options, const std::string& url, const gateway::ClientTlsFiles& tls) {
  if (!options.http_post) return FailedPreconditionError("no HTTP client to reach " + url);
  return options.http_post(url, tls);
}

}  // namespace

GatewayApp::GatewayApp(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

GatewayApp::~GatewayApp() { Shutdown().IgnoreError(); }

Result<std::unique_ptr<GatewayApp>> GatewayApp::Start(const gateway::GatewayConfig& config,
                                                      GatewayAppOptions options) {
  if (config.pseudonym_key.size() < 32) {
    return InvalidArgumentError("pseudonym_key_file is required (base64 of >= 32 random bytes)");
  }
  auto parts = std::make_unique<Parts>();
  parts->fs = options.fs != nullptr ? options.fs : FileSystem::Default();
  parts->clock = options.clock != nullptr ? options.clock : Clock::System();
  parts->host = config.listen_host;
  FileSystem& fs = *parts->fs;
  RETURN_IF_ERROR(fs.CreateDirs(options.data_dir).Annotate("data dir"));

  const vault::SiteRole role = config.vault.site().role;
  if (role == vault::SiteRole::kBackup) {
    // A backup site: the change-stream receiver over the store, no keyring, no vault,
    // and every /v1 request refused.
    ASSIGN_OR_RETURN(parts->store, OpenStore(config.store, options.data_dir));
    parts->applier = std::make_unique<vault::BatchApplier>(parts->store.get());
    std::unique_ptr<GatewayApp> app(new GatewayApp(std::move(parts)));
    Parts& built = *app->parts_;
    auto router = std::make_shared<Router>();
    AddOperationalRoutes(*router, &built.metrics, [raw = app.get()] { return raw->Ready(); });
    AddSiteReceiverRoutes(*router, config, built.applier.get());
    ASSIGN_OR_RETURN(built.http, HttpServer::Start(HttpOptions(config, options), router, &built.metrics, nullptr));
    return app;
  }

  ASSIGN_OR_RETURN(std::string root_key, OpenKeyring(config, options.data_dir, fs, &parts->keyring));
  parts->root_key_path = Resolve(options.data_dir, config.keyring.root_key_file);
  ASSIGN_OR_RETURN(parts->store, OpenStore(config.store, options.data_dir));
  store::Store* data_store = parts->store.get();
  if (!config.replication.targets.empty()) {
    parts->feed = std::make_unique<vault::ChangeFeed>(data_store);
    data_store = parts->feed.get();
  }
  ASSIGN_OR_RETURN(parts->vault, vault::Vault::Open(config.vault, data_store, parts->keyring.get(), parts->clock));
  if (!root_key.empty()) RETURN_IF_ERROR(parts->vault->Unseal(root_key).Annotate("unsealing the vault"));
  RETURN_IF_ERROR(OpenLog(config, options.data_dir, fs, *parts));
  if (role == vault::SiteRole::kGlobal) {
    // A global site: its own vault holds the enclaves' projections (docs/sites.md).
    parts->projections = std::make_unique<vault::ProjectionApplier>(parts->vault.get(), parts->store.get());
  }
  if (parts->feed != nullptr) {
    std::vector<ReplicationShipper::Target> targets;
    for (const gateway::ReplicationTarget& t : config.replication.targets) {
      ASSIGN_OR_RETURN(PostFn post, PostTo(options, t.url, t.tls));
      vault::SiteRole target_role = vault::SiteRole::kBackup;
      for (const vault::Site& site : config.vault.sites) {
        if (site.id == t.site) target_role = site.role;
      }
      targets.push_back({t.site, target_role, std::move(post), t.public_key});
    }
    auto project = [vault = parts->vault.get(), keyring = parts->keyring.get()](std::string_view subject) {
      return vault::ReadProjection(*vault, *keyring, subject);
    };
    ASSIGN_OR_RETURN(parts->shipper, ReplicationShipper::Start(parts->feed.get(), config.vault,
                                                               config.replication.signing_seed, std::move(targets),
                                                               config.replication.retry_ms, project));
  }
  if (!config.witnesses.empty()) {
    std::vector<std::unique_ptr<tlog::WitnessClient>> clients;
    for (const gateway::WitnessEndpoint& w : config.witnesses) {
      ASSIGN_OR_RETURN(PostFn post, PostTo(options, w.url, w.tls));
      Result<std::unique_ptr<tlog::CosignatureVerifier>> key = tlog::NewCosignatureVerifier(w.verifier_key);
      if (!key.ok()) return key.status().Annotate("witnesses: " + w.url);
      clients.push_back(std::make_unique<tlog::WitnessClient>(std::make_unique<PostWitnessTransport>(std::move(post)),
                                                              std::move(*key)));
    }
    parts->witnessing = CheckpointWitnessing::Start(parts->fs, parts->log_dir, std::move(clients), 100);
  }
  RETURN_IF_ERROR(LoadPolicies(config, *parts));

  gateway::DataServiceDeps deps;
  deps.policies = &parts->policies;
  deps.directory = &parts->entities;
  deps.vault = parts->vault.get();
  deps.store = parts->store.get();
  parts->export_limiter = std::make_unique<gateway::ExportLimiter>(config.export_limits, parts->clock);
  deps.export_limiter = parts->export_limiter.get();
  deps.audit = MakeSink(*parts);
  deps.wait_durable = [raw = parts.get()](uint64_t index) { return WaitDurable(*raw, index); };
  deps.pseudonym_key = config.pseudonym_key;
  deps.masks = config.masks;
  parts->service = std::make_unique<gateway::DataService>(std::move(deps));

  ASSIGN_OR_RETURN(std::shared_ptr<const FrontDoor> front_door,
                   FrontDoor::Create(std::make_shared<const gateway::GatewayConfig>(config), parts->clock));
  std::unique_ptr<GatewayApp> app(new GatewayApp(std::move(parts)));
  Parts& built = *app->parts_;
  auto router = std::make_shared<Router>();
  AddOperationalRoutes(*router, &built.metrics, [raw = app.get()] { return raw->Ready(); });
  // First: a global site's refusals take precedence over the data routes they shadow.
  if (built.projections != nullptr) AddGlobalSiteRoutes(*router, config, built.projections.get());
  AddDataRoutes(*router, front_door, built.service.get(), MakeWhenDurable(built));
  if (built.witnessing != nullptr) built.witnessing->AddRoute(*router);
  if (built.shipper != nullptr) built.shipper->AddStatusRoute(*router);
  AddLogPublicationRoutes(*router, built.log_dir, built.fs);
  ASSIGN_OR_RETURN(built.http, HttpServer::Start(HttpOptions(config, options), router, &built.metrics, nullptr));
  return app;
}

const std::string& GatewayApp::host() const { return parts_->host; }
uint16_t GatewayApp::port() const { return parts_->http->port(); }
const std::string& GatewayApp::log_dir() const { return parts_->log_dir; }
const std::string& GatewayApp::log_verifier_key() const { return parts_->log_vkey; }

Status GatewayApp::Ready() const {
  if (parts_->vault == nullptr) return Status::Ok();  // a backup site: the receiver
  if (parts_->vault->sealed()) return UnavailableError("the vault is sealed");
  if (parts_->audit_broken.load()) return UnavailableError("the audit log cannot append");
  return Status::Ok();
}

Status GatewayApp::Unseal() {
  if (parts_->vault == nullptr) return FailedPreconditionError("a backup site never unseals");
  Result<std::string> text = parts_->fs->ReadFile(parts_->root_key_path);
  if (!text.ok()) return text.status().Annotate("root key file " + parts_->root_key_path);
  ASSIGN_OR_RETURN(std::string root_key, crypto::ParseRootKeyFile(*text));
  return parts_->vault->Unseal(root_key);
}

Status GatewayApp::Shutdown() {
  std::lock_guard<std::mutex> lock(parts_->shutdown_mu);
  if (!parts_->shut_down) {
    parts_->shut_down = true;
    if (parts_->http != nullptr) parts_->http->Shutdown();
    if (parts_->waiter != nullptr) parts_->waiter->Stop();
    if (parts_->shipper != nullptr) parts_->shipper->Stop();
    if (parts_->witnessing != nullptr) parts_->witnessing->Stop();
    if (parts_->appender != nullptr) parts_->close_status = parts_->appender->Close();
  }
  return parts_->close_status;
}

}  // namespace domicile::server
