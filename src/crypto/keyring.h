// The keyring: key-encryption keys (one per jurisdiction, versioned) that wrap the
// per-subject data keys, the shred-bucket secrets that make crypto-shredding reach
// old copies, and the blind-index key. Keys never leave a Keyring: callers hand in
// a data key to wrap and get back an opaque blob, so a KMS or HSM implementation
// fits behind the same interface. FileKeyring keeps everything in one file sealed
// under a 32-byte root key held by the custodian (a key file, or k-of-n Shamir
// shares of it, see crypto/shamir.h). Format and key hierarchy: docs/vault.md.
//
// Sealed => every key operation fails with FailedPrecondition.
// Thread-safety: all methods may be called concurrently.
#ifndef DOMICILE_CRYPTO_KEYRING_H_
#define DOMICILE_CRYPTO_KEYRING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/file.h"
#include "common/status.h"

namespace domicile::crypto {

inline constexpr size_t kRootKeySize = 32;

class Keyring {
 public:
  virtual ~Keyring() = default;

  virtual bool sealed() const = 0;
  // Makes the keys usable. PermissionDenied if `root_key` is not this keyring's.
  virtual Status Unseal(std::string_view root_key) = 0;
  // Forgets every key held in memory.
  virtual void Seal() = 0;

  // Subjects are spread over this many shred buckets (fixed at creation).
  virtual uint32_t shred_buckets() const = 0;
  virtual bool HasJurisdiction(std::string_view jurisdiction) const = 0;

  // Wraps `key` under the jurisdiction's active KEK and the current secret of
  // `bucket`, authenticating `aad` with it. NotFound for an unknown jurisdiction,
  // InvalidArgument for a bucket out of range.
  virtual Result<std::string> WrapKey(std::string_view jurisdiction, uint32_t bucket, std::string_view key,
                                      std::string_view aad) = 0;
  // Inverse of WrapKey. DataLoss if the blob is malformed, refers to destroyed
  // key material, or does not authenticate with `aad`.
  virtual Result<std::string> UnwrapKey(std::string_view jurisdiction, std::string_view wrapped,
                                        std::string_view aad) = 0;
  // True when `wrapped` uses the active KEK and its bucket's current secret.
  virtual Result<bool> IsCurrent(std::string_view jurisdiction, std::string_view wrapped) = 0;

  // Adds a new KEK version and makes it active; older versions still unwrap until
  // DestroyRetiredKeks. Returns the new version.
  virtual Result<uint32_t> RotateKek(std::string_view jurisdiction) = 0;
  virtual Status DestroyRetiredKeks(std::string_view jurisdiction) = 0;

  // Gives `bucket` a new secret; the old one still unwraps until
  // DestroyStaleBucket, which destroys every non-current secret of the bucket.
  virtual Status RotateBucket(std::string_view jurisdiction, uint32_t bucket) = 0;
  virtual Status DestroyStaleBucket(std::string_view jurisdiction, uint32_t bucket) = 0;
  // Buckets that still have a non-current secret (an interrupted shred).
  virtual Result<std::vector<uint32_t>> StaleBuckets(std::string_view jurisdiction) = 0;

  // HMAC-SHA-256 token of `normalized` under a key dedicated to `index`.
  virtual Result<std::string> BlindIndexToken(std::string_view index, std::string_view normalized) = 0;
};

// The custodian's key file: one line "dkr1-<64 hex digits>".
std::string FormatRootKeyFile(std::string_view root_key);
Result<std::string> ParseRootKeyFile(std::string_view text);

class FileKeyring final : public Keyring {
 public:
  struct Created;
  // Writes a new keyring file at `path` (AlreadyExists if present) with a KEK for
  // each jurisdiction. Returns it unsealed, with the new root key.
  static Result<Created> Create(FileSystem& fs, std::string path, const std::vector<std::string>& jurisdictions,
                                uint32_t shred_buckets = 4096);
  // Opens an existing keyring file, sealed.
  static Result<std::unique_ptr<FileKeyring>> Open(FileSystem& fs, std::string path);

  ~FileKeyring() override;

  // Adds a jurisdiction with a fresh KEK. AlreadyExists if present.
  Status AddJurisdiction(std::string_view jurisdiction);

  bool sealed() const override;
  Status Unseal(std::string_view root_key) override;
  void Seal() override;
  uint32_t shred_buckets() const override { return buckets_; }
  bool HasJurisdiction(std::string_view jurisdiction) const override;
  Result<std::string> WrapKey(std::string_view jurisdiction, uint32_t bucket, std::string_view key,
                              std::string_view aad) override;
  Result<std::string> UnwrapKey(std::string_view jurisdiction, std::string_view wrapped,
                                std::string_view aad) override;
  Result<bool> IsCurrent(std::string_view jurisdiction, std::string_view wrapped) override;
  Result<uint32_t> RotateKek(std::string_view jurisdiction) override;
  Status DestroyRetiredKeks(std::string_view jurisdiction) override;
  Status RotateBucket(std::string_view jurisdiction, uint32_t bucket) override;
  Status DestroyStaleBucket(std::string_view jurisdiction, uint32_t bucket) override;
  Result<std::vector<uint32_t>> StaleBuckets(std::string_view jurisdiction) override;
  Result<std::string> BlindIndexToken(std::string_view index, std::string_view normalized) override;

 private:
  struct Jurisdiction {
    uint32_t active_kek = 0;
    std::map<uint32_t, std::string> keks;  // version -> 32-byte KEK
    // Current secret of each bucket and its epoch; retired secrets awaiting
    // destruction by bucket then epoch.
    std::vector<uint32_t> epoch;
    std::vector<std::string> secret;
    std::map<uint32_t, std::map<uint32_t, std::string>> stale;
    // Derived wrapping key of each bucket under the active KEK and the current
    // secret, kept so the hot path skips one HMAC. Rebuilt by RefreshWrapKeys.
    std::vector<std::string> wrap_key;
  };

  FileKeyring(FileSystem& fs, std::string path, uint32_t buckets, std::vector<std::string> jurisdictions);
  static Result<Jurisdiction> NewJurisdiction(uint32_t buckets);
  Result<Jurisdiction*> Find(std::string_view jurisdiction);  // requires mu_ held, unsealed
  Status PersistLocked();                                     // requires mu_ held exclusively
  // Recomputes wrap_key for one bucket, or all when bucket == kAllBuckets.
  static constexpr uint32_t kAllBuckets = 0xffffffff;
  void RefreshWrapKeys(Jurisdiction& j, uint32_t bucket = kAllBuckets);
  void WipeLocked();

  FileSystem& fs_;
  const std::string path_;
  const uint32_t buckets_;

  mutable std::shared_mutex mu_;
  std::vector<std::string> names_;  // jurisdictions, sorted; guarded by mu_
  bool sealed_ = true;              // guarded by mu_
  std::string root_key_;            // guarded by mu_; empty while sealed
  std::string index_key_;           // guarded by mu_
  std::map<std::string, Jurisdiction, std::less<>> keys_;  // guarded by mu_
};

struct FileKeyring::Created {
  std::unique_ptr<FileKeyring> keyring;
  std::string root_key;
};

}  // namespace domicile::crypto

#endif  // DOMICILE_CRYPTO_KEYRING_H_
