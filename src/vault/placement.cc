#include "vault/placement.h"

#include <string>

namespace domicile::vault {

Status CheckPlacement(const Site& site, std::string_view home, Category category) {
  switch (site.role) {
    case SiteRole::kEnclave:
      if (site.jurisdiction != home) {
        return PermissionDeniedError("placement rule residency.enclave-home: a subject homed in " + std::string(home) +
                                     " may only be held at an enclave site of " + std::string(home) + "; site " +
                                     site.id + " is in " + site.jurisdiction);
      }
      return Status::Ok();
    case SiteRole::kBackup:
      return PermissionDeniedError("placement rule residency.backup-sealed-only: site " + site.id +
                                   " is a backup site and holds only sealed data and wrapped keys");
    case SiteRole::kGlobal:
      if (category != Category::kInteroperable) {
        return PermissionDeniedError("placement rule residency.global-interoperable-only: site " + site.id +
                                     " is a global site and holds only interoperable fields, not " +
                                     std::string(CategoryName(category)) + " ones");
      }
      return Status::Ok();
  }
  return PermissionDeniedError("placement: unknown site role");
}

Status CheckMayHoldKeys(const Site& site) {
  if (site.role == SiteRole::kBackup) {
    return PermissionDeniedError("placement rule residency.backup-sealed-only: site " + site.id +
                                 " is a backup site and never receives a key-encryption key");
  }
  return Status::Ok();
}

}  // namespace domicile::vault
