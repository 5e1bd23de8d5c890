// Fuzzes the vault configuration parser (YAML: collections, fields, categories,
// sites, lowering approvals) and the classification reconciliation that runs on
// every start against the state stored before.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "vault/classification_history.h"
#include "vault/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  auto config = domicile::vault::ParseVaultConfig(yaml);
  if (!config.ok()) return 0;
  // A valid config always names its own site, and every field has a category.
  if (config->site().id != config->site_id) std::abort();
  auto first = domicile::vault::ReconcileClassification(*config, std::nullopt, 0);
  if (!first.ok()) std::abort();  // a first start never refuses
  auto again = domicile::vault::ReconcileClassification(*config, first->state, 1);
  if (!again.ok() || again->record.has_value()) std::abort();  // same config: no change
  return 0;
}
