// `domicile serve [--config FILE]`: runs the gateway's HTTP server; with no flag, the
// embedded demo configuration. SIGINT/SIGTERM shut it down gracefully (stop
// accepting, drain in-flight requests, flush). Serves what is wired so far: the
// front door (/v1/whoami), log publication (/log/…), /healthz, /readyz, /metrics.
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/clock.h"
#include "common/file.h"
#include "gateway/config.h"
#include "server/front_door.h"
#include "server/http_server.h"
#include "server/log_publication.h"

namespace {

using namespace domicile;  // NOLINT(google-build-using-namespace): thin CLI glue

struct ServeFlags {
  std::string config;
  int port = -1;
};

Status Serve(const ServeFlags& flags) {
  gateway::GatewayConfig config;
  if (flags.config.empty()) {
    ASSIGN_OR_RETURN(config, gateway::DemoGatewayConfig());
    std::fprintf(stderr, "domicile: running the embedded DEMO configuration (public demo keys)\n");
  } else {
    ASSIGN_OR_RETURN(config, gateway::LoadGatewayConfigFile(flags.config, *FileSystem::Default()));
  }
  if (flags.port >= 0) config.listen_port = static_cast<uint16_t>(flags.port);
  auto shared = std::make_shared<const gateway::GatewayConfig>(std::move(config));
  ASSIGN_OR_RETURN(auto front_door, server::FrontDoor::Create(shared, Clock::System()));

  server::MetricsRegistry metrics;
  auto router = std::make_shared<server::Router>();
  server::AddOperationalRoutes(*router, &metrics, nullptr);
  server::AddWhoAmIRoute(*router, front_door);
  server::AddLogPublicationRoutes(*router, shared->log_dir, FileSystem::Default());

  server::ServerOptions options;
  options.host = shared->listen_host;
  options.port = shared->listen_port;
  options.threads = shared->threads;
  options.max_header_bytes = shared->limits.max_header_bytes;
  options.max_body_bytes = shared->limits.max_body_bytes;
  options.read_timeout = std::chrono::milliseconds(shared->limits.read_timeout_ms);
  options.write_timeout = std::chrono::milliseconds(shared->limits.write_timeout_ms);
  options.drain_timeout = std::chrono::milliseconds(shared->limits.drain_timeout_ms);
  options.tls = shared->tls.enabled;
  options.tls_options = {shared->tls.cert_file, shared->tls.key_file, shared->tls.client_ca_file,
                         shared->tls.require_client_cert};

  // Block the shutdown signals before the worker threads start, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ASSIGN_OR_RETURN(auto http, server::HttpServer::Start(options, router, &metrics, [] {
    std::fprintf(stderr, "domicile: drained; flushed\n");
  }));
  std::fprintf(stderr, "domicile: listening on %s:%u (%s)\n", options.host.c_str(), http->port(),
               options.tls ? "https" : "http");
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "domicile: signal %d, shutting down\n", signal_number);
  http->Shutdown();
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd = root.add_subcommand("serve", "Run the gateway (no flag: the embedded demo configuration)");
  cmd->add_option("--config", flags->config, "Gateway configuration (YAML, see docs/gateway.md)");
  cmd->add_option("--port", flags->port, "Override the configured listen port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  cmd->callback([flags] {
    Status st = Serve(*flags);
    if (!st.ok()) cli::Fail(st);
  });
}

}  // namespace

DOMICILE_REGISTER_COMMAND(serve, Setup);
