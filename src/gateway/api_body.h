// Parsing of the API's JSON request bodies, before anything is authorized or stored.
// PUT /v1/subjects/{id}: {"home":"US","data":{"<collection>":{"<field>":<value>}}}.
// Strict: unknown keys, bad names, too deep or too large input are InvalidArgument.
#ifndef DOMICILE_GATEWAY_API_BODY_H_
#define DOMICILE_GATEWAY_API_BODY_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::gateway {

struct BodyLimits {
  size_t max_fields = 256;          // fields across all collections
  size_t max_value_bytes = 64 * 1024;  // serialized size of one value
  int max_depth = 8;                // nesting inside one value
};

struct SubjectWrite {
  std::string home;  // jurisdiction code
  // collection -> field -> value (JSON scalar, array or object)
  std::map<std::string, std::map<std::string, nlohmann::json>> data;
};

Result<SubjectWrite> ParseSubjectWrite(std::string_view body, const BodyLimits& limits = {});

// Collection and field names: 1..64 of [a-z0-9_], starting with a letter.
bool IsValidName(std::string_view name);

// The `fields` query parameter: comma-separated valid names, no duplicates, at most
// `max` of them; empty means "all fields of the collection".
Result<std::vector<std::string>> ParseFieldList(std::string_view fields, size_t max = 256);

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_API_BODY_H_
