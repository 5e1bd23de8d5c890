#include "crypto/keyring.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/aead.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace domicile::crypto {
namespace {

constexpr std::string_view kFormat = "domicile-keyring-v1";
constexpr uint8_t kWrapFormat = 1;
constexpr size_t kWrapHeader = 13;  // format, kek version, bucket, epoch
constexpr size_t kSecretSize = 32;
constexpr uint32_t kMaxBuckets = 1u << 16;

void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

void PutU32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(char((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | uint8_t(in[at + i]);
  return v;
}

struct WrapHeader {
  uint32_t kek = 0, bucket = 0, epoch = 0;
};
Result<WrapHeader> ParseWrapHeader(std::string_view wrapped) {
  if (wrapped.size() < kWrapHeader + kAeadOverhead || uint8_t(wrapped[0]) != kWrapFormat) {
    return DataLossError("keyring: wrapped key is malformed");
  }
  return WrapHeader{GetU32(wrapped, 1), GetU32(wrapped, 5), GetU32(wrapped, 9)};
}

std::string PayloadAad(uint32_t buckets, const std::vector<std::string>& names) {
  std::string aad(kFormat);
  aad += '\0' + std::to_string(buckets) + '\0';
  for (const auto& n : names) aad += n + ',';
  return aad;
}

std::string WrapKeyFor(std::string_view kek, std::string_view header, std::string_view secret) {
  std::string in = "domicile-wrap-v1";
  in += header;
  in += secret;
  std::string k = HmacSha256(kek, in);
  Wipe(in);
  return k;
}
// The AAD of a wrapped key, built in a per-thread buffer that keeps its capacity.
// Valid until the thread's next call.
std::string_view WrapAad(std::string_view jurisdiction, std::string_view header, std::string_view aad) {
  thread_local std::string out;
  out.assign("domicile-dek-v1", 15);
  out += '\0';
  out += jurisdiction;
  out += '\0';
  out += header;
  out += aad;
  return out;
}
std::string MakeHeader(uint32_t kek, uint32_t bucket, uint32_t epoch) {
  std::string header(1, char(kWrapFormat));
  PutU32(header, kek);
  PutU32(header, bucket);
  PutU32(header, epoch);
  return header;
}

bool ValidJurisdiction(std::string_view j) {
  return !j.empty() && j.size() <= 32 &&
         std::all_of(j.begin(), j.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

}  // namespace

std::string FormatRootKeyFile(std::string_view root_key) { return "dkr1-" + HexEncode(root_key) + "\n"; }

Result<std::string> ParseRootKeyFile(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  if (text.substr(0, 5) != "dkr1-") return InvalidArgumentError("root key file: not a dkr1 key");
  auto key = HexDecode(text.substr(5));
  if (!key.ok() || key->size() != kRootKeySize) return InvalidArgumentError("root key file: need 64 hex digits");
  return std::move(*key);
}

FileKeyring::FileKeyring(FileSystem& fs, std::string path, uint32_t buckets, std::vector<std::string> names)
    : fs_(fs), path_(std::move(path)), buckets_(buckets), names_(std::move(names)) {}

FileKeyring::~FileKeyring() { Seal(); }

Result<FileKeyring::Jurisdiction> FileKeyring::NewJurisdiction(uint32_t buckets) {
  Jurisdiction j;
  j.active_kek = 1;
  ASSIGN_OR_RETURN(j.keks[1], RandomBytes(kAeadKeySize));
  j.epoch.assign(buckets, 1);
  ASSIGN_OR_RETURN(std::string all, RandomBytes(size_t(buckets) * kSecretSize));
  j.secret.resize(buckets);
  for (uint32_t b = 0; b < buckets; ++b) j.secret[b] = all.substr(size_t(b) * kSecretSize, kSecretSize);
  Wipe(all);
  return j;
}

Result<FileKeyring::Created> FileKeyring::Create(FileSystem& fs, std::string path,
                                                 const std::vector<std::string>& jurisdictions,
                                                 uint32_t shred_buckets) {
  if (shred_buckets == 0 || shred_buckets > kMaxBuckets) return InvalidArgumentError("keyring: shred_buckets out of range");
  ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (exists) return AlreadyExistsError("keyring: " + path + " already exists");
  std::vector<std::string> names(jurisdictions);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& n : names) {
    if (!ValidJurisdiction(n)) return InvalidArgumentError("keyring: bad jurisdiction name '" + n + "'");
  }
  std::unique_ptr<FileKeyring> k(new FileKeyring(fs, std::move(path), shred_buckets, names));
  Created created;
  ASSIGN_OR_RETURN(created.root_key, RandomBytes(kRootKeySize));
  std::unique_lock lock(k->mu_);
  k->root_key_ = created.root_key;
  ASSIGN_OR_RETURN(k->index_key_, RandomBytes(kAeadKeySize));
  for (const auto& n : names) {
    ASSIGN_OR_RETURN(k->keys_[n], NewJurisdiction(shred_buckets));
    k->RefreshWrapKeys(k->keys_[n]);
  }
  k->sealed_ = false;
  RETURN_IF_ERROR(k->PersistLocked());
  lock.unlock();
  created.keyring = std::move(k);
  return created;
}

Result<std::unique_ptr<FileKeyring>> FileKeyring::Open(FileSystem& fs, std::string path) {
  ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  try {
    const auto doc = nlohmann::json::parse(text);
    if (doc.at("format").get<std::string>() != kFormat) return DataLossError("keyring: unknown format");
    const auto buckets = doc.at("shred_buckets").get<uint32_t>();
    auto names = doc.at("jurisdictions").get<std::vector<std::string>>();
    if (buckets == 0 || buckets > kMaxBuckets || !std::is_sorted(names.begin(), names.end())) {
      return DataLossError("keyring: bad header");
    }
    return std::unique_ptr<FileKeyring>(new FileKeyring(fs, std::move(path), buckets, std::move(names)));
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(std::string("keyring: malformed file: ") + e.what());
  }
}

bool FileKeyring::sealed() const {
  std::shared_lock lock(mu_);
  return sealed_;
}

bool FileKeyring::HasJurisdiction(std::string_view jurisdiction) const {
  std::shared_lock lock(mu_);
  return std::binary_search(names_.begin(), names_.end(), jurisdiction);
}

void FileKeyring::RefreshWrapKeys(Jurisdiction& j, uint32_t bucket) {
  j.wrap_key.resize(buckets_);
  const std::string& kek = j.keks.at(j.active_kek);
  for (uint32_t b = 0; b < buckets_; ++b) {
    if (bucket != kAllBuckets && b != bucket) continue;
    Wipe(j.wrap_key[b]);
    j.wrap_key[b] = WrapKeyFor(kek, MakeHeader(j.active_kek, b, j.epoch[b]), j.secret[b]);
  }
}

void FileKeyring::WipeLocked() {
  Wipe(root_key_);
  Wipe(index_key_);
  for (auto& [name, j] : keys_) {
    for (auto& [v, k] : j.keks) Wipe(k);
    for (auto& s : j.secret) Wipe(s);
    for (auto& s : j.wrap_key) Wipe(s);
    for (auto& [b, m] : j.stale) {
      for (auto& [e, s] : m) Wipe(s);
    }
  }
  keys_.clear();
  sealed_ = true;
}

void FileKeyring::Seal() {
  std::unique_lock lock(mu_);
  WipeLocked();
}

Status FileKeyring::Unseal(std::string_view root_key) {
  if (root_key.size() != kRootKeySize) return InvalidArgumentError("keyring: root key must be 32 bytes");
  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(std::string text, fs_.ReadFile(path_));
  std::string payload;
  try {
    const auto doc = nlohmann::json::parse(text);
    auto sealed = Base64Decode(doc.at("sealed").get<std::string>());
    if (!sealed.ok()) return DataLossError("keyring: sealed payload is not base64");
    auto opened = AeadOpen(root_key, *sealed, PayloadAad(buckets_, names_));
    if (!opened.ok()) {
      return PermissionDeniedError("keyring: the unseal key does not open this keyring (wrong key or altered file)");
    }
    payload = std::move(*opened);
    const auto p = nlohmann::json::parse(payload);
    WipeLocked();
    auto b64 = [](const nlohmann::json& v) -> Result<std::string> { return Base64Decode(v.get<std::string>()); };
    ASSIGN_OR_RETURN(index_key_, b64(p.at("index_key")));
    for (const auto& name : names_) {
      const auto& pj = p.at("j").at(name);
      Jurisdiction j;
      j.active_kek = pj.at("active").get<uint32_t>();
      for (const auto& [v, k] : pj.at("keks").items()) {
        ASSIGN_OR_RETURN(j.keks[uint32_t(std::stoul(v))], b64(k));
      }
      j.epoch = pj.at("epochs").get<std::vector<uint32_t>>();
      ASSIGN_OR_RETURN(std::string all, b64(pj.at("secrets")));
      if (j.epoch.size() != buckets_ || all.size() != size_t(buckets_) * kSecretSize || !j.keks.count(j.active_kek)) {
        Wipe(all);
        WipeLocked();
        return DataLossError("keyring: inconsistent payload for " + name);
      }
      j.secret.resize(buckets_);
      for (uint32_t b = 0; b < buckets_; ++b) j.secret[b] = all.substr(size_t(b) * kSecretSize, kSecretSize);
      Wipe(all);
      for (const auto& [b, epochs] : pj.at("stale").items()) {
        for (const auto& [e, s] : epochs.items()) {
          ASSIGN_OR_RETURN(j.stale[uint32_t(std::stoul(b))][uint32_t(std::stoul(e))], b64(s));
        }
      }
      RefreshWrapKeys(j);
      keys_[name] = std::move(j);
    }
  } catch (const std::exception& e) {  // json errors, stoul
    Wipe(payload);
    WipeLocked();
    return DataLossError(std::string("keyring: malformed payload: ") + e.what());
  }
  Wipe(payload);
  root_key_ = std::string(root_key);
  sealed_ = false;
  return Status::Ok();
}

Status FileKeyring::PersistLocked() {
  nlohmann::json p;
  p["index_key"] = Base64Encode(index_key_);
  p["j"] = nlohmann::json::object();
  for (const auto& [name, j] : keys_) {
    nlohmann::json pj;
    pj["active"] = j.active_kek;
    pj["keks"] = nlohmann::json::object();
    for (const auto& [v, k] : j.keks) pj["keks"][std::to_string(v)] = Base64Encode(k);
    pj["epochs"] = j.epoch;
    std::string all;
    for (const auto& s : j.secret) all += s;
    pj["secrets"] = Base64Encode(all);
    Wipe(all);
    pj["stale"] = nlohmann::json::object();
    for (const auto& [b, m] : j.stale) {
      for (const auto& [e, s] : m) pj["stale"][std::to_string(b)][std::to_string(e)] = Base64Encode(s);
    }
    p["j"][name] = std::move(pj);
  }
  std::string payload = p.dump();
  auto sealed = AeadSeal(root_key_, payload, PayloadAad(buckets_, names_));
  Wipe(payload);
  if (!sealed.ok()) return sealed.status();
  nlohmann::json doc;
  doc["format"] = kFormat;
  doc["shred_buckets"] = buckets_;
  doc["jurisdictions"] = names_;
  doc["sealed"] = Base64Encode(*sealed);
  return AtomicWriteFile(fs_, path_, doc.dump(1) + "\n");
}

Result<FileKeyring::Jurisdiction*> FileKeyring::Find(std::string_view jurisdiction) {
  if (sealed_) return FailedPreconditionError("keyring is sealed: supply the custodian's unseal material");
  auto it = keys_.find(jurisdiction);
  if (it == keys_.end()) return NotFoundError("keyring: no KEK for jurisdiction '" + std::string(jurisdiction) + "'");
  return &it->second;
}

Status FileKeyring::AddJurisdiction(std::string_view jurisdiction) {
  if (!ValidJurisdiction(jurisdiction)) return InvalidArgumentError("keyring: bad jurisdiction name");
  std::unique_lock lock(mu_);
  if (sealed_) return FailedPreconditionError("keyring is sealed: supply the custodian's unseal material");
  if (keys_.count(jurisdiction)) return AlreadyExistsError("keyring: jurisdiction already present");
  ASSIGN_OR_RETURN(Jurisdiction j, NewJurisdiction(buckets_));
  const std::string name(jurisdiction);
  RefreshWrapKeys(j);
  keys_[name] = std::move(j);
  names_.insert(std::upper_bound(names_.begin(), names_.end(), name), name);
  return PersistLocked();
}

Result<std::string> FileKeyring::WrapKey(std::string_view jurisdiction, uint32_t bucket, std::string_view key,
                                         std::string_view aad) {
  if (bucket >= buckets_) return InvalidArgumentError("keyring: bucket out of range");
  std::shared_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  const std::string header = MakeHeader(j->active_kek, bucket, j->epoch[bucket]);
  return AeadSeal(j->wrap_key[bucket], key, WrapAad(jurisdiction, header, aad), header);
}

Result<std::string> FileKeyring::UnwrapKey(std::string_view jurisdiction, std::string_view wrapped,
                                           std::string_view aad) {
  ASSIGN_OR_RETURN(WrapHeader h, ParseWrapHeader(wrapped));
  std::shared_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  auto kek = j->keks.find(h.kek);
  if (kek == j->keks.end()) return DataLossError("keyring: wrapped key refers to a destroyed or unknown KEK version");
  if (h.bucket >= buckets_) return DataLossError("keyring: wrapped key refers to an unknown bucket");
  const std::string* secret = nullptr;
  if (j->epoch[h.bucket] == h.epoch) {
    secret = &j->secret[h.bucket];
  } else if (auto s = j->stale.find(h.bucket); s != j->stale.end() && s->second.count(h.epoch)) {
    secret = &s->second.at(h.epoch);
  } else {
    return DataLossError("keyring: wrapped key refers to destroyed key material (shredded)");
  }
  const std::string_view header = wrapped.substr(0, kWrapHeader);
  const bool current = h.kek == j->active_kek && j->epoch[h.bucket] == h.epoch;
  std::string wk = current ? std::string() : WrapKeyFor(kek->second, header, *secret);
  auto key = AeadOpen(current ? j->wrap_key[h.bucket] : wk, wrapped.substr(kWrapHeader),
                      WrapAad(jurisdiction, header, aad));
  Wipe(wk);
  if (!key.ok()) return DataLossError("keyring: wrapped key does not authenticate (tampered or bound to another subject)");
  return key;
}

Result<bool> FileKeyring::IsCurrent(std::string_view jurisdiction, std::string_view wrapped) {
  ASSIGN_OR_RETURN(WrapHeader h, ParseWrapHeader(wrapped));
  std::shared_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  return h.kek == j->active_kek && h.bucket < buckets_ && j->epoch[h.bucket] == h.epoch;
}

Result<uint32_t> FileKeyring::RotateKek(std::string_view jurisdiction) {
  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  const uint32_t v = j->keks.rbegin()->first + 1;
  ASSIGN_OR_RETURN(j->keks[v], RandomBytes(kAeadKeySize));
  const uint32_t old = j->active_kek;
  j->active_kek = v;
  Status st = PersistLocked();
  if (!st.ok()) {  // keep memory and file in agreement
    j->active_kek = old;
    Wipe(j->keks[v]);
    j->keks.erase(v);
    return st;
  }
  RefreshWrapKeys(*j);
  return v;
}

Status FileKeyring::DestroyRetiredKeks(std::string_view jurisdiction) {
  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  std::map<uint32_t, std::string> retired;
  for (auto it = j->keks.begin(); it != j->keks.end();) {
    if (it->first == j->active_kek) {
      ++it;
    } else {
      retired.insert(j->keks.extract(it++));
    }
  }
  Status st = PersistLocked();
  if (!st.ok()) j->keks.merge(retired);
  for (auto& [v, k] : retired) Wipe(k);
  return st;
}

Status FileKeyring::RotateBucket(std::string_view jurisdiction, uint32_t bucket) {
  if (bucket >= buckets_) return InvalidArgumentError("keyring: bucket out of range");
  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  ASSIGN_OR_RETURN(std::string fresh, RandomBytes(kSecretSize));
  const uint32_t old_epoch = j->epoch[bucket];
  j->stale[bucket][old_epoch] = std::move(j->secret[bucket]);
  j->secret[bucket] = std::move(fresh);
  j->epoch[bucket] = old_epoch + 1;
  Status st = PersistLocked();
  if (!st.ok()) {
    Wipe(j->secret[bucket]);
    j->secret[bucket] = std::move(j->stale[bucket][old_epoch]);
    j->stale[bucket].erase(old_epoch);
    if (j->stale[bucket].empty()) j->stale.erase(bucket);
    j->epoch[bucket] = old_epoch;
    return st;
  }
  RefreshWrapKeys(*j, bucket);
  return st;
}

Status FileKeyring::DestroyStaleBucket(std::string_view jurisdiction, uint32_t bucket) {
  std::unique_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  auto node = j->stale.extract(bucket);
  if (node.empty()) return Status::Ok();
  Status st = PersistLocked();
  if (!st.ok()) {
    j->stale.insert(std::move(node));
    return st;
  }
  for (auto& [e, s] : node.mapped()) Wipe(s);
  return Status::Ok();
}

Result<std::vector<uint32_t>> FileKeyring::StaleBuckets(std::string_view jurisdiction) {
  std::shared_lock lock(mu_);
  ASSIGN_OR_RETURN(Jurisdiction * j, Find(jurisdiction));
  std::vector<uint32_t> out;
  for (const auto& [b, m] : j->stale) out.push_back(b);
  return out;
}

Result<std::string> FileKeyring::BlindIndexToken(std::string_view index, std::string_view normalized) {
  std::shared_lock lock(mu_);
  if (sealed_) return FailedPreconditionError("keyring is sealed: supply the custodian's unseal material");
  std::string sub = HmacSha256(index_key_, std::string("domicile-blind-index-v1") + '\0' + std::string(index));
  std::string token = HmacSha256(sub, normalized);
  Wipe(sub);
  return token;
}

}  // namespace domicile::crypto
