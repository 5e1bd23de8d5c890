// Guards and records changes of classification between vault starts. The last
// accepted classification is kept in store meta; at open the new configuration is
// compared with it field by field. Raising a category is always accepted; lowering
// one (e.g. protected -> public) is refused unless the configuration carries a
// matching `lowering` approval. Every accepted change becomes a
// ClassificationRecord (with digests of both states) for the audit log.
#ifndef DOMICILE_VAULT_CLASSIFICATION_HISTORY_H_
#define DOMICILE_VAULT_CLASSIFICATION_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "vault/config.h"

namespace domicile::vault {

struct ClassificationChange {
  std::string field;     // "collection.field"
  bool added = false;    // the field's collection is new: there was no category before
  Category from = Category::kProtected;
  Category to = Category::kProtected;
  bool lowering = false;
  std::string approved_by;  // from the approval, for lowerings
  std::string reason;
};

struct ClassificationRecord {
  std::string previous_digest;  // hex SHA-256 of the previous state; "" on first start
  std::string digest;           // of the new state
  int64_t time_micros = 0;
  std::vector<ClassificationChange> changes;
  // One JSON object (stable key order) for the audit log.
  std::string ToJson() const;
};

struct Reconciled {
  std::string state;                          // new state to store (JSON)
  std::optional<ClassificationRecord> record; // nullopt: nothing changed
};

// `stored` is the previous state (nullopt on first start). FailedPrecondition
// naming the field if a lowering has no approval; DataLoss if `stored` is corrupt.
// Collections removed from the configuration stay in the state, so removing and
// re-adding a collection cannot bypass the lowering check.
Result<Reconciled> ReconcileClassification(const VaultConfig& config, const std::optional<std::string>& stored,
                                           int64_t now_micros);

}  // namespace domicile::vault

#endif  // DOMICILE_VAULT_CLASSIFICATION_HISTORY_H_
