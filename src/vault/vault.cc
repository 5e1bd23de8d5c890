#include "vault/vault.h"

#include <algorithm>
#include <functional>

#include <openssl/crypto.h>

#include "common/encoding.h"
#include "crypto/envelope.h"
#include "crypto/sha256.h"
#include "vault/blind_index.h"
#include "vault/placement.h"

namespace domicile::vault {
namespace {

constexpr std::string_view kMetaClassification = "vault/classification";
constexpr std::string_view kMetaClassificationLog = "vault/classification-log";
constexpr std::string_view kBucketIndex = "vault.shred-bucket";
constexpr size_t kMaxSubjectId = 256;
constexpr size_t kRewrapPage = 1000;

Status ValidateSubject(std::string_view subject) {
  if (subject.empty() || subject.size() > kMaxSubjectId) {
    return InvalidArgumentError("vault: subject id must be 1-256 bytes");
  }
  if (subject.find('\0') != std::string_view::npos) return InvalidArgumentError("vault: subject id contains NUL");
  return Status::Ok();
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 4;
    if (n == 4 || s.size() - i <= n) return false;  // bad lead byte, or truncated
    uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1f) : n == 2 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // No overlong forms, surrogates or values past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// `tag` + `body` (not "s" + str: GCC 12 at -O3 reports a false -Wrestrict).
std::string Tagged(char tag, std::string_view body) {
  std::string out;
  out.reserve(1 + body.size());
  out.push_back(tag);
  out.append(body);
  return out;
}

// The plaintext inside a sealed value (docs/vault.md): 's' + the UTF-8 bytes of a
// string value (the common case, no JSON escaping), or 'j' + any JSON value.
Result<std::string> EncodePlain(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto& str = value.get_ref<const std::string&>();
    if (!ValidUtf8(str)) return InvalidArgumentError("vault: value is not valid UTF-8");
    return Tagged('s', str);
  }
  try {
    return Tagged('j', value.dump());
  } catch (const nlohmann::json::exception&) {
    return InvalidArgumentError("vault: value is not valid UTF-8");
  }
}

// Consumes `plain`: a string value takes over its buffer (no copy of the
// plaintext is left behind); a JSON value's text is wiped after parsing.
Result<nlohmann::json> DecodePlain(std::string plain) {
  if (!plain.empty() && plain[0] == 's') {
    plain.erase(0, 1);
    return nlohmann::json(std::move(plain));
  }
  if (!plain.empty() && plain[0] == 'j') {
    auto v = nlohmann::json::parse(std::string_view(plain).substr(1), nullptr, false);
    OPENSSL_cleanse(plain.data(), plain.size());
    if (!v.is_discarded()) return v;
  }
  return DataLossError("vault: decrypted value is malformed");
}

// Wipes a key held in a local string on every way out of the scope.
struct WipeOnExit {
  std::string& key;
  ~WipeOnExit() { OPENSSL_cleanse(key.data(), key.size()); }
};

std::string IndexName(std::string_view collection, std::string_view field) {
  return std::string(collection) + "." + std::string(field);
}

}  // namespace

std::string ShredReceipt::ToJson() const {
  nlohmann::json j;
  j["type"] = "vault.shred";
  j["subject_pseudonym"] = subject_pseudonym;
  j["home"] = home;
  j["site"] = site;
  j["time_micros"] = time_micros;
  j["fields_destroyed"] = fields_destroyed;
  j["index_entries_removed"] = index_entries_removed;
  j["kek_jurisdiction"] = kek_jurisdiction;
  j["shred_bucket"] = shred_bucket;
  j["keys_rewrapped"] = keys_rewrapped;
  if (!digest.empty()) j["digest"] = digest;
  return j.dump();
}

Vault::Vault(VaultConfig config, store::Store* store, crypto::Keyring* keyring, Clock* clock)
    : config_(std::move(config)),
      store_(store),
      keyring_(keyring),
      clock_(clock),
      key_jurisdiction_(config_.site().jurisdiction),
      dek_cache_(config_.dek_cache_entries) {}

Result<std::unique_ptr<Vault>> Vault::Open(VaultConfig config, store::Store* store, crypto::Keyring* keyring,
                                           Clock* clock) {
  if (store == nullptr || keyring == nullptr || clock == nullptr) return InvalidArgumentError("vault: null dependency");
  std::unique_ptr<Vault> v(new Vault(std::move(config), store, keyring, clock));
  ASSIGN_OR_RETURN(std::optional<std::string> stored, store->GetMeta(kMetaClassification));
  ASSIGN_OR_RETURN(Reconciled r, ReconcileClassification(v->config_, stored, clock->NowUnixMicros()));
  if (r.record) {
    // Log first, then state: a crash in between re-records the change next time
    // rather than losing it.
    ASSIGN_OR_RETURN(std::optional<std::string> log_text, store->GetMeta(kMetaClassificationLog));
    nlohmann::json log = nlohmann::json::array();
    if (log_text) {
      try {
        log = nlohmann::json::parse(*log_text);
      } catch (const nlohmann::json::exception&) {
        return DataLossError("vault: classification log in store meta is corrupt");
      }
    }
    log.push_back(nlohmann::json::parse(r.record->ToJson()));
    RETURN_IF_ERROR(store->PutMeta(kMetaClassificationLog, log.dump()));
    RETURN_IF_ERROR(store->PutMeta(kMetaClassification, r.state));
    v->classification_change_ = std::move(r.record);
  }
  return v;
}

bool Vault::sealed() const { return keyring_->sealed(); }

Status Vault::CheckUnsealed() const {
  if (keyring_->sealed()) {
    dek_cache_.Clear();  // the keyring was sealed behind the vault's back
    return FailedPreconditionError("vault is sealed: the custodian must supply the unseal key or shares");
  }
  return Status::Ok();
}

Status Vault::Unseal(std::string_view root_key) {
  RETURN_IF_ERROR(CheckMayHoldKeys(config_.site()));
  RETURN_IF_ERROR(keyring_->Unseal(root_key));
  dek_cache_.Clear();
  record_epoch_.fetch_add(1, std::memory_order_acq_rel);
  if (!keyring_->HasJurisdiction(key_jurisdiction_)) {
    keyring_->Seal();
    return FailedPreconditionError("vault: the keyring has no KEK for this site's jurisdiction " + key_jurisdiction_);
  }
  // Finish shreds a crash interrupted: move every key off the stale secrets, then
  // destroy them. (The subject being shredded either is already gone, or its
  // Delete never returned a receipt and it is kept.)
  std::unique_lock shred(shred_mu_);
  ASSIGN_OR_RETURN(std::vector<uint32_t> stale, keyring_->StaleBuckets(key_jurisdiction_));
  for (uint32_t b : stale) {
    RETURN_IF_ERROR(RewrapBucket(b, "").status());
    RETURN_IF_ERROR(keyring_->DestroyStaleBucket(key_jurisdiction_, b));
  }
  if (!stale.empty()) record_epoch_.fetch_add(1, std::memory_order_acq_rel);
  return Status::Ok();
}

void Vault::Seal() {
  // Exclusive, so that no operation in flight caches a key after the wipe.
  std::unique_lock shred(shred_mu_);
  keyring_->Seal();
  dek_cache_.Clear();
  record_epoch_.fetch_add(1, std::memory_order_acq_rel);
}

std::mutex& Vault::SubjectLock(std::string_view subject) {
  return subject_mu_[std::hash<std::string_view>{}(subject) % subject_mu_.size()];
}

uint32_t Vault::BucketOf(std::string_view subject) const {
  const crypto::Digest d = crypto::Sha256(subject);
  const uint32_t v = (uint32_t(d[0]) << 24) | (uint32_t(d[1]) << 16) | (uint32_t(d[2]) << 8) | d[3];
  return v % keyring_->shred_buckets();
}

std::string Vault::BucketToken(uint32_t bucket) const { return key_jurisdiction_ + "/" + std::to_string(bucket); }

Status Vault::UnwrapDek(const store::SubjectRecord& rec, internal::DataKey& out) {
  if (dek_cache_.Find(rec.id, rec.home, rec.key_blob, out)) return Status::Ok();
  const uint64_t generation = dek_cache_.generation();
  ASSIGN_OR_RETURN(std::string dek,
                   keyring_->UnwrapKey(key_jurisdiction_, rec.key_blob, crypto::DataKeyBinding(rec.id, rec.home)));
  WipeOnExit wipe{dek};
  if (!out.Assign(dek)) return DataLossError("vault: unwrapped data key has the wrong size");
  dek_cache_.InsertOnSecondMiss(generation, rec.id, rec.home, rec.key_blob, dek);
  return Status::Ok();
}

Status Vault::Put(std::string_view subject, std::string_view home, const FieldValues& values) {
  RETURN_IF_ERROR(CheckUnsealed());
  RETURN_IF_ERROR(ValidateSubject(subject));
  if (home.empty() || home.size() > 32) return InvalidArgumentError("vault: home jurisdiction must be 1-32 bytes");

  // Validate everything before touching keys or the store.
  struct Pending {
    std::string collection, field, plaintext, token;
    Normalizer index = Normalizer::kNone;
  };
  std::vector<Pending> pending;
  for (const auto& [collection, fields] : values) {
    const Collection* col = config_.FindCollection(collection);
    if (col == nullptr) return InvalidArgumentError("vault: unknown collection '" + collection + "'");
    for (const auto& [field, value] : fields) {
      if (field.empty() || field.size() > 128 || field.find('.') != std::string::npos) {
        return InvalidArgumentError("vault: bad field name in " + collection);
      }
      auto spec = col->fields.find(field);
      const Category cat = spec == col->fields.end() ? Category::kProtected : spec->second.category;
      RETURN_IF_ERROR(CheckPlacement(config_.site(), home, cat));
      Pending p{collection, field, "", "", Normalizer::kNone};
      ASSIGN_OR_RETURN(p.plaintext, EncodePlain(value));
      if (p.plaintext.size() > config_.max_value_bytes) {
        return ResourceExhaustedError("vault: value of " + collection + "." + field + " is " +
                                      std::to_string(p.plaintext.size()) + " bytes, limit " +
                                      std::to_string(config_.max_value_bytes));
      }
      if (spec != col->fields.end() && spec->second.blind_index != Normalizer::kNone) {
        if (!value.is_string()) return InvalidArgumentError("vault: " + collection + "." + field + " must be a string");
        auto norm = NormalizeForIndex(spec->second.blind_index, value.get<std::string>());
        if (!norm.ok()) return norm.status().Annotate(collection + "." + field);
        p.index = spec->second.blind_index;
        ASSIGN_OR_RETURN(p.token, keyring_->BlindIndexToken(IndexName(collection, field), *norm));
        p.token = HexEncode(p.token);
      }
      pending.push_back(std::move(p));
    }
  }
  if (pending.empty()) return InvalidArgumentError("vault: nothing to write");

  std::shared_lock shred(shred_mu_);
  std::lock_guard lock(SubjectLock(subject));
  const uint64_t generation = dek_cache_.generation();
  store::Mutation m;
  m.subject = std::string(subject);
  ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> rec, store_->GetSubject(subject));
  internal::DataKey dek;
  if (rec) {
    if (rec->home != home) {
      return FailedPreconditionError("vault: subject is homed in " + rec->home +
                                     "; moving a subject between jurisdictions is not supported");
    }
    RETURN_IF_ERROR(UnwrapDek(*rec, dek));
  } else {
    ASSIGN_OR_RETURN(std::string new_dek, crypto::NewDataKey());
    WipeOnExit wipe{new_dek};
    if (!dek.Assign(new_dek)) return InternalError("vault: new data key has the wrong size");
    const uint32_t bucket = BucketOf(subject);
    store::SubjectRecord fresh{std::string(subject), std::string(home), "", 1};
    ASSIGN_OR_RETURN(fresh.key_blob, keyring_->WrapKey(key_jurisdiction_, bucket, dek.view(),
                                                       crypto::DataKeyBinding(subject, home)));
    m.upsert = std::move(fresh);
    m.put_index.push_back({std::string(kBucketIndex), BucketToken(bucket), std::string(subject)});
  }

  // Current versions (and, for indexed fields, old tokens to remove).
  std::map<std::string, std::vector<std::string>> by_collection;
  for (const auto& p : pending) by_collection[p.collection].push_back(p.field);
  std::map<std::pair<std::string, std::string>, store::FieldRecord> existing;
  if (rec) {
    for (const auto& [collection, names] : by_collection) {
      ASSIGN_OR_RETURN(std::vector<store::FieldRecord> old, store_->GetFields(subject, collection, names));
      for (auto& f : old) existing[{f.collection, f.field}] = std::move(f);
    }
  }
  for (auto& p : pending) {
    uint64_t version = 1;
    if (auto it = existing.find({p.collection, p.field}); it != existing.end()) {
      const store::FieldRecord& old = it->second;
      version = old.version + 1;
      if (p.index != Normalizer::kNone) {
        crypto::ValueBinding ob{subject, old.collection, old.field, old.version};
        ASSIGN_OR_RETURN(std::string old_plain, crypto::OpenValue(dek.view(), ob, old.sealed));
        WipeOnExit wipe_old{old_plain};
        std::string old_token;
        if (old_plain.size() > 1 && old_plain[0] == 's') {
          auto norm = NormalizeForIndex(p.index, std::string_view(old_plain).substr(1));
          if (norm.ok()) {
            ASSIGN_OR_RETURN(old_token, keyring_->BlindIndexToken(IndexName(p.collection, p.field), *norm));
            old_token = HexEncode(old_token);
          }
        }
        if (!old_token.empty() && old_token != p.token) {
          m.delete_index.push_back({IndexName(p.collection, p.field), old_token, std::string(subject)});
        }
      }
    }
    crypto::ValueBinding b{subject, p.collection, p.field, version};
    ASSIGN_OR_RETURN(std::string sealed, crypto::SealValue(dek.view(), b, p.plaintext));
    m.put_fields.push_back({p.collection, p.field, version, std::move(sealed)});
    if (p.index != Normalizer::kNone) {
      m.put_index.push_back({IndexName(p.collection, p.field), p.token, std::string(subject)});
    }
  }
  Status applied = store_->Apply(m);
  if (applied.ok() && m.upsert) dek_cache_.Insert(generation, subject, home, m.upsert->key_blob, dek.view());
  return applied;
}

Result<store::SubjectRecord> Vault::ReadSubject(std::string_view subject) {
  ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> rec, store_->GetSubject(subject));
  if (!rec) return NotFoundError("vault: no such subject");
  return std::move(*rec);
}

Status Vault::CheckGetArguments(std::string_view subject, std::string_view collection) const {
  RETURN_IF_ERROR(CheckUnsealed());
  RETURN_IF_ERROR(ValidateSubject(subject));
  if (config_.FindCollection(collection) == nullptr) {
    return InvalidArgumentError("vault: unknown collection '" + std::string(collection) + "'");
  }
  return Status::Ok();
}

Result<std::vector<FieldValue>> Vault::Get(std::string_view subject, std::string_view collection,
                                           const std::vector<std::string>& fields) {
  RETURN_IF_ERROR(CheckGetArguments(subject, collection));
  std::shared_lock shred(shred_mu_);
  ASSIGN_OR_RETURN(const store::SubjectRecord rec, ReadSubject(subject));
  return GetLocked(rec, collection, fields);
}

Result<std::vector<FieldValue>> Vault::Get(const SubjectRef& subject, std::string_view collection,
                                           const std::vector<std::string>& fields) {
  RETURN_IF_ERROR(CheckGetArguments(subject.id(), collection));
  std::shared_lock shred(shred_mu_);
  if (subject.vault_ == this && subject.epoch_ == record_epoch_.load(std::memory_order_acquire)) {
    auto out = GetLocked(subject.record_, collection, fields);
    // Only a key that no longer unwraps can tell the record went stale without
    // an epoch change (a KEK rotation between its rewrap and its end): read again.
    if (out.ok() || out.status().code() != StatusCode::kDataLoss) return out;
  }
  ASSIGN_OR_RETURN(const store::SubjectRecord rec, ReadSubject(subject.id()));
  return GetLocked(rec, collection, fields);
}

Result<std::vector<FieldValue>> Vault::GetLocked(const store::SubjectRecord& rec, std::string_view collection,
                                                 const std::vector<std::string>& fields) {
  const std::string_view subject = rec.id;
  RETURN_IF_ERROR(CheckPlacement(config_.site(), rec.home, Category::kInteroperable));
  for (const auto& f : fields) RETURN_IF_ERROR(CheckPlacement(config_.site(), rec.home, CategoryOf(collection, f)));
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> stored, store_->GetFields(subject, collection, fields));
  for (const auto& f : stored) RETURN_IF_ERROR(CheckPlacement(config_.site(), rec.home, CategoryOf(collection, f.field)));
  internal::DataKey dek;
  RETURN_IF_ERROR(UnwrapDek(rec, dek));
  std::vector<FieldValue> out;
  out.reserve(stored.size());
  for (const auto& f : stored) {
    if (f.collection != collection) return DataLossError("vault: store returned a field of another collection");
    crypto::ValueBinding b{subject, f.collection, f.field, f.version};
    auto plain = crypto::OpenValue(dek.view(), b, f.sealed);
    if (!plain.ok()) return plain.status();
    auto value = DecodePlain(std::move(*plain));
    if (!value.ok()) return value.status();
    out.push_back({f.field, std::move(*value), CategoryOf(collection, f.field), f.version});
  }
  return out;
}

Result<std::string> Vault::Home(std::string_view subject) {
  RETURN_IF_ERROR(CheckUnsealed());
  RETURN_IF_ERROR(ValidateSubject(subject));
  ASSIGN_OR_RETURN(store::SubjectRecord rec, ReadSubject(subject));
  return std::move(rec.home);
}

Result<SubjectRef> Vault::Subject(std::string_view subject) {
  RETURN_IF_ERROR(CheckUnsealed());
  RETURN_IF_ERROR(ValidateSubject(subject));
  SubjectRef ref;
  ref.vault_ = this;
  // Shared, as Get: the record and its epoch belong to one state between shreds.
  std::shared_lock shred(shred_mu_);
  ref.epoch_ = record_epoch_.load(std::memory_order_acquire);
  ASSIGN_OR_RETURN(ref.record_, ReadSubject(subject));
  return ref;
}

Result<std::vector<std::string>> Vault::Lookup(std::string_view collection, std::string_view field,
                                               std::string_view value) {
  RETURN_IF_ERROR(CheckUnsealed());
  const Collection* col = config_.FindCollection(collection);
  if (col == nullptr) return InvalidArgumentError("vault: unknown collection '" + std::string(collection) + "'");
  auto spec = col->fields.find(field);
  if (spec == col->fields.end() || spec->second.blind_index == Normalizer::kNone) {
    return InvalidArgumentError("vault: " + std::string(collection) + "." + std::string(field) +
                                " has no blind index");
  }
  auto norm = NormalizeForIndex(spec->second.blind_index, value);
  if (!norm.ok()) return norm.status();
  ASSIGN_OR_RETURN(std::string token, keyring_->BlindIndexToken(IndexName(collection, field), *norm));
  std::shared_lock shred(shred_mu_);
  return store_->Lookup(IndexName(collection, field), HexEncode(token));
}

Result<bool> Vault::RewrapSubject(const store::SubjectRecord& rec) {
  ASSIGN_OR_RETURN(bool current, keyring_->IsCurrent(key_jurisdiction_, rec.key_blob));
  if (current) return false;
  // Straight from the keyring: a rewrap must prove the key still unwraps, and
  // would only fill the cache with blobs about to be superseded.
  ASSIGN_OR_RETURN(std::string dek,
                   keyring_->UnwrapKey(key_jurisdiction_, rec.key_blob, crypto::DataKeyBinding(rec.id, rec.home)));
  store::SubjectRecord next = rec;
  next.generation = rec.generation + 1;
  auto wrapped = keyring_->WrapKey(key_jurisdiction_, BucketOf(rec.id), dek, crypto::DataKeyBinding(rec.id, rec.home));
  std::fill(dek.begin(), dek.end(), '\0');
  if (!wrapped.ok()) return wrapped.status();
  next.key_blob = std::move(*wrapped);
  store::Mutation m;
  m.subject = rec.id;
  m.upsert = std::move(next);
  RETURN_IF_ERROR(store_->Apply(m));
  return true;
}

Result<uint64_t> Vault::RewrapBucket(uint32_t bucket, std::string_view skip_subject) {
  ASSIGN_OR_RETURN(std::vector<std::string> subjects, store_->Lookup(kBucketIndex, BucketToken(bucket)));
  uint64_t n = 0;
  for (const auto& s : subjects) {
    if (s == skip_subject) continue;
    std::lock_guard lock(SubjectLock(s));
    ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> rec, store_->GetSubject(s));
    if (!rec) continue;
    ASSIGN_OR_RETURN(bool done, RewrapSubject(*rec));
    n += done ? 1 : 0;
  }
  return n;
}

Result<ShredReceipt> Vault::Delete(std::string_view subject) {
  RETURN_IF_ERROR(CheckUnsealed());
  RETURN_IF_ERROR(ValidateSubject(subject));
  std::unique_lock shred(shred_mu_);
  // First, whatever follows: no read is served from a cached key from here on
  // (the exclusive lock keeps every other operation out until the shred is done).
  dek_cache_.Erase(subject);
  record_epoch_.fetch_add(1, std::memory_order_acq_rel);  // no SubjectRef read before survives it
  ASSIGN_OR_RETURN(const store::SubjectRecord rec, ReadSubject(subject));
  RETURN_IF_ERROR(CheckPlacement(config_.site(), rec.home, Category::kInteroperable));
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, store_->GetAllFields(subject));

  ShredReceipt r;
  ASSIGN_OR_RETURN(std::string pseudonym, keyring_->BlindIndexToken("vault.subject", subject));
  r.subject_pseudonym = HexEncode(pseudonym);
  r.home = rec.home;
  r.site = config_.site_id;
  r.kek_jurisdiction = key_jurisdiction_;
  r.shred_bucket = BucketOf(subject);
  r.fields_destroyed = fields.size();
  for (const auto& f : fields) {
    const Collection* col = config_.FindCollection(f.collection);
    if (col == nullptr) continue;
    auto spec = col->fields.find(f.field);
    if (spec != col->fields.end() && spec->second.blind_index != Normalizer::kNone) ++r.index_entries_removed;
  }

  // 1. New secret for the bucket; 2. every other key of the bucket moves to it;
  // 3. the subject's records go; 4. the old secret is destroyed, and with it the
  // only way to unwrap this subject's key from any earlier copy of the store.
  RETURN_IF_ERROR(keyring_->RotateBucket(key_jurisdiction_, r.shred_bucket));
  ASSIGN_OR_RETURN(r.keys_rewrapped, RewrapBucket(r.shred_bucket, subject));
  {
    std::lock_guard lock(SubjectLock(subject));
    RETURN_IF_ERROR(store_->DeleteSubject(subject));
  }
  RETURN_IF_ERROR(keyring_->DestroyStaleBucket(key_jurisdiction_, r.shred_bucket));
  r.time_micros = clock_->NowUnixMicros();
  r.digest = HexEncode(crypto::Sha256String(r.ToJson()));
  return r;
}

Result<uint64_t> Vault::RotateKek() {
  RETURN_IF_ERROR(CheckUnsealed());
  std::lock_guard rotating(rotate_mu_);
  {
    // Exclusive while switching, so no Put wraps under the old KEK after the scan
    // below has passed its subject.
    std::unique_lock switching(shred_mu_);
    RETURN_IF_ERROR(keyring_->RotateKek(key_jurisdiction_).status());
  }
  std::shared_lock shred(shred_mu_);
  uint64_t n = 0;
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<std::string> page, store_->ListSubjects(after, kRewrapPage));
    for (const auto& s : page) {
      std::lock_guard lock(SubjectLock(s));
      ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> rec, store_->GetSubject(s));
      if (!rec) continue;
      ASSIGN_OR_RETURN(bool done, RewrapSubject(*rec));
      n += done ? 1 : 0;
    }
    if (page.size() < kRewrapPage) break;
    after = page.back();
  }
  Status destroyed = keyring_->DestroyRetiredKeks(key_jurisdiction_);
  // Keys unwrapped under the retired KEK must not outlive it in memory.
  dek_cache_.Clear();
  record_epoch_.fetch_add(1, std::memory_order_acq_rel);
  RETURN_IF_ERROR(destroyed);
  return n;
}

}  // namespace domicile::vault
