#include "vault/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

namespace domicile::vault {
namespace {

constexpr size_t kMaxConfigBytes = 4 << 20;
constexpr size_t kMaxValueBytesLimit = 1 << 20;

bool ValidName(std::string_view s, size_t max = 128) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

Status Bad(const std::string& path, const std::string& what) {
  return InvalidArgumentError("vault config: " + path + ": " + what);
}

Status OnlyKeys(const YAML::Node& n, const std::string& path, std::initializer_list<std::string_view> allowed) {
  if (!n.IsMap()) return Bad(path, "must be a mapping");
  for (const auto& kv : n) {
    const std::string k = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return Bad(path, "unknown key '" + k + "'");
  }
  return Status::Ok();
}

Result<std::string> Scalar(const YAML::Node& n, const std::string& path) {
  if (!n || !n.IsScalar()) return Bad(path, "must be a string");
  return n.as<std::string>();
}

Result<Normalizer> ParseNormalizer(std::string_view s) {
  if (s == "exact") return Normalizer::kExact;
  if (s == "email") return Normalizer::kEmail;
  if (s == "phone") return Normalizer::kPhone;
  return InvalidArgumentError("unknown blind_index normaliser '" + std::string(s) + "' (exact, email, phone)");
}

Result<FieldSpec> ParseField(const YAML::Node& n, const std::string& path) {
  FieldSpec spec;
  if (n.IsScalar()) {
    auto c = ParseCategory(n.as<std::string>());
    if (!c.ok()) return Bad(path, c.status().message());
    spec.category = *c;
    return spec;
  }
  RETURN_IF_ERROR(OnlyKeys(n, path, {"category", "blind_index"}));
  ASSIGN_OR_RETURN(std::string cat, Scalar(n["category"], path + ".category"));
  auto c = ParseCategory(cat);
  if (!c.ok()) return Bad(path + ".category", c.status().message());
  spec.category = *c;
  if (n["blind_index"]) {
    ASSIGN_OR_RETURN(std::string norm, Scalar(n["blind_index"], path + ".blind_index"));
    auto nz = ParseNormalizer(norm);
    if (!nz.ok()) return Bad(path + ".blind_index", nz.status().message());
    spec.blind_index = *nz;
  }
  return spec;
}

Result<SiteRole> ParseRole(std::string_view s) {
  if (s == "enclave") return SiteRole::kEnclave;
  if (s == "backup") return SiteRole::kBackup;
  if (s == "global") return SiteRole::kGlobal;
  return InvalidArgumentError("unknown role '" + std::string(s) + "' (enclave, backup, global)");
}

Result<VaultConfig> Parse(const YAML::Node& root) {
  VaultConfig cfg;
  RETURN_IF_ERROR(OnlyKeys(root, "(top)", {"site", "sites", "collections", "lowering", "max_value_bytes", "dek_cache_entries"}));
  ASSIGN_OR_RETURN(cfg.site_id, Scalar(root["site"], "site"));

  const YAML::Node sites = root["sites"];
  if (!sites || !sites.IsSequence() || sites.size() == 0) return Bad("sites", "must be a non-empty list");
  std::set<std::string> ids;
  for (size_t i = 0; i < sites.size(); ++i) {
    const std::string path = "sites[" + std::to_string(i) + "]";
    RETURN_IF_ERROR(OnlyKeys(sites[i], path, {"id", "jurisdiction", "custodian", "role"}));
    Site s;
    ASSIGN_OR_RETURN(s.id, Scalar(sites[i]["id"], path + ".id"));
    ASSIGN_OR_RETURN(s.jurisdiction, Scalar(sites[i]["jurisdiction"], path + ".jurisdiction"));
    ASSIGN_OR_RETURN(s.custodian, Scalar(sites[i]["custodian"], path + ".custodian"));
    ASSIGN_OR_RETURN(std::string role, Scalar(sites[i]["role"], path + ".role"));
    if (!ValidName(s.id)) return Bad(path + ".id", "must be 1-128 of [A-Za-z0-9_-]");
    if (!ValidName(s.jurisdiction, 32)) return Bad(path + ".jurisdiction", "must be 1-32 of [A-Za-z0-9_-]");
    if (s.custodian.empty()) return Bad(path + ".custodian", "must not be empty");
    auto r = ParseRole(role);
    if (!r.ok()) return Bad(path + ".role", r.status().message());
    s.role = *r;
    if (!ids.insert(s.id).second) return Bad(path + ".id", "duplicate site id '" + s.id + "'");
    cfg.sites.push_back(std::move(s));
  }
  if (!ids.count(cfg.site_id)) return Bad("site", "'" + cfg.site_id + "' is not one of the sites");

  const YAML::Node cols = root["collections"];
  if (!cols || !cols.IsMap()) return Bad("collections", "must be a mapping");
  for (const auto& ckv : cols) {
    const std::string cname = ckv.first.as<std::string>();
    const std::string cpath = "collections." + cname;
    if (!ValidName(cname)) return Bad(cpath, "collection names are 1-128 of [A-Za-z0-9_-]");
    RETURN_IF_ERROR(OnlyKeys(ckv.second, cpath, {"fields"}));
    const YAML::Node fields = ckv.second["fields"];
    if (!fields || !fields.IsMap()) return Bad(cpath + ".fields", "must be a mapping");
    Collection& col = cfg.collections[cname];
    for (const auto& fkv : fields) {
      const std::string fname = fkv.first.as<std::string>();
      const std::string fpath = cpath + ".fields." + fname;
      if (!ValidName(fname)) return Bad(fpath, "field names are 1-128 of [A-Za-z0-9_-]");
      ASSIGN_OR_RETURN(col.fields[fname], ParseField(fkv.second, fpath));
    }
  }

  if (const YAML::Node low = root["lowering"]; low) {
    if (!low.IsSequence()) return Bad("lowering", "must be a list");
    for (size_t i = 0; i < low.size(); ++i) {
      const std::string path = "lowering[" + std::to_string(i) + "]";
      RETURN_IF_ERROR(OnlyKeys(low[i], path, {"field", "from", "to", "approved_by", "reason"}));
      LoweringApproval a;
      ASSIGN_OR_RETURN(a.field, Scalar(low[i]["field"], path + ".field"));
      ASSIGN_OR_RETURN(std::string from, Scalar(low[i]["from"], path + ".from"));
      ASSIGN_OR_RETURN(std::string to, Scalar(low[i]["to"], path + ".to"));
      ASSIGN_OR_RETURN(a.approved_by, Scalar(low[i]["approved_by"], path + ".approved_by"));
      ASSIGN_OR_RETURN(a.reason, Scalar(low[i]["reason"], path + ".reason"));
      auto f = ParseCategory(from), t = ParseCategory(to);
      if (!f.ok() || !t.ok()) return Bad(path, "from/to must be categories");
      a.from = *f;
      a.to = *t;
      if (a.field.find('.') == std::string::npos) return Bad(path + ".field", "must be collection.field");
      if (a.approved_by.empty() || a.reason.empty()) return Bad(path, "approved_by and reason must not be empty");
      if (a.to >= a.from) return Bad(path, "is not a lowering");
      cfg.lowering.push_back(std::move(a));
    }
  }

  if (const YAML::Node m = root["max_value_bytes"]; m) {
    ASSIGN_OR_RETURN(std::string s, Scalar(m, "max_value_bytes"));
    size_t v = 0;
    if (s.empty() || s.size() > 8 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        (v = std::stoul(s)) == 0 || v > kMaxValueBytesLimit) {
      return Bad("max_value_bytes", "must be an integer in 1..1048576");
    }
    cfg.max_value_bytes = v;
  }
  if (const YAML::Node m = root["dek_cache_entries"]; m) {
    ASSIGN_OR_RETURN(std::string s, Scalar(m, "dek_cache_entries"));
    if (s.empty() || s.size() > 8 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Bad("dek_cache_entries", "must be an integer in 0..99999999");
    }
    cfg.dek_cache_entries = std::stoul(s);
  }
  return cfg;
}

}  // namespace

std::string_view CategoryName(Category c) {
  switch (c) {
    case Category::kInteroperable: return "interoperable";
    case Category::kPublic: return "public";
    case Category::kProfiling: return "profiling";
    case Category::kProtected: return "protected";
  }
  return "protected";
}

Result<Category> ParseCategory(std::string_view name) {
  for (Category c : {Category::kInteroperable, Category::kPublic, Category::kProfiling, Category::kProtected}) {
    if (CategoryName(c) == name) return c;
  }
  return InvalidArgumentError("unknown category '" + std::string(name) +
                              "' (protected, profiling, public, interoperable)");
}

std::string_view SiteRoleName(SiteRole r) {
  switch (r) {
    case SiteRole::kEnclave: return "enclave";
    case SiteRole::kBackup: return "backup";
    case SiteRole::kGlobal: return "global";
  }
  return "enclave";
}

const Site& VaultConfig::site() const {
  for (const Site& s : sites) {
    if (s.id == site_id) return s;
  }
  assert(false && "VaultConfig not validated");
  return sites.front();
}

const Collection* VaultConfig::FindCollection(std::string_view collection) const {
  auto it = collections.find(collection);
  return it == collections.end() ? nullptr : &it->second;
}

Category VaultConfig::CategoryOf(std::string_view collection, std::string_view field) const {
  const Collection* c = FindCollection(collection);
  if (c == nullptr) return Category::kProtected;
  auto it = c->fields.find(field);
  return it == c->fields.end() ? Category::kProtected : it->second.category;
}

Result<VaultConfig> ParseVaultConfig(std::string_view yaml) {
  if (yaml.size() > kMaxConfigBytes) return InvalidArgumentError("vault config: larger than 4 MiB");
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    return Parse(root);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("vault config: YAML: ") + e.what());
  } catch (const std::exception& e) {  // e.g. std::out_of_range from a conversion
    return InvalidArgumentError(std::string("vault config: ") + e.what());
  }
}

}  // namespace domicile::vault
