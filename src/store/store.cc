#include "store/store.h"

namespace domicile::store {
namespace {

Status CheckName(std::string_view what, std::string_view v) {
  if (v.empty()) return InvalidArgumentError("store: empty " + std::string(what));
  if (v.size() > kMaxNameBytes) {
    return ResourceExhaustedError("store: " + std::string(what) + " longer than " + std::to_string(kMaxNameBytes) +
                                  " bytes");
  }
  return Status::Ok();
}

Status CheckValue(std::string_view what, std::string_view v) {
  if (v.size() > kMaxValueBytes) {
    return ResourceExhaustedError("store: " + std::string(what) + " larger than " + std::to_string(kMaxValueBytes) +
                                  " bytes");
  }
  return Status::Ok();
}

Status CheckEntry(const Mutation& m, const IndexEntry& e) {
  RETURN_IF_ERROR(CheckName("index name", e.index));
  RETURN_IF_ERROR(CheckName("index token", e.token));
  if (e.subject != m.subject) return InvalidArgumentError("store: index entry of another subject");
  return Status::Ok();
}

}  // namespace

Status ValidateMutation(const Mutation& m) {
  RETURN_IF_ERROR(CheckName("subject id", m.subject));
  if (m.upsert) {
    if (m.upsert->id != m.subject) return InvalidArgumentError("store: upsert of another subject");
    if (m.upsert->home.size() > kMaxNameBytes) return ResourceExhaustedError("store: home jurisdiction too long");
    RETURN_IF_ERROR(CheckValue("key blob", m.upsert->key_blob));
  }
  for (const auto& f : m.put_fields) {
    RETURN_IF_ERROR(CheckName("collection", f.collection));
    RETURN_IF_ERROR(CheckName("field", f.field));
    RETURN_IF_ERROR(CheckValue("sealed value", f.sealed));
  }
  for (const auto& e : m.put_index) RETURN_IF_ERROR(CheckEntry(m, e));
  for (const auto& e : m.delete_index) RETURN_IF_ERROR(CheckEntry(m, e));
  return Status::Ok();
}

Status ValidateMeta(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(CheckName("meta key", key));
  return CheckValue("meta value", value);
}

std::string PrefixUpperBound(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

}  // namespace domicile::store
