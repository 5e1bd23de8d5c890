// Placement rules: where a subject's data may live. Each refusal names its rule so
// that operators and the audit log can tell which promise a request would break.
//   residency.enclave-home            plaintext-capable data of a subject only at an
//                                     enclave site of its home jurisdiction
//   residency.backup-sealed-only      backup sites hold sealed data and wrapped keys
//                                     only: no KEK, no plaintext in or out
//   residency.global-interoperable-only  global sites hold interoperable fields only
#ifndef DOMICILE_VAULT_PLACEMENT_H_
#define DOMICILE_VAULT_PLACEMENT_H_

#include <string_view>

#include "common/status.h"
#include "vault/config.h"

namespace domicile::vault {

// May a plaintext value of category `category` of a subject homed in `home` be
// written at, or read back from, `site`? PermissionDenied naming the rule if not.
Status CheckPlacement(const Site& site, std::string_view home, Category category);

// May `site` hold key-encryption keys (be unsealed)? Only enclave and global sites.
Status CheckMayHoldKeys(const Site& site);

}  // namespace domicile::vault

#endif  // DOMICILE_VAULT_PLACEMENT_H_
