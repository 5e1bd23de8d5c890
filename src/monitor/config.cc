#include "monitor/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "common/file.h"
#include "vault/config.h"

namespace domicile::monitor {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

Status Bad(const std::string& what) { return InvalidArgumentError("monitor config: " + what); }

Result<std::string> ReadRelative(const std::string& base_dir, const std::string& name) {
  std::string path = !name.empty() && name[0] == '/' ? name : JoinPath(base_dir, name);
  auto data = FileSystem::Default()->ReadFile(path);
  if (!data.ok()) return data.status().Annotate("monitor config: " + path);
  return data;
}

Status CheckKeys(const YAML::Node& node, const std::set<std::string>& allowed, const std::string& where) {
  if (!node.IsMap()) return Bad(where + " must be a map");
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) return Bad("unknown key " + where + "." + key);
  }
  return Status::Ok();
}

std::vector<std::string> StringList(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n) {
    for (const auto& v : n) out.push_back(v.as<std::string>());
  }
  return out;
}

}  // namespace

std::string ComplianceConfig::CategoryOf(std::string_view field) const {
  auto it = categories.find(field);
  return it == categories.end() ? "protected" : it->second;
}

Result<MonitorConfig> ParseMonitorConfig(std::string_view yaml, const std::string& base_dir) {
  if (yaml.size() > kMaxConfigBytes) return Bad("larger than 1 MiB");
  MonitorConfig c;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    RETURN_IF_ERROR(CheckKeys(root, {"log", "witnesses", "state_dir", "compliance"}, "(root)"));
    YAML::Node log = root["log"];
    if (!log) return Bad("missing log");
    RETURN_IF_ERROR(CheckKeys(log, {"url", "origin", "keys", "ca_file", "client_cert", "client_key"}, "log"));
    c.log_url = log["url"].as<std::string>("");
    for (auto [key, out] : {std::pair{"ca_file", &c.log_tls.ca_file}, std::pair{"client_cert", &c.log_tls.client_cert},
                            std::pair{"client_key", &c.log_tls.client_key}}) {
      *out = log[key].as<std::string>("");
      if (!out->empty() && (*out)[0] != '/') *out = JoinPath(base_dir, *out);
    }
    c.origin = log["origin"].as<std::string>("");
    c.log_keys = StringList(log["keys"]);
    if (c.log_url.empty() || c.origin.empty() || c.log_keys.empty()) return Bad("log needs url, origin and keys");
    if (YAML::Node w = root["witnesses"]) {
      RETURN_IF_ERROR(CheckKeys(w, {"keys", "quorum"}, "witnesses"));
      c.witness_keys = StringList(w["keys"]);
      c.quorum = w["quorum"].as<size_t>(c.witness_keys.size());
    }
    if (c.quorum > c.witness_keys.size()) return Bad("witnesses.quorum is larger than the number of witness keys");
    c.state_dir = root["state_dir"].as<std::string>("");
    if (c.state_dir.empty()) return Bad("missing state_dir");
    if (c.state_dir[0] != '/') c.state_dir = JoinPath(base_dir, c.state_dir);
    ComplianceConfig& cc = c.compliance;
    if (YAML::Node comp = root["compliance"]) {
      RETURN_IF_ERROR(CheckKeys(comp,
                                {"home", "categories", "vault_config", "directory", "rules", "bulk_records",
                                 "deny_spike", "max_time_regression_seconds"},
                                "compliance"));
      cc.home = comp["home"].as<std::string>("");
      if (YAML::Node v = comp["vault_config"]) {
        ASSIGN_OR_RETURN(std::string text, ReadRelative(base_dir, v.as<std::string>()));
        auto vault = vault::ParseVaultConfig(text);
        if (!vault.ok()) return vault.status().Annotate("monitor config: compliance.vault_config");
        for (const auto& [cname, coll] : vault->collections) {
          for (const auto& [fname, spec] : coll.fields) {
            cc.categories[cname + "." + fname] = std::string(vault::CategoryName(spec.category));
          }
        }
        if (cc.home.empty()) cc.home = vault->site().jurisdiction;
      }
      if (YAML::Node cats = comp["categories"]) {
        if (!cats.IsMap()) return Bad("compliance.categories must be a map");
        for (const auto& kv : cats) {
          std::string cat = kv.second.as<std::string>();
          if (!vault::ParseCategory(cat).ok()) return Bad("compliance.categories: unknown category " + cat);
          cc.categories[kv.first.as<std::string>()] = cat;
        }
      }
      if (YAML::Node d = comp["directory"]) {
        ASSIGN_OR_RETURN(cc.directory_json, ReadRelative(base_dir, d.as<std::string>()));
      }
      if (YAML::Node r = comp["rules"]) {
        ASSIGN_OR_RETURN(cc.extra_rules, ReadRelative(base_dir, r.as<std::string>()));
      }
      cc.bulk_records = comp["bulk_records"].as<uint64_t>(cc.bulk_records);
      if (YAML::Node s = comp["deny_spike"]) {
        RETURN_IF_ERROR(CheckKeys(s, {"threshold", "window_seconds"}, "compliance.deny_spike"));
        cc.deny_spike_threshold = s["threshold"].as<uint64_t>(cc.deny_spike_threshold);
        cc.deny_spike_window_seconds = s["window_seconds"].as<int64_t>(cc.deny_spike_window_seconds);
      }
      cc.max_time_regression_seconds =
          comp["max_time_regression_seconds"].as<int64_t>(cc.max_time_regression_seconds);
    }
    if (cc.home.empty()) return Bad("compliance.home (or a vault_config) is required");
    if (cc.bulk_records == 0 || cc.deny_spike_threshold == 0 || cc.deny_spike_window_seconds <= 0 ||
        cc.max_time_regression_seconds < 0) {
      return Bad("compliance thresholds must be positive");
    }
  } catch (const YAML::Exception& e) {
    return Bad(std::string("YAML: ") + e.what());
  }
  return c;
}

Result<WitnessServiceConfig> ParseWitnessConfig(std::string_view yaml, const std::string& base_dir) {
  if (yaml.size() > kMaxConfigBytes) return InvalidArgumentError("witness config: larger than 1 MiB");
  WitnessServiceConfig c;
  auto bad = [](const std::string& what) { return InvalidArgumentError("witness config: " + what); };
  auto relative = [&](std::string p) { return !p.empty() && p[0] != '/' ? JoinPath(base_dir, p) : p; };
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap()) return bad("must be a map");
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (key != "key_file" && key != "state_dir" && key != "listen" && key != "logs") return bad("unknown key " + key);
    }
    c.key_file = relative(root["key_file"].as<std::string>(""));
    c.state_dir = relative(root["state_dir"].as<std::string>(""));
    if (c.key_file.empty() || c.state_dir.empty()) return bad("key_file and state_dir are required");
    if (YAML::Node listen = root["listen"]) {
      std::string l = listen.as<std::string>();
      size_t colon = l.rfind(':');
      if (colon == std::string::npos || colon == 0) return bad("listen must be host:port");
      c.host = l.substr(0, colon);
      std::string port = l.substr(colon + 1);
      if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(port) > 65535) {
        return bad("bad port in listen");
      }
      c.port = uint16_t(std::stoul(port));
    }
    for (const auto& log : root["logs"]) {
      if (!log.IsMap()) return bad("logs: each log is a map with origin and keys");
      WitnessServiceConfig::Log l{log["origin"].as<std::string>(""), StringList(log["keys"])};
      if (l.origin.empty() || l.keys.empty()) return bad("logs: each log needs an origin and keys");
      c.logs.push_back(std::move(l));
    }
    if (c.logs.empty()) return bad("no logs configured");
  } catch (const YAML::Exception& e) {
    return bad(std::string("YAML: ") + e.what());
  }
  return c;
}

}  // namespace domicile::monitor
