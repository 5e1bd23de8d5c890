// The vault: classified, residency-pinned, encrypted storage of subjects' personal
// data. Every field value is sealed under its subject's data key before it reaches
// the Store; keys come from the Keyring, which stays sealed until the custodian's
// unseal material is supplied. Deleting a subject destroys its key so that no copy
// of the store taken before (backups included) can be decrypted. Design, formats
// and threat model: docs/vault.md.
//
// Errors (each leaves the store unchanged): FailedPrecondition while sealed;
// InvalidArgument for malformed input or an unknown collection; ResourceExhausted
// for an oversized value; PermissionDenied naming the placement rule for data that
// may not live at this site; NotFound for an unknown subject; DataLoss for stored
// data that does not authenticate (tampered, swapped between fields/subjects).
// Personal values never appear in error messages.
//
// Thread-safety: all methods may be called concurrently; operations on one subject
// are serialised. One Vault per Store (no cross-process locking).
#ifndef DOMICILE_VAULT_VAULT_H_
#define DOMICILE_VAULT_VAULT_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/keyring.h"
#include "store/store.h"
#include "vault/classification_history.h"
#include "vault/config.h"
#include "vault/internal/dek_cache.h"
#include "vault/internal/writer_priority_mutex.h"

namespace domicile::vault {

// collection -> field -> JSON value
using FieldValues = std::map<std::string, std::map<std::string, nlohmann::json>>;

struct FieldValue {
  std::string field;
  nlohmann::json value;
  Category category = Category::kProtected;
  uint64_t version = 0;
};

class Vault;

// One subject's record as Vault::Subject read it: its home (for the caller's
// policy decision) and the wrapped key material, so that the Get that follows
// does not read the record again. A value, cheap to copy; it never holds a
// plaintext key. If anything that can change or destroy a subject's key ran in
// between (Delete, Seal, Unseal, KEK rotation), Get reads the record afresh, so a
// SubjectRef never outlives a shred: Get answers exactly as Get(id, ...) would.
class SubjectRef {
 public:
  const std::string& id() const { return record_.id; }
  const std::string& home() const { return record_.home; }

 private:
  friend class Vault;
  store::SubjectRecord record_;
  const Vault* vault_ = nullptr;  // the Vault that read it
  uint64_t epoch_ = 0;            // Vault::record_epoch_ before the read
};

// What Delete destroyed, for the audit log. Carries no personal data: the subject
// appears only as a keyed pseudonym.
struct ShredReceipt {
  std::string subject_pseudonym;  // hex HMAC-SHA-256 of the subject id (blind-index key "vault.subject")
  std::string home;
  std::string site;
  int64_t time_micros = 0;
  uint64_t fields_destroyed = 0;
  uint64_t index_entries_removed = 0;
  std::string kek_jurisdiction;
  uint32_t shred_bucket = 0;
  uint64_t keys_rewrapped = 0;  // other subjects of the bucket moved to its new secret
  std::string digest;           // hex SHA-256 of ToJson() without "digest"
  std::string ToJson() const;   // includes the digest
};

class Vault {
 public:
  // Opens the vault sealed. Checks the classification against the last accepted
  // one (FailedPrecondition for an unapproved lowering) and records changes.
  // `store`, `keyring` and `clock` must outlive the Vault.
  static Result<std::unique_ptr<Vault>> Open(VaultConfig config, store::Store* store, crypto::Keyring* keyring,
                                             Clock* clock);

  // Accepted classification change at this Open (for the audit log), if any.
  const std::optional<ClassificationRecord>& classification_change() const { return classification_change_; }
  const VaultConfig& config() const { return config_; }
  Category CategoryOf(std::string_view collection, std::string_view field) const {
    return config_.CategoryOf(collection, field);
  }

  // Unseals with the custodian's root key (crypto/keyring.h: key file or combined
  // Shamir shares), then finishes any shred interrupted by a crash.
  // PermissionDenied for a wrong key or at a backup site.
  Status Unseal(std::string_view root_key);
  void Seal();
  bool sealed() const;

  // Writes fields of `subject` (created with home `home` if new; a subject's home
  // never changes). All or nothing.
  Status Put(std::string_view subject, std::string_view home, const FieldValues& values);

  // Selected fields of one collection (all when `fields` is empty), sorted by name;
  // absent fields are left out.
  Result<std::vector<FieldValue>> Get(std::string_view subject, std::string_view collection,
                                      const std::vector<std::string>& fields);

  // Get for a subject already read with Subject(): one store read fewer. Same
  // errors as Get(subject.id(), ...), checked the same way (sealed vault first).
  Result<std::vector<FieldValue>> Get(const SubjectRef& subject, std::string_view collection,
                                      const std::vector<std::string>& fields);

  // The subject's home jurisdiction. NotFound if unknown.
  Result<std::string> Home(std::string_view subject);

  // The subject's record (home and wrapped key), for a Home + Get pair that reads
  // it once. Errors as Home: FailedPrecondition while sealed, InvalidArgument for
  // a malformed id, NotFound if unknown (or shredded).
  Result<SubjectRef> Subject(std::string_view subject);

  // Subjects whose blind-indexed `collection.field` equals `value` after
  // normalisation. InvalidArgument if the field has no blind index.
  Result<std::vector<std::string>> Lookup(std::string_view collection, std::string_view field,
                                          std::string_view value);

  // Crypto-shreds the subject: its data key becomes undecryptable everywhere, then
  // its records are removed.
  Result<ShredReceipt> Delete(std::string_view subject);

  // Rotates this site's KEK: rewraps every data key (no field is rewritten), then
  // destroys the old KEK. Returns the number of keys rewrapped.
  Result<uint64_t> RotateKek();

  // Unwrapped data keys currently cached (for metrics and tests).
  size_t cached_data_keys() const { return dek_cache_.size(); }

 private:
  Vault(VaultConfig config, store::Store* store, crypto::Keyring* keyring, Clock* clock);
  Status CheckUnsealed() const;
  std::mutex& SubjectLock(std::string_view subject);
  uint32_t BucketOf(std::string_view subject) const;
  std::string BucketToken(uint32_t bucket) const;
  // Rewraps every key of `bucket` that is not under its current secret.
  Result<uint64_t> RewrapBucket(uint32_t bucket, std::string_view skip_subject);
  Result<bool> RewrapSubject(const store::SubjectRecord& rec);
  // The subject's DEK into `out`, from the cache or unwrapped (and then cached).
  // Requires shred_mu_ held (shared or exclusive).
  Status UnwrapDek(const store::SubjectRecord& rec, internal::DataKey& out);
  // Get's work once the subject record is known. Requires shred_mu_ held shared.
  Result<std::vector<FieldValue>> GetLocked(const store::SubjectRecord& rec, std::string_view collection,
                                            const std::vector<std::string>& fields);
  Status CheckGetArguments(std::string_view subject, std::string_view collection) const;
  // The subject's record from the store. NotFound if unknown (or shredded).
  Result<store::SubjectRecord> ReadSubject(std::string_view subject);

  const VaultConfig config_;
  store::Store* const store_;
  crypto::Keyring* const keyring_;
  Clock* const clock_;
  const std::string key_jurisdiction_;  // whose KEK wraps data keys here: the site's
  std::optional<ClassificationRecord> classification_change_;
  // Recently unwrapped DEKs (docs/vault.md, "Data-key cache"). Erased for a
  // subject at the start of its shred, cleared on Seal, Unseal and KEK rotation.
  mutable internal::DekCache dek_cache_;
  // Bumped by everything after which a SubjectRef's record may be stale in a way
  // that matters (Delete, Seal, Unseal, KEK rotation); a SubjectRef from an older
  // epoch is read again.
  std::atomic<uint64_t> record_epoch_{0};

  // Shared by data operations, exclusive for a shred, so that no key is wrapped
  // under a bucket secret while that secret is being destroyed (also exclusive
  // for seal, unseal and the KEK switch). Writer priority: a stream of reads
  // cannot postpone a shred.
  internal::WriterPriorityMutex shred_mu_;
  std::mutex rotate_mu_;  // one KEK rotation at a time
  // Serialise read-modify-write of one subject (striped by hash of the id).
  std::array<std::mutex, 64> subject_mu_;
};

}  // namespace domicile::vault

#endif  // DOMICILE_VAULT_VAULT_H_
