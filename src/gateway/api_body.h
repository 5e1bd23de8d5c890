// Parsing of the API's JSON request bodies, before anything is authorized or stored
// (docs/openapi.yaml):
//   PUT /v1/subjects/{id}: {"home":"US","data":{"<collection>":{"<field>":<value>}}}
//   POST /v1/lookup:       {"collection":…,"field":…,"value":"<exact value>"}
//   POST /v1/export:       {"collection":…,"fields":[…],"home":"US","limit":100,"cursor":"…"}
// Strict: unknown keys, bad names, wrong types, too deep or too large input are
// InvalidArgument, and messages never echo a value.
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

struct LookupRequest {
  std::string collection;
  std::string field;
  std::string value;  // 1..1024 bytes; normalised by the field's blind index
};
Result<LookupRequest> ParseLookupRequest(std::string_view body);

inline constexpr size_t kMaxExportPage = 1000;
struct ExportRequest {
  std::string collection;
  std::vector<std::string> fields;  // empty: every classified field of the collection
  std::string home;                 // "" = any; else only subjects of this jurisdiction
  size_t limit = 100;               // subjects per page, 1..kMaxExportPage
  std::string cursor;               // "" = from the start; else next_cursor of the previous page
};
Result<ExportRequest> ParseExportRequest(std::string_view body);

// Collection and field names: 1..64 of [a-z0-9_], starting with a letter.
bool IsValidName(std::string_view name);

// The `fields` query parameter: comma-separated valid names, no duplicates, at most
// `max` of them; empty means "all fields of the collection".
Result<std::vector<std::string>> ParseFieldList(std::string_view fields, size_t max = 256);

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_API_BODY_H_
