#include "gateway/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/encoding.h"

namespace domicile::gateway {
namespace {

const std::set<std::string> kTopLevelKeys = {"listen", "threads", "tls", "auth", "network_map",
                                             "network_map_file", "trusted_proxies", "directory", "policies",
                                             "vault", "store", "keyring", "log", "pseudonym_key_file",
                                             "limits", "replication", "witnesses"};

// An optional scalar: absent gives `fallback`, present but not a T is an error
// (yaml-cpp's as<T>(fallback) would silently use the fallback for a typo).
template <typename T>
T Opt(const YAML::Node& node, T fallback) {
  return node ? node.as<T>() : fallback;
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty() || base_dir == ".") return path;
  return JoinPath(base_dir, path);
}

Result<std::string> ReadFileAt(FileSystem& fs, const std::string& base_dir, const std::string& path) {
  auto text = fs.ReadFile(Resolve(base_dir, path));
  if (!text.ok()) return text.status().Annotate("reading " + path);
  return text;
}

// `{file: path}` or `{inline: text}`.
Result<std::string> FileOrInline(const YAML::Node& node, const char* what, FileSystem& fs,
                                 const std::string& base_dir) {
  if (!node || !node.IsMap()) return InvalidArgumentError(std::string(what) + ": want {file: …} or {inline: …}");
  if (node["inline"]) return node["inline"].as<std::string>();
  if (node["file"]) return ReadFileAt(fs, base_dir, node["file"].as<std::string>());
  return InvalidArgumentError(std::string(what) + ": want {file: …} or {inline: …}");
}

Status ParseListen(const std::string& listen, GatewayConfig& c) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return InvalidArgumentError("listen: want HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!IpAddress::Parse(host).ok()) return InvalidArgumentError("listen: host must be an IP address");
  unsigned port = 0;
  const std::string p = listen.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port > 65535) return InvalidArgumentError("listen: bad port");
  c.listen_host = host;
  c.listen_port = static_cast<uint16_t>(port);
  return Status::Ok();
}

Status ParseAuth(const YAML::Node& auth, GatewayConfig& c) {
  if (!auth || !auth.IsMap()) return InvalidArgumentError("auth: section missing");
  c.auth.audience = Opt<std::string>(auth["audience"], std::string());
  c.auth.leeway_seconds = Opt<int64_t>(auth["leeway_seconds"], 30);
  c.auth.max_token_bytes = Opt<size_t>(auth["max_token_bytes"], 8192);
  c.auth.max_lifetime_seconds = Opt<int64_t>(auth["max_lifetime_seconds"], 24 * 3600);
  const YAML::Node providers = auth["identity_providers"];
  if (!providers || !providers.IsSequence()) return InvalidArgumentError("auth.identity_providers: want a list");
  for (const YAML::Node& p : providers) {
    IdentityProvider idp;
    idp.issuer = Opt<std::string>(p["issuer"], std::string());
    if (!p["keys"] || !p["keys"].IsSequence()) return InvalidArgumentError("identity provider: keys must be a list of JWKs");
    for (const YAML::Node& k : p["keys"]) {
      // Re-encode the YAML map as JSON for the JWK parser.
      if (!k.IsMap()) return InvalidArgumentError("identity provider '" + idp.issuer + "': a key is not a JWK map");
      nlohmann::json json = nlohmann::json::object();
      for (const auto& kv : k) json[kv.first.as<std::string>()] = kv.second.as<std::string>();
      auto jwk = ParseEd25519Jwk(json.dump());
      if (!jwk.ok()) return jwk.status().Annotate("identity provider '" + idp.issuer + "'");
      if (!jwk->seed.empty()) return InvalidArgumentError("identity provider key must not contain the private part 'd'");
      if (!idp.keys.emplace(jwk->key_id, jwk->public_key).second) {
        return InvalidArgumentError("identity provider '" + idp.issuer + "': kid '" + jwk->key_id + "' twice");
      }
    }
    c.auth.providers.push_back(std::move(idp));
  }
  if (c.auth.audience.empty()) return InvalidArgumentError("auth.audience is required");
  return Status::Ok();
}

// Only these keys in a section; a typo is an error, not a silently ignored setting.
Status OnlyKeys(const YAML::Node& node, const std::string& what, const std::set<std::string>& keys) {
  if (!node.IsMap()) return InvalidArgumentError(what + ": want a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!keys.contains(key)) return InvalidArgumentError(what + ": unknown key '" + key + "'");
  }
  return Status::Ok();
}

// The `vault:` section: the per-field `mask:` keys are the gateway's (they decide the
// masked view), everything else is the vault's configuration, parsed by its loader.
Status ParseVault(const YAML::Node& section, GatewayConfig& c) {
  if (!section || !section.IsMap()) return InvalidArgumentError("vault: section missing (site, sites, collections)");
  YAML::Node vault = YAML::Clone(section);
  if (const YAML::Node collections = vault["collections"]; collections && collections.IsMap()) {
    for (const auto& coll : collections) {
      const YAML::Node fields = coll.second.IsMap() ? coll.second["fields"] : YAML::Node();
      if (!fields || !fields.IsMap()) continue;  // the vault's loader names the error
      for (const auto& field : fields) {
        YAML::Node spec = field.second;
        if (!spec.IsMap() || !spec["mask"]) continue;
        const std::string name = coll.first.as<std::string>() + "." + field.first.as<std::string>();
        const std::string kind = spec["mask"].as<std::string>();
        const std::optional<MaskKind> mask = MaskKindFromName(kind);
        if (!mask) {
          return InvalidArgumentError("vault: " + name + ".mask: unknown mask '" + kind +
                                      "' (redact, last4, year, coordinates, email, initial)");
        }
        c.masks[name] = *mask;
        spec.remove("mask");
      }
    }
  }
  ASSIGN_OR_RETURN(c.vault, vault::ParseVaultConfig(YAML::Dump(vault)));
  return Status::Ok();
}

Status ParseState(const YAML::Node& root, GatewayConfig& c) {
  if (const YAML::Node store = root["store"]) {
    RETURN_IF_ERROR(OnlyKeys(store, "store", {"backend", "path", "conninfo"}));
    c.store.backend = Opt<std::string>(store["backend"], c.store.backend);
    c.store.path = Opt<std::string>(store["path"], c.store.path);
    c.store.conninfo = Opt<std::string>(store["conninfo"], c.store.conninfo);
    if (c.store.backend != "rocksdb" && c.store.backend != "postgres") {
      return InvalidArgumentError("store.backend: want rocksdb or postgres");
    }
    if (c.store.backend == "postgres" && c.store.conninfo.empty()) {
      return InvalidArgumentError("store.conninfo is required for postgres");
    }
  }
  if (const YAML::Node keyring = root["keyring"]) {
    RETURN_IF_ERROR(OnlyKeys(keyring, "keyring", {"file", "root_key_file"}));
    c.keyring.file = Opt<std::string>(keyring["file"], c.keyring.file);
    c.keyring.root_key_file = Opt<std::string>(keyring["root_key_file"], c.keyring.root_key_file);
  }
  if (const YAML::Node log = root["log"]) {
    RETURN_IF_ERROR(OnlyKeys(log, "log", {"dir", "key_file", "origin"}));
    c.log.dir = Opt<std::string>(log["dir"], c.log.dir);
    c.log.key_file = Opt<std::string>(log["key_file"], c.log.key_file);
    c.log.origin = Opt<std::string>(log["origin"], c.log.origin);
  }
  if (c.store.path.empty() || c.keyring.file.empty() || c.keyring.root_key_file.empty() || c.log.dir.empty() ||
      c.log.key_file.empty()) {
    return InvalidArgumentError("store, keyring and log paths must not be empty");
  }
  return Status::Ok();
}

Status ParseLimits(const YAML::Node& limits, GatewayConfig& c) {
  if (!limits) return Status::Ok();
  ServerLimits& l = c.limits;
  l.max_header_bytes = Opt<size_t>(limits["max_header_bytes"], l.max_header_bytes);
  l.max_body_bytes = Opt<size_t>(limits["max_body_bytes"], l.max_body_bytes);
  l.read_timeout_ms = Opt<int64_t>(limits["read_timeout_ms"], l.read_timeout_ms);
  l.write_timeout_ms = Opt<int64_t>(limits["write_timeout_ms"], l.write_timeout_ms);
  l.drain_timeout_ms = Opt<int64_t>(limits["drain_timeout_ms"], l.drain_timeout_ms);
  if (l.max_header_bytes < 1024 || l.max_header_bytes > 1024 * 1024) {
    return InvalidArgumentError("limits.max_header_bytes must be within 1 KiB..1 MiB");
  }
  if (l.max_body_bytes > 256 * 1024 * 1024) return InvalidArgumentError("limits.max_body_bytes above 256 MiB");
  if (l.read_timeout_ms <= 0 || l.write_timeout_ms <= 0 || l.drain_timeout_ms < 0) {
    return InvalidArgumentError("limits: timeouts must be positive");
  }
  if (const YAML::Node e = limits["export"]) {
    const double rpm = Opt<double>(e["requests_per_minute"], c.export_limits.requests.capacity);
    const double rph = Opt<double>(e["records_per_hour"], c.export_limits.records.capacity);
    if (rpm <= 0 || rph <= 0) return InvalidArgumentError("limits.export: rates must be positive");
    c.export_limits.requests = {rpm, rpm / 60};
    c.export_limits.records = {rph, rph / 3600};
  }
  return Status::Ok();
}

Result<std::string> Base64Key(const std::string& text, size_t size, const std::string& what) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  auto raw = Base64Decode(t);
  if (!raw.ok() || raw->size() != size) {
    return InvalidArgumentError(what + ": want base64 of " + std::to_string(size) + " bytes");
  }
  return raw;
}

// The url of a replication target or witness and, for https://, its optional TLS files.
Status ParsePeerUrl(const YAML::Node& n, const std::string& what, const std::string& base_dir, std::string& url,
                    ClientTlsFiles& tls) {
  url = Opt<std::string>(n["url"], "");
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://")) return InvalidArgumentError(what + ": url wants http:// or https://");
  tls.ca_file = Resolve(base_dir, Opt<std::string>(n["ca_file"], ""));
  tls.client_cert = Resolve(base_dir, Opt<std::string>(n["client_cert"], ""));
  tls.client_key = Resolve(base_dir, Opt<std::string>(n["client_key"], ""));
  if (!https && !(tls.ca_file.empty() && tls.client_cert.empty() && tls.client_key.empty())) {
    return InvalidArgumentError(what + ": ca_file, client_cert and client_key need an https:// url");
  }
  if (tls.client_cert.empty() != tls.client_key.empty()) {
    return InvalidArgumentError(what + ": client_cert and client_key go together");
  }
  return Status::Ok();
}

// `replication:` and `witnesses:` (docs/sites.md); needs the vault section parsed.
Status ParseSites(const YAML::Node& root, const std::string& base_dir, FileSystem& fs, GatewayConfig& c) {
  auto role_of = [&c](const std::string& id) -> std::optional<vault::SiteRole> {
    for (const vault::Site& s : c.vault.sites) {
      if (s.id == id) return s.role;
    }
    return std::nullopt;
  };
  const vault::SiteRole own = c.vault.site().role;
  if (const YAML::Node r = root["replication"]) {
    RETURN_IF_ERROR(
        OnlyKeys(r, "replication", {"signing_key_file", "targets", "accept_from", "retry_ms", "projection_key_file"}));
    c.replication.retry_ms = Opt<int64_t>(r["retry_ms"], c.replication.retry_ms);
    if (c.replication.retry_ms < 10 || c.replication.retry_ms > 600'000) {
      return InvalidArgumentError("replication.retry_ms must be within 10..600000");
    }
    for (const YAML::Node& t : r["targets"]) {
      RETURN_IF_ERROR(OnlyKeys(t, "replication.targets[]",
                               {"site", "url", "public_key", "ca_file", "client_cert", "client_key"}));
      ReplicationTarget target{Opt<std::string>(t["site"], "")};
      const auto role = role_of(target.site);
      if (!role.has_value() || *role == vault::SiteRole::kEnclave) {
        return InvalidArgumentError("replication.targets: '" + target.site + "' is not a backup or global site");
      }
      // A global site gets projections sealed to its X25519 key; a backup gets none.
      if ((*role == vault::SiteRole::kGlobal) != bool(t["public_key"])) {
        return InvalidArgumentError("replication.targets: '" + target.site +
                                    "': public_key (the projection key) is required for a global site and only there");
      }
      if (t["public_key"]) {
        ASSIGN_OR_RETURN(target.public_key,
                         Base64Key(Opt<std::string>(t["public_key"], ""), 32, "replication.targets.public_key"));
      }
      RETURN_IF_ERROR(ParsePeerUrl(t, "replication.targets", base_dir, target.url, target.tls));
      c.replication.targets.push_back(std::move(target));
    }
    for (const YAML::Node& a : r["accept_from"]) {
      RETURN_IF_ERROR(OnlyKeys(a, "replication.accept_from[]", {"site", "public_key"}));
      ReplicationSender sender;
      sender.site = Opt<std::string>(a["site"], "");
      if (role_of(sender.site) != vault::SiteRole::kEnclave) {
        return InvalidArgumentError("replication.accept_from: '" + sender.site + "' is not an enclave site");
      }
      ASSIGN_OR_RETURN(sender.public_key, Base64Key(Opt<std::string>(a["public_key"], ""), 32,
                                                    "replication.accept_from.public_key"));
      c.replication.accept_from.push_back(std::move(sender));
    }
    if (!c.replication.targets.empty()) {
      if (own != vault::SiteRole::kEnclave) return InvalidArgumentError("replication.targets: only an enclave ships");
      if (!r["signing_key_file"]) return InvalidArgumentError("replication.signing_key_file is required with targets");
      ASSIGN_OR_RETURN(std::string text, ReadFileAt(fs, base_dir, r["signing_key_file"].as<std::string>()));
      ASSIGN_OR_RETURN(c.replication.signing_seed, Base64Key(text, 32, "replication.signing_key_file"));
    }
    if (!c.replication.accept_from.empty() && own == vault::SiteRole::kEnclave) {
      return InvalidArgumentError("replication.accept_from: an enclave receives no change stream");
    }
    if ((own == vault::SiteRole::kGlobal && !c.replication.accept_from.empty()) != bool(r["projection_key_file"])) {
      return InvalidArgumentError(
          "replication.projection_key_file is required at a global site that accepts projections, and only there");
    }
    if (r["projection_key_file"]) {
      ASSIGN_OR_RETURN(std::string text, ReadFileAt(fs, base_dir, r["projection_key_file"].as<std::string>()));
      ASSIGN_OR_RETURN(c.replication.projection_private_key, Base64Key(text, 32, "replication.projection_key_file"));
    }
  }
  for (const YAML::Node& w : root["witnesses"]) {
    RETURN_IF_ERROR(OnlyKeys(w, "witnesses[]", {"url", "key", "ca_file", "client_cert", "client_key"}));
    WitnessEndpoint e;
    RETURN_IF_ERROR(ParsePeerUrl(w, "witnesses", base_dir, e.url, e.tls));
    e.verifier_key = Opt<std::string>(w["key"], "");
    if (e.verifier_key.empty()) return InvalidArgumentError("witnesses: each wants url and key");
    c.witnesses.push_back(std::move(e));
  }
  return Status::Ok();
}

Result<GatewayConfig> ParseNode(const YAML::Node& root, const std::string& base_dir, FileSystem& fs) {
  if (!root.IsMap()) return InvalidArgumentError("config is not a YAML mapping");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (!kTopLevelKeys.contains(key)) return InvalidArgumentError("unknown config key '" + key + "'");
  }
  GatewayConfig c;
  if (root["listen"]) RETURN_IF_ERROR(ParseListen(root["listen"].as<std::string>(), c));
  c.threads = Opt<int>(root["threads"], c.threads);
  if (c.threads < 1 || c.threads > 256) return InvalidArgumentError("threads must be within 1..256");

  if (const YAML::Node tls = root["tls"]) {
    c.tls.enabled = true;
    c.tls.cert_file = Resolve(base_dir, Opt<std::string>(tls["cert"], std::string()));
    c.tls.key_file = Resolve(base_dir, Opt<std::string>(tls["key"], std::string()));
    c.tls.client_ca_file = Resolve(base_dir, Opt<std::string>(tls["client_ca"], std::string()));
    c.tls.require_client_cert = Opt<bool>(tls["require_client_cert"], false);
    if (c.tls.cert_file.empty() || c.tls.key_file.empty()) return InvalidArgumentError("tls: cert and key are required");
    if (c.tls.require_client_cert && c.tls.client_ca_file.empty()) {
      return InvalidArgumentError("tls: require_client_cert needs client_ca");
    }
  }
  RETURN_IF_ERROR(ParseAuth(root["auth"], c));

  if (const YAML::Node map = root["network_map"]) {
    if (!map.IsSequence()) return InvalidArgumentError("network_map: want a list of {cidr, country}");
    for (const YAML::Node& e : map) {
      auto prefix = IpPrefix::Parse(Opt<std::string>(e["cidr"], std::string()));
      if (!prefix.ok()) return prefix.status().Annotate("network_map");
      RETURN_IF_ERROR(c.network_map.Add(*prefix, Opt<std::string>(e["country"], std::string())).Annotate("network_map"));
    }
  }
  if (const YAML::Node file = root["network_map_file"]) {
    ASSIGN_OR_RETURN(std::string text, ReadFileAt(fs, base_dir, file.as<std::string>()));
    ASSIGN_OR_RETURN(NetworkMap from_file, NetworkMap::ParseText(text));
    if (c.network_map.size() > 0) return InvalidArgumentError("give network_map or network_map_file, not both");
    c.network_map = std::move(from_file);
  }
  if (c.network_map.size() == 0) return InvalidArgumentError("network_map is empty: every requester would be unknown");
  if (const YAML::Node proxies = root["trusted_proxies"]) {
    if (!proxies.IsSequence()) return InvalidArgumentError("trusted_proxies: want a list of CIDRs");
    for (const YAML::Node& p : proxies) {
      auto prefix = IpPrefix::Parse(p.as<std::string>());
      if (!prefix.ok()) return prefix.status().Annotate("trusted_proxies");
      RETURN_IF_ERROR(c.trusted_proxies.Add(*prefix, "PROXY").Annotate("trusted_proxies"));
    }
  }

  ASSIGN_OR_RETURN(std::string directory_json, FileOrInline(root["directory"], "directory", fs, base_dir));
  ASSIGN_OR_RETURN(Directory directory, Directory::Parse(directory_json));
  c.directory = std::make_shared<const Directory>(std::move(directory));
  ASSIGN_OR_RETURN(c.policies_text, FileOrInline(root["policies"], "policies", fs, base_dir));
  RETURN_IF_ERROR(ParseVault(root["vault"], c));
  RETURN_IF_ERROR(ParseState(root, c));
  if (const YAML::Node key = root["pseudonym_key_file"]) {
    ASSIGN_OR_RETURN(std::string text, ReadFileAt(fs, base_dir, key.as<std::string>()));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    auto raw = Base64Decode(text);
    if (!raw.ok() || raw->size() < 32) return InvalidArgumentError("pseudonym_key_file: want base64 of >= 32 bytes");
    c.pseudonym_key = *raw;
  }
  RETURN_IF_ERROR(ParseLimits(root["limits"], c));
  RETURN_IF_ERROR(ParseSites(root, base_dir, fs, c));
  return c;
}

}  // namespace

Result<GatewayConfig> ParseGatewayConfig(std::string_view yaml, const std::string& base_dir, FileSystem& fs) {
  try {
    return ParseNode(YAML::Load(std::string(yaml)), base_dir, fs);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("config: ") + e.what());
  }
}

Result<GatewayConfig> LoadGatewayConfigFile(const std::string& path, FileSystem& fs) {
  ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  auto config = ParseGatewayConfig(text, DirName(path), fs);
  if (!config.ok()) return config.status().Annotate(path);
  return config;
}

}  // namespace domicile::gateway
