#include "vault/projection.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/x25519_seal.h"
#include "vault/internal/strict_json.h"
#include "vault/placement.h"
#include "vault/replication.h"

namespace domicile::vault {
namespace {

using Json = nlohmann::json;
using internal::Bytes;
using internal::OnlyKeys;
using internal::Str;
using internal::U64;

// The signature domain and the sealing context: neither a change-stream batch nor
// an export request passes as a projection, nor the reverse.
constexpr std::string_view kDomain = "domicile-projection-v1";
constexpr std::string_view kKind = "projection";
constexpr std::string_view kCursorPrefix = "projection/cursor/";
constexpr size_t kPseudonymHexSize = 64;

std::string SignedMessage(std::string_view payload) { return std::string(kDomain) + "\n" + std::string(payload); }

bool IsPseudonym(std::string_view p) {
  if (p.size() != kPseudonymHexSize) return false;
  for (char c : p) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<ProjectionChange> ChangeFromJson(const Json& j, const std::string& what) {
  ProjectionChange c;
  ASSIGN_OR_RETURN(c.pseudonym, Str(j, "pseudonym", what));
  if (!IsPseudonym(c.pseudonym)) return InvalidArgumentError(what + ".pseudonym: want 64 lowercase hex digits");
  ASSIGN_OR_RETURN(std::string op, Str(j, "op", what));
  if (op == "drop") {
    RETURN_IF_ERROR(OnlyKeys(j, {"pseudonym", "op"}, what));
    c.drop = true;
    return c;
  }
  if (op != "put") return InvalidArgumentError(what + ".op: want put or drop");
  RETURN_IF_ERROR(OnlyKeys(j, {"pseudonym", "op", "values"}, what));
  auto values = j.find("values");
  if (values == j.end() || !values->is_object() || values->empty()) {
    return InvalidArgumentError(what + ".values: want a non-empty object of collections");
  }
  for (const auto& [collection, fields] : values->items()) {
    if (!fields.is_object() || fields.empty()) {
      return InvalidArgumentError(what + ".values." + collection + ": want a non-empty object of fields");
    }
    for (const auto& [field, value] : fields.items()) c.values[collection][field] = value;
  }
  return c;
}

Json ChangeToJson(const ProjectionChange& c) {
  Json j = {{"pseudonym", c.pseudonym}, {"op", c.drop ? "drop" : "put"}};
  if (c.drop) return j;
  j["values"] = c.values;
  return j;
}

}  // namespace

Result<ProjectionChange> ReadProjection(Vault& vault, crypto::Keyring& keyring, std::string_view subject) {
  ProjectionChange c;
  ASSIGN_OR_RETURN(std::string token, keyring.BlindIndexToken(kProjectionPseudonymIndex, subject));
  c.pseudonym = HexEncode(token);
  for (const auto& [name, collection] : vault.config().collections) {
    std::vector<std::string> fields;
    for (const auto& [field, spec] : collection.fields) {
      if (spec.category == Category::kInteroperable) fields.push_back(field);
    }
    if (fields.empty()) continue;
    Result<std::vector<FieldValue>> got = vault.Get(subject, name, fields);
    if (!got.ok() && got.status().code() == StatusCode::kNotFound) {  // absent or just deleted: a drop
      c.values.clear();
      break;
    }
    if (!got.ok()) return got.status();
    for (FieldValue& v : *got) c.values[name][v.field] = std::move(v.value);
  }
  c.drop = c.values.empty();
  return c;
}

std::string EncodeProjectionPayload(const ProjectionBatch& batch) {
  Json changes = Json::array();
  for (const ProjectionChange& c : batch.changes) changes.push_back(ChangeToJson(c));
  return Json({{"v", 1},
               {"from", batch.from_site},
               {"to", batch.to_site},
               {"seq", batch.seq},
               {"changes", std::move(changes)}})
      .dump();
}

Result<ProjectionBatch> ParseProjectionPayload(std::string_view text) {
  if (text.size() > kMaxBatchBytes) return ResourceExhaustedError("projection batch: too large");
  const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("projection batch: not JSON");
  RETURN_IF_ERROR(OnlyKeys(j, {"v", "from", "to", "seq", "changes"}, "projection batch"));
  ASSIGN_OR_RETURN(uint64_t v, U64(j, "v", "projection batch"));
  if (v != 1) return InvalidArgumentError("projection batch.v: unsupported format");
  ProjectionBatch b;
  ASSIGN_OR_RETURN(b.from_site, Str(j, "from", "projection batch"));
  ASSIGN_OR_RETURN(b.to_site, Str(j, "to", "projection batch"));
  ASSIGN_OR_RETURN(b.seq, U64(j, "seq", "projection batch"));
  if (b.seq == 0) return InvalidArgumentError("projection batch.seq: must be > 0");
  auto changes = j.find("changes");
  if (changes == j.end() || !changes->is_array()) return InvalidArgumentError("projection batch.changes: not an array");
  if (changes->size() > kMaxBatchChanges) return ResourceExhaustedError("projection batch.changes: too many");
  for (size_t i = 0; i < changes->size(); ++i) {
    ASSIGN_OR_RETURN(ProjectionChange c,
                     ChangeFromJson((*changes)[i], "projection batch.changes[" + std::to_string(i) + "]"));
    b.changes.push_back(std::move(c));
  }
  return b;
}

Result<std::string> SealProjectionBatch(const ProjectionBatch& batch, std::string_view signing_seed,
                                        std::string_view recipient_public_key) {
  ASSIGN_OR_RETURN(std::string sealed,
                   crypto::X25519Seal(recipient_public_key, EncodeProjectionPayload(batch), kDomain));
  ASSIGN_OR_RETURN(std::string sig, crypto::Ed25519Sign(signing_seed, SignedMessage(sealed)));
  return Json({{"v", 1}, {"kind", kKind}, {"payload", Base64Encode(sealed)}, {"sig", Base64Encode(sig)}}).dump();
}

bool IsProjectionEnvelope(std::string_view envelope) {
  if (envelope.size() > kMaxBatchBytes) return false;
  const Json j = Json::parse(envelope, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  auto kind = j.find("kind");
  return kind != j.end() && kind->is_string() && kind->get<std::string>() == kKind;
}

Result<ProjectionBatch> OpenProjectionBatch(std::string_view envelope, std::string_view sender_public_key,
                                            std::string_view recipient_private_key, std::string_view expected_from,
                                            std::string_view expected_to) {
  if (envelope.size() > kMaxBatchBytes) return ResourceExhaustedError("projection envelope: too large");
  const Json j = Json::parse(envelope, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("projection envelope: not JSON");
  RETURN_IF_ERROR(OnlyKeys(j, {"v", "kind", "payload", "sig"}, "projection envelope"));
  ASSIGN_OR_RETURN(uint64_t v, U64(j, "v", "projection envelope"));
  if (v != 1) return InvalidArgumentError("projection envelope.v: unsupported version");
  ASSIGN_OR_RETURN(std::string kind, Str(j, "kind", "projection envelope"));
  if (kind != kKind) return InvalidArgumentError("projection envelope.kind: want \"projection\"");
  ASSIGN_OR_RETURN(std::string sealed, Bytes(j, "payload", "projection envelope"));
  ASSIGN_OR_RETURN(std::string sig, Bytes(j, "sig", "projection envelope"));
  if (!crypto::Ed25519Verify(sender_public_key, SignedMessage(sealed), sig)) {
    return PermissionDeniedError("signature does not verify with the sender's replication key");
  }
  Result<std::string> payload = crypto::X25519Open(recipient_private_key, sealed, kDomain);
  if (!payload.ok()) {
    return PermissionDeniedError("projection: the payload is not sealed to this site's projection key");
  }
  ASSIGN_OR_RETURN(ProjectionBatch batch, ParseProjectionPayload(*payload));
  if (batch.from_site != expected_from || batch.to_site != expected_to) {
    return PermissionDeniedError("projection batch from " + batch.from_site + " to " + batch.to_site +
                                 " is not for this site from that sender");
  }
  return batch;
}

Result<uint64_t> ProjectionApplier::Apply(const ProjectionBatch& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string cursor_key = std::string(kCursorPrefix) + batch.from_site;
  uint64_t cursor = 0;
  ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->GetMeta(cursor_key));
  if (stored.has_value()) {
    try {
      cursor = std::stoull(*stored);
    } catch (const std::exception&) {
      return DataLossError("projection cursor of " + batch.from_site + " is damaged");
    }
  }
  if (batch.seq <= cursor) return cursor;
  const Site& site = vault_->config().site();
  for (const ProjectionChange& c : batch.changes) {
    for (const auto& [collection, fields] : c.values) {
      if (vault_->config().FindCollection(collection) == nullptr) {
        return InvalidArgumentError("projection: unknown collection '" + collection + "'");
      }
      for (const auto& [field, value] : fields) {
        RETURN_IF_ERROR(CheckPlacement(site, site.jurisdiction, vault_->CategoryOf(collection, field)));
      }
    }
  }
  for (const ProjectionChange& c : batch.changes) {
    if (!c.drop) {
      RETURN_IF_ERROR(vault_->Put(c.pseudonym, site.jurisdiction, c.values));
      continue;
    }
    Result<ShredReceipt> shred = vault_->Delete(c.pseudonym);
    if (!shred.ok() && shred.status().code() != StatusCode::kNotFound) return shred.status();
  }
  RETURN_IF_ERROR(store_->PutMeta(cursor_key, std::to_string(batch.seq)));
  return batch.seq;
}

}  // namespace domicile::vault
