// The vault's configuration: which collections and fields exist and what each
// field reveals (its category), which sites exist and where this vault runs, and
// the explicit, recorded acknowledgements that allow lowering a field's category.
// Parsed from YAML (format in docs/vault.md); validated once, then shared read-only.
#ifndef DOMICILE_VAULT_CONFIG_H_
#define DOMICILE_VAULT_CONFIG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::vault {

// Ordered from least to most revealing; an unclassified field is kProtected.
enum class Category { kInteroperable = 0, kPublic = 1, kProfiling = 2, kProtected = 3 };
std::string_view CategoryName(Category c);
Result<Category> ParseCategory(std::string_view name);

// How a blind-indexed value is normalised before it is keyed (vault/blind_index.h).
enum class Normalizer { kNone = 0, kExact, kEmail, kPhone };

struct FieldSpec {
  Category category = Category::kProtected;
  Normalizer blind_index = Normalizer::kNone;
};

struct Collection {
  std::map<std::string, FieldSpec, std::less<>> fields;
};

enum class SiteRole { kEnclave, kBackup, kGlobal };
std::string_view SiteRoleName(SiteRole r);

struct Site {
  std::string id;
  std::string jurisdiction;  // ISO 3166-1 alpha-2 or a named group
  std::string custodian;
  SiteRole role = SiteRole::kEnclave;
};

// "Lower `field` from `from` to `to`", approved by someone for a reason. Without a
// matching entry the vault refuses to open with a configuration that lowers it.
struct LoweringApproval {
  std::string field;  // "collection.field"
  Category from = Category::kProtected;
  Category to = Category::kProtected;
  std::string approved_by;
  std::string reason;
};

struct VaultConfig {
  std::string site_id;  // the site this vault runs at; one of `sites`
  std::vector<Site> sites;
  std::map<std::string, Collection, std::less<>> collections;
  std::vector<LoweringApproval> lowering;
  size_t max_value_bytes = 64 * 1024;  // serialized JSON size of one field value
  size_t dek_cache_entries = 65536;    // unwrapped data keys kept in memory; 0 disables

  const Site& site() const;  // the entry of site_id (validated to exist)
  // nullptr for an unknown collection.
  const Collection* FindCollection(std::string_view collection) const;
  // The field's category; kProtected when the field is unclassified.
  Category CategoryOf(std::string_view collection, std::string_view field) const;
};

// Parses and validates the YAML text. InvalidArgument with the offending path on
// any error: unknown keys, bad names, unknown categories/roles/normalisers,
// duplicate sites, a `site` that is not listed, limits out of range.
Result<VaultConfig> ParseVaultConfig(std::string_view yaml);

}  // namespace domicile::vault

#endif  // DOMICILE_VAULT_CONFIG_H_
