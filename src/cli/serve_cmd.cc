// `domicile serve [--config FILE] [--data-dir DIR] [--port N] [--ready-file FILE]`:
// runs the gateway (server/gateway_app.h); with no --config, the embedded demo
// configuration. --data-dir (default ./domicile-data) holds the store, keyring and
// audit log named by relative paths in the config; --port 0 picks a free port;
// --ready-file receives "host:port\n" (written atomically) once requests are accepted.
// SIGINT/SIGTERM: stop accepting, drain in-flight requests, flush the audit log.
// SIGHUP: unseal with the root key file the custodian has just supplied (an enclave
// started sealed, e.g. after `domicile site restore`; docs/sites.md).
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/file.h"
#include "gateway/config.h"
#include "monitor/http_client.h"
#include "server/gateway_app.h"

namespace {

using namespace domicile;  // NOLINT(google-build-using-namespace): thin CLI glue

struct ServeFlags {
  std::string config;
  std::string data_dir = "./domicile-data";
  int port = -1;
  std::string ready_file;
};

Status Serve(const ServeFlags& flags) {
  gateway::GatewayConfig config;
  if (flags.config.empty()) {
    ASSIGN_OR_RETURN(config, gateway::DemoGatewayConfig());
    std::fprintf(stderr, "domicile: running the embedded DEMO configuration (public demo keys)\n");
  } else {
    ASSIGN_OR_RETURN(config, gateway::LoadGatewayConfigFile(flags.config, *FileSystem::Default()));
  }
  server::GatewayAppOptions options;
  options.data_dir = flags.data_dir;
  if (flags.port >= 0) options.port = static_cast<uint16_t>(flags.port);
  options.http_post = [](const std::string& url, const gateway::ClientTlsFiles& tls) -> Result<server::PostFn> {
    ASSIGN_OR_RETURN(std::unique_ptr<monitor::HttpClient> client,
                     monitor::HttpClient::Create(url, {.tls = {tls.ca_file, tls.client_cert, tls.client_key}}));
    std::shared_ptr<monitor::HttpClient> shared = std::move(client);
    return server::PostFn([shared](std::string_view path, std::string_view body,
                                   std::string_view content_type) -> Result<server::PostReply> {
      ASSIGN_OR_RETURN(monitor::HttpReply r, shared->Post(path, body, content_type));
      return server::PostReply{r.status, r.content_type, r.body};
    });
  };

  // Block the shutdown signals before any thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ASSIGN_OR_RETURN(std::unique_ptr<server::GatewayApp> app, server::GatewayApp::Start(config, options));
  const std::string host = app->host().find(':') != std::string::npos ? "[" + app->host() + "]" : app->host();
  const std::string address = host + ":" + std::to_string(app->port());
  if (!flags.ready_file.empty()) {
    RETURN_IF_ERROR(AtomicWriteFile(*FileSystem::Default(), flags.ready_file, address + "\n").Annotate("ready file"));
  }
  std::fprintf(stderr, "domicile: listening on %s (%s); audit log %s, verifier key %s\n", address.c_str(),
               config.tls.enabled ? "https" : "http", app->log_dir().c_str(), app->log_verifier_key().c_str());
  if (app->Ready().ok()) {
    std::fprintf(stderr, "domicile: ready\n");
  } else {
    std::fprintf(stderr, "domicile: started SEALED; send SIGHUP once the root key file is in place\n");
  }
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    Status unsealed = app->Unseal();
    std::fprintf(stderr, "domicile: SIGHUP: %s\n", unsealed.ok() ? "unsealed" : unsealed.ToString().c_str());
  }
  std::fprintf(stderr, "domicile: signal %d, shutting down\n", signal_number);
  RETURN_IF_ERROR(app->Shutdown().Annotate("flushing the audit log"));
  std::fprintf(stderr, "domicile: drained; audit log flushed\n");
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = root.add_subcommand("serve", "Run the gateway (no --config: the embedded demo configuration)");
  cmd->add_option("--config", flags->config, "Gateway configuration (YAML, see docs/gateway.md)");
  cmd->add_option("--data-dir", flags->data_dir, "Store, keyring and audit log for relative config paths")
      ->capture_default_str();
  cmd->add_option("--port", flags->port, "Override the configured listen port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--ready-file", flags->ready_file, "Write host:port here once requests are accepted");
  cmd->callback([flags] {
    Status st = Serve(*flags);
    if (!st.ok()) cli::Fail(st);
  });
}

}  // namespace

DOMICILE_REGISTER_COMMAND(serve, Setup);
