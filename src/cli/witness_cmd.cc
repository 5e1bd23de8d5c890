// `domicile witness ...`: the custodian's witness (C2SP tlog-witness over HTTP).
//   keygen --name NAME --key FILE   creates a cosigner key (if FILE is absent) and
//                                   prints its verifier key
//   serve --config FILE             serves POST /add-checkpoint and
//                                   GET /<origin hash>/checkpoint until SIGINT/SIGTERM
#include <signal.h>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/secret_file.h"
#include "monitor/config.h"
#include "monitor/witness_service.h"
#include "server/http_server.h"
#include "tlog/cosignature.h"
#include "tlog/witness.h"

namespace domicile::cli {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Status Keygen(const std::string& name, const std::string& key_path) {
  FileSystem& fs = *FileSystem::Default();
  ASSIGN_OR_RETURN(bool have, fs.Exists(key_path));
  std::string skey;
  if (have) {
    ASSIGN_OR_RETURN(std::string text, fs.ReadFile(key_path));
    skey = Trim(text);
  } else {
    ASSIGN_OR_RETURN(tlog::NoteKeyPair kp, tlog::GenerateCosignerKey(name));
    skey = kp.private_key;
    RETURN_IF_ERROR(AtomicWriteSecretFile(fs, key_path, skey + "\n"));
  }
  ASSIGN_OR_RETURN(std::string vkey, tlog::CosignerVerifierKeyFor(skey));
  std::printf("%s\n", vkey.c_str());
  return Status::Ok();
}

Status Serve(const std::string& config_path) {
  FileSystem& fs = *FileSystem::Default();
  ASSIGN_OR_RETURN(std::string text, fs.ReadFile(config_path));
  ASSIGN_OR_RETURN(monitor::WitnessServiceConfig cfg, monitor::ParseWitnessConfig(text, DirName(config_path)));
  ASSIGN_OR_RETURN(std::string key_text, fs.ReadFile(cfg.key_file));
  std::vector<tlog::WitnessedLog> logs;
  for (const auto& l : cfg.logs) logs.push_back({l.origin, l.keys});
  ASSIGN_OR_RETURN(auto witness, tlog::Witness::Open(fs, cfg.state_dir, Trim(key_text), logs, Clock::System()));
  auto router = std::make_shared<server::Router>();
  monitor::AddWitnessRoutes(*router, witness.get());
  server::ServerOptions options;
  options.host = cfg.host;
  options.port = cfg.port;
  options.threads = 2;
  options.max_body_bytes = 1 << 20;

  sigset_t signals;  // blocked before the worker threads start: only sigwait sees them
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ASSIGN_OR_RETURN(auto http, server::HttpServer::Start(options, router, nullptr, {}));
  std::fprintf(stderr, "domicile witness %s: %zu log(s), listening on %s:%u\n", witness->name().c_str(), logs.size(),
               options.host.c_str(), http->port());
  std::fprintf(stderr, "verifier key: %s\n", witness->verifier_key().c_str());
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  http->Shutdown();
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto* cmd = root.add_subcommand("witness", "The custodian's witness: cosigns consistent checkpoints (C2SP tlog-witness)");
  cmd->require_subcommand(1);

  auto name = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto* keygen = cmd->add_subcommand("keygen", "Create a cosigner key (if absent) and print its verifier key");
  keygen->add_option("--name", *name, "Witness name, e.g. witness.custodian.example/w1")->required();
  keygen->add_option("--key", *key, "Private key file")->required();
  keygen->callback([name, key] {
    if (Status st = Keygen(*name, *key); !st.ok()) Fail(st);
  });

  auto config = std::make_shared<std::string>();
  auto* serve = cmd->add_subcommand("serve", "Serve add-checkpoint until SIGINT/SIGTERM");
  serve->add_option("--config", *config, "Witness configuration (YAML, docs/monitor.md)")->required();
  serve->callback([config] {
    if (Status st = Serve(*config); !st.ok()) Fail(st);
  });
}

}  // namespace

DOMICILE_REGISTER_COMMAND(witness, Setup);

}  // namespace domicile::cli
