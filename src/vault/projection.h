// What a global site receives (docs/sites.md, "Global sites"): per subject, only
// the values of its `interoperable` fields, computed inside the enclave through
// its unsealed vault, under a pseudonym P = hex HMAC-SHA-256(K_proj, subject id)
// whose key (keyring blind-index subkey "global.subject") never leaves the
// enclave's keyring. A subject that no longer exists, or has no interoperable
// value, is a `drop` of P. Batches of projections are signed with the enclave's
// replication key and their payload is sealed to the global site's X25519 key
// (crypto/x25519_seal.h): only that site opens them. The global site stores each
// projection in its own vault as subject P, sealed under its own KEK; a drop
// crypto-shreds P there.
#ifndef DOMICILE_VAULT_PROJECTION_H_
#define DOMICILE_VAULT_PROJECTION_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/keyring.h"
#include "store/store.h"
#include "vault/vault.h"

namespace domicile::vault {

// The keyring blind-index derivation of the pseudonym key.
inline constexpr std::string_view kProjectionPseudonymIndex = "global.subject";

struct ProjectionChange {
  std::string pseudonym;  // 64 lowercase hex digits
  bool drop = false;
  FieldValues values;  // when !drop: interoperable values only, non-empty

  friend bool operator==(const ProjectionChange&, const ProjectionChange&) = default;
};

struct ProjectionBatch {
  std::string from_site;
  std::string to_site;
  uint64_t seq = 0;  // > 0, strictly increasing per (from, to)
  std::vector<ProjectionChange> changes;

  friend bool operator==(const ProjectionBatch&, const ProjectionBatch&) = default;
};

// The projection of `subject` at an enclave: FailedPrecondition while the vault or
// keyring is sealed (the shipper retries), a drop when the subject is absent or
// holds no interoperable value.
Result<ProjectionChange> ReadProjection(Vault& vault, crypto::Keyring& keyring, std::string_view subject);

// The envelope {"v":1,"kind":"projection","payload":"<base64>","sig":"<base64>"}:
// payload = X25519Seal(recipient key, batch JSON, "domicile-projection-v1"),
// sig = Ed25519(seed, "domicile-projection-v1\n" || payload bytes).
Result<std::string> SealProjectionBatch(const ProjectionBatch& batch, std::string_view signing_seed,
                                        std::string_view recipient_public_key);

// True when `envelope` claims to be a projection batch (its "kind"), whether or not
// it verifies: a global site answers anything else with its refusal.
bool IsProjectionEnvelope(std::string_view envelope);

// Verifies the signature with `sender_public_key` (PermissionDenied: try another
// sender), opens the payload with `recipient_private_key` (PermissionDenied: sealed
// to another site or altered) and parses it strictly (InvalidArgument, or
// ResourceExhausted for too many changes or bytes); PermissionDenied for a batch
// from or to other sites. Nothing is returned unless all of it holds.
Result<ProjectionBatch> OpenProjectionBatch(std::string_view envelope, std::string_view sender_public_key,
                                            std::string_view recipient_private_key, std::string_view expected_from,
                                            std::string_view expected_to);

// The batch JSON (the sealed payload), and its strict parser (for tests and fuzzing).
std::string EncodeProjectionPayload(const ProjectionBatch& batch);
Result<ProjectionBatch> ParseProjectionPayload(std::string_view text);

// Applies verified projection batches to a global site's vault. Before anything is
// written every value is checked to be of a known collection and classified
// interoperable at this site (PermissionDenied naming
// residency.global-interoperable-only otherwise; nothing applied). A put writes P's
// values (subject P homed in this site's jurisdiction); a drop deletes P (its key
// crypto-shredded; absent P is no error). Idempotent as BatchApplier: a batch whose
// seq is not above the sender's cursor (store meta projection/cursor/<sender>)
// changes nothing. Thread-safe (batches are serialised).
class ProjectionApplier {
 public:
  ProjectionApplier(Vault* vault, store::Store* store) : vault_(vault), store_(store) {}
  // Returns the sender's cursor after the batch.
  Result<uint64_t> Apply(const ProjectionBatch& batch);

 private:
  Vault* const vault_;
  store::Store* const store_;
  std::mutex mu_;  // serialises Apply
};

}  // namespace domicile::vault

#endif  // DOMICILE_VAULT_PROJECTION_H_
