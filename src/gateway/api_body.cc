#include "gateway/api_body.h"

#include <algorithm>
#include <set>

#include "gateway/network_map.h"

namespace domicile::gateway {
namespace {

using nlohmann::json;

int Depth(const json& v, int limit) {
  if (limit < 0) return 0;  // already too deep; stop descending
  int deepest = 0;
  if (v.is_array() || v.is_object()) {
    for (const json& child : v) deepest = std::max(deepest, Depth(child, limit - 1));
    return deepest + 1;
  }
  return 0;
}

// nlohmann's parser recurses per nesting level; refuse deep input before parsing.
bool NestingWithin(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// The body as a JSON object with only `allowed` keys (small bodies: no nesting).
Result<json> ParseObject(std::string_view body, std::initializer_list<std::string_view> allowed) {
  if (body.size() > 64 * 1024) return InvalidArgumentError("body too large");
  if (!NestingWithin(body, 2)) return InvalidArgumentError("body nested too deeply");
  json root = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return InvalidArgumentError("body is not valid JSON");
  if (!root.is_object()) return InvalidArgumentError("body must be a JSON object");
  for (const auto& [key, value] : root.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return InvalidArgumentError("unknown key '" + key.substr(0, 64) + "' in body");
    }
  }
  return root;
}

Result<std::string> NameMember(const json& root, const char* key) {
  auto it = root.find(key);
  if (it == root.end() || !it->is_string() || !IsValidName(it->get_ref<const std::string&>())) {
    return InvalidArgumentError(std::string("'") + key + "' must be a name (a-z, 0-9, _)");
  }
  return it->get<std::string>();
}

}  // namespace

Result<LookupRequest> ParseLookupRequest(std::string_view body) {
  ASSIGN_OR_RETURN(json root, ParseObject(body, {"collection", "field", "value"}));
  LookupRequest out;
  ASSIGN_OR_RETURN(out.collection, NameMember(root, "collection"));
  ASSIGN_OR_RETURN(out.field, NameMember(root, "field"));
  auto value = root.find("value");
  if (value == root.end() || !value->is_string() || value->get_ref<const std::string&>().empty() ||
      value->get_ref<const std::string&>().size() > 1024) {
    return InvalidArgumentError("'value' must be a string of 1 to 1024 bytes");
  }
  out.value = value->get<std::string>();
  return out;
}

Result<ExportRequest> ParseExportRequest(std::string_view body) {
  ASSIGN_OR_RETURN(json root, ParseObject(body, {"collection", "fields", "home", "limit", "cursor"}));
  ExportRequest out;
  ASSIGN_OR_RETURN(out.collection, NameMember(root, "collection"));
  if (auto fields = root.find("fields"); fields != root.end()) {
    if (!fields->is_array()) return InvalidArgumentError("'fields' must be an array of names");
    std::set<std::string> seen;
    for (const json& f : *fields) {
      if (!f.is_string() || !IsValidName(f.get_ref<const std::string&>())) {
        return InvalidArgumentError("'fields' must be an array of names");
      }
      if (!seen.insert(f.get<std::string>()).second) return InvalidArgumentError("field listed twice in 'fields'");
      if (seen.size() > 256) return InvalidArgumentError("too many fields requested");
      out.fields.push_back(f.get<std::string>());
    }
  }
  if (auto home = root.find("home"); home != root.end()) {
    if (!home->is_string() || !IsJurisdictionCode(home->get_ref<const std::string&>())) {
      return InvalidArgumentError("'home' must be a jurisdiction code such as \"US\"");
    }
    out.home = home->get<std::string>();
  }
  if (auto limit = root.find("limit"); limit != root.end()) {
    if (!limit->is_number_unsigned() || limit->get<uint64_t>() < 1 || limit->get<uint64_t>() > kMaxExportPage) {
      return InvalidArgumentError("'limit' must be an integer from 1 to 1000");
    }
    out.limit = limit->get<size_t>();
  }
  if (auto cursor = root.find("cursor"); cursor != root.end()) {
    if (!cursor->is_string() || cursor->get_ref<const std::string&>().size() > 1024) {
      return InvalidArgumentError("'cursor' must be a string from a previous page");
    }
    out.cursor = cursor->get<std::string>();
  }
  return out;
}

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

Result<SubjectWrite> ParseSubjectWrite(std::string_view body, const BodyLimits& limits) {
  if (!NestingWithin(body, limits.max_depth + 3)) return InvalidArgumentError("body nested too deeply");
  json root = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return InvalidArgumentError("body is not valid JSON");
  if (!root.is_object()) return InvalidArgumentError("body must be a JSON object");
  for (const auto& [key, value] : root.items()) {
    if (key != "home" && key != "data") return InvalidArgumentError("unknown key '" + key.substr(0, 64) + "' in body");
  }
  SubjectWrite out;
  auto home = root.find("home");
  if (home == root.end() || !home->is_string() || !IsJurisdictionCode(home->get_ref<const std::string&>())) {
    return InvalidArgumentError("'home' must be a jurisdiction code such as \"US\"");
  }
  out.home = home->get<std::string>();
  auto data = root.find("data");
  if (data == root.end() || !data->is_object() || data->empty()) {
    return InvalidArgumentError("'data' must be a non-empty object of collections");
  }
  size_t fields = 0;
  for (const auto& [collection, members] : data->items()) {
    if (!IsValidName(collection)) return InvalidArgumentError("bad collection name");
    if (!members.is_object() || members.empty()) {
      return InvalidArgumentError("collection '" + collection + "' must be a non-empty object of fields");
    }
    for (const auto& [field, value] : members.items()) {
      if (!IsValidName(field)) return InvalidArgumentError("bad field name in collection '" + collection + "'");
      if (++fields > limits.max_fields) return InvalidArgumentError("too many fields in one request");
      if (value.is_null()) return InvalidArgumentError("field '" + collection + "." + field + "' is null");
      if (Depth(value, limits.max_depth) > limits.max_depth) {
        return InvalidArgumentError("field '" + collection + "." + field + "' nested too deeply");
      }
      if (value.dump().size() > limits.max_value_bytes) {
        return InvalidArgumentError("field '" + collection + "." + field + "' too large");
      }
      out.data[collection][field] = value;
    }
  }
  return out;
}

Result<std::vector<std::string>> ParseFieldList(std::string_view fields, size_t max) {
  std::vector<std::string> out;
  std::set<std::string_view> seen;
  while (!fields.empty()) {
    const size_t comma = fields.find(',');
    std::string_view name = fields.substr(0, comma);
    if (!IsValidName(name)) return InvalidArgumentError("bad field name in 'fields'");
    if (!seen.insert(name).second) return InvalidArgumentError("field listed twice in 'fields'");
    if (out.size() >= max) return InvalidArgumentError("too many fields requested");
    out.emplace_back(name);
    if (comma == std::string_view::npos) break;
    fields.remove_prefix(comma + 1);
    if (fields.empty()) return InvalidArgumentError("trailing comma in 'fields'");
  }
  return out;
}

}  // namespace domicile::gateway
