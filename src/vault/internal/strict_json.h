// Strict reading of the JSON that other sites send (replication and projection
// batches, export pages): exactly the expected keys, each of the expected type;
// every error is InvalidArgument naming the offending path.
#ifndef DOMICILE_VAULT_INTERNAL_STRICT_JSON_H_
#define DOMICILE_VAULT_INTERNAL_STRICT_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile::vault::internal {

// `j` is an object with no key outside `keys` (absent keys are the readers' concern).
Status OnlyKeys(const nlohmann::json& j, std::initializer_list<std::string_view> keys, std::string_view what);
Result<std::string> Str(const nlohmann::json& j, const char* key, std::string_view what);
// A base64 string member, decoded.
Result<std::string> Bytes(const nlohmann::json& j, const char* key, std::string_view what);
Result<uint64_t> U64(const nlohmann::json& j, const char* key, std::string_view what);

}  // namespace domicile::vault::internal

#endif  // DOMICILE_VAULT_INTERNAL_STRICT_JSON_H_
