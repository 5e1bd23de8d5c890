#include "vault/internal/strict_json.h"

#include "common/encoding.h"

namespace domicile::vault::internal {

Status OnlyKeys(const nlohmann::json& j, std::initializer_list<std::string_view> keys, std::string_view what) {
  if (!j.is_object()) return InvalidArgumentError(std::string(what) + ": not an object");
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (std::string_view allowed : keys) known = known || k == allowed;
    if (!known) return InvalidArgumentError(std::string(what) + ": unknown key '" + k + "'");
  }
  return Status::Ok();
}

Result<std::string> Str(const nlohmann::json& j, const char* key, std::string_view what) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return InvalidArgumentError(std::string(what) + "." + key + ": missing or not a string");
  }
  return it->get<std::string>();
}

Result<std::string> Bytes(const nlohmann::json& j, const char* key, std::string_view what) {
  ASSIGN_OR_RETURN(std::string text, Str(j, key, what));
  Result<std::string> raw = Base64Decode(text);
  if (!raw.ok()) return InvalidArgumentError(std::string(what) + "." + key + ": not base64");
  return raw;
}

Result<uint64_t> U64(const nlohmann::json& j, const char* key, std::string_view what) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) {
    return InvalidArgumentError(std::string(what) + "." + key + ": missing or not an unsigned integer");
  }
  return it->get<uint64_t>();
}

}  // namespace domicile::vault::internal
