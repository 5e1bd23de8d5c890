#include "scan/residency.h"

#include <nlohmann/json.hpp>

namespace domicile::scan {
namespace {
constexpr std::string_view kUnmapped = "(unmapped)";
}  // namespace

Result<ResidencyConfig> ParseResidencyConfig(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("residency config: not a JSON object");
  ResidencyConfig config;
  if (!j.contains("sites") || !j["sites"].is_array()) {
    return InvalidArgumentError("residency config: \"sites\" must be an array");
  }
  for (const auto& s : j["sites"]) {
    if (!s.is_object() || !s.contains("id") || !s["id"].is_string() || !s.contains("role") ||
        !s["role"].is_string()) {
      return InvalidArgumentError("residency config: each site needs string \"id\" and \"role\"");
    }
    Site site;
    site.id = s["id"];
    site.role = s["role"];
    if (site.role != "enclave" && site.role != "backup" && site.role != "global") {
      return InvalidArgumentError("residency config: site " + site.id + ": role must be enclave, backup or global");
    }
    if (s.contains("jurisdiction") && s["jurisdiction"].is_string()) site.jurisdiction = s["jurisdiction"];
    if (s.contains("allow")) {
      if (!s["allow"].is_array()) return InvalidArgumentError("residency config: \"allow\" must be an array");
      for (const auto& e : s["allow"]) {
        auto entity = e.is_string() ? ParseEntity(e.get<std::string>()) : std::nullopt;
        if (!entity) return InvalidArgumentError("residency config: unknown entity in \"allow\"");
        site.allowed[static_cast<int>(*entity)] = true;
      }
    }
    for (const Site& other : config.sites) {
      if (other.id == site.id) return InvalidArgumentError("residency config: duplicate site " + site.id);
    }
    config.sites.push_back(std::move(site));
  }
  if (j.contains("locations")) {
    if (!j["locations"].is_object()) {
      return InvalidArgumentError("residency config: \"locations\" must map path prefixes to site ids");
    }
    for (const auto& [prefix, site] : j["locations"].items()) {
      if (!site.is_string()) return InvalidArgumentError("residency config: location " + prefix + ": site must be a string");
      bool known = false;
      for (const Site& s : config.sites) known = known || s.id == site.get<std::string>();
      if (!known) return InvalidArgumentError("residency config: location " + prefix + ": unknown site");
      config.locations.emplace_back(prefix, site.get<std::string>());
    }
  }
  return config;
}

ResidencyReport::ResidencyReport(ResidencyConfig config) : config_(std::move(config)) {}

const Site* ResidencyReport::SiteFor(std::string_view path) const {
  const std::string* best = nullptr;
  size_t best_len = 0;
  for (const auto& [prefix, site] : config_.locations) {
    if (path.substr(0, prefix.size()) == prefix && (best == nullptr || prefix.size() > best_len)) {
      best = &site;
      best_len = prefix.size();
    }
  }
  if (best == nullptr) return nullptr;
  for (const Site& s : config_.sites) {
    if (s.id == *best) return &s;
  }
  return nullptr;
}

void ResidencyReport::Add(const std::string& path, const std::vector<LocatedFinding>& findings) {
  const Site* site = SiteFor(path);
  if (site != nullptr && site->role == "enclave") return;
  for (const LocatedFinding& f : findings) {
    int e = static_cast<int>(f.finding.entity);
    if (site != nullptr && site->allowed[e]) continue;
    SiteCounts& c = by_site_[site != nullptr ? site->id : std::string(kUnmapped)];
    ++c.counts[e];
    ++c.paths[path];
    ++violations_;
  }
}

std::string ResidencyReport::ToJson() const {
  nlohmann::ordered_json j;
  j["violations"] = violations_;
  nlohmann::ordered_json sites = nlohmann::ordered_json::array();
  for (const auto& [id, c] : by_site_) {
    nlohmann::ordered_json s;
    s["site"] = id;
    for (const Site& site : config_.sites) {
      if (site.id == id) {
        s["jurisdiction"] = site.jurisdiction;
        s["role"] = site.role;
      }
    }
    nlohmann::ordered_json counts = nlohmann::ordered_json::object();
    for (int e = 0; e < kEntityCount; ++e) {
      if (c.counts[e] > 0) counts[std::string(EntityName(static_cast<Entity>(e)))] = c.counts[e];
    }
    s["counts"] = counts;
    s["paths"] = c.paths;
    sites.push_back(s);
  }
  j["sites"] = sites;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace domicile::scan
