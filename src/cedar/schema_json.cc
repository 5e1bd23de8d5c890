// Schema::FromJson: the JSON schema format
// (https://docs.cedarpolicy.com/schema/json-schema.html) into a RawSchema.
// Unknown keys, duplicate keys and wrong JSON types are errors, as in Cedar;
// names are resolved by SchemaBuilder.
#include <algorithm>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cedar/internal/schema_raw.h"
#include "cedar/schema.h"

namespace domicile::cedar {
namespace {

using nlohmann::json;

// JSON nesting allowed: each schema type level costs two JSON levels
// ("attributes": {"a": {...}}), plus the namespace/entity/shape envelope.
constexpr int kMaxJsonDepth = 2 * kMaxSchemaTypeDepth + 8;

// Parses `text`, rejecting duplicate object keys and nesting beyond
// kMaxJsonDepth (nlohmann itself would silently keep the last duplicate).
Result<json> ParseStrictJson(std::string_view text) {
  std::vector<std::set<std::string>> keys;  // one key set per open object
  std::string error;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    if (!error.empty()) return false;
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth) {
          error = "JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
          return false;
        }
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        return true;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        return true;
      case json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second) {
          error = "duplicate key \"" + parsed.get<std::string>() + "\"";
          return false;
        }
        return true;
      default:
        return true;
    }
  };
  try {
    json j = json::parse(text.begin(), text.end(), callback);
    if (!error.empty()) return InvalidArgumentError("schema JSON: " + error);
    return j;
  } catch (const json::exception& e) {
    // A rejected key or level stops the callback first; report that, not its aftermath.
    if (!error.empty()) return InvalidArgumentError("schema JSON: " + error);
    return InvalidArgumentError(std::string("schema JSON: ") + e.what());
  }
}

Status CheckKeys(const json& obj, std::span<const std::string_view> allowed, std::string_view where) {
  if (!obj.is_object()) return InvalidArgumentError(std::string(where) + ": expected a JSON object");
  for (const auto& [key, unused] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return InvalidArgumentError(std::string(where) + ": unknown field \"" + key + "\"");
    }
  }
  return Status::Ok();
}
Status CheckKeys(const json& obj, std::initializer_list<std::string_view> allowed, std::string_view where) {
  return CheckKeys(obj, std::span(allowed.begin(), allowed.size()), where);
}

Result<std::string> GetString(const json& obj, const char* key, std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return InvalidArgumentError(std::string(where) + ": \"" + key + "\" must be a string");
  }
  return it->get<std::string>();
}

Result<std::vector<std::string>> GetStringList(const json& obj, const char* key,
                                               std::string_view where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end()) return out;
  if (!it->is_array()) {
    return InvalidArgumentError(std::string(where) + ": \"" + key + "\" must be an array of strings");
  }
  for (const json& v : *it) {
    if (!v.is_string()) {
      return InvalidArgumentError(std::string(where) + ": \"" + key + "\" must be an array of strings");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Status CheckAnnotations(const json& obj, std::string_view where) {
  auto it = obj.find("annotations");
  if (it == obj.end()) return Status::Ok();
  if (!it->is_object()) return InvalidArgumentError(std::string(where) + ": \"annotations\" must be an object");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string() && !value.is_null()) {
      return InvalidArgumentError(std::string(where) + ": annotation \"" + key + "\" must be a string");
    }
  }
  return Status::Ok();
}

// A type object; `attribute` allows the "required" field.
Result<RawType> ParseType(const json& j, std::string_view where, int depth, bool attribute) {
  if (depth > kMaxSchemaTypeDepth) {
    return InvalidArgumentError(std::string(where) + ": types nest deeper than " +
                                std::to_string(kMaxSchemaTypeDepth) + " levels");
  }
  if (!j.is_object()) return InvalidArgumentError(std::string(where) + ": a type must be a JSON object");
  ASSIGN_OR_RETURN(std::string type, GetString(j, "type", where));
  if (attribute) {
    if (auto it = j.find("required"); it != j.end() && !it->is_boolean()) {
      return InvalidArgumentError(std::string(where) + ": \"required\" must be a boolean");
    }
  }
  RETURN_IF_ERROR(CheckAnnotations(j, where));
  auto keys = [&](std::initializer_list<std::string_view> extra) -> Status {
    std::vector<std::string_view> allowed = {"type", "annotations"};
    if (attribute) allowed.push_back("required");
    allowed.insert(allowed.end(), extra.begin(), extra.end());
    return CheckKeys(j, allowed, std::string(where) + " (type \"" + type + "\")");
  };
  RawType t;
  using K = RawType::Kind;
  if (type == "Boolean" || type == "Long" || type == "String") {
    RETURN_IF_ERROR(keys({}));
    t.kind = type == "Boolean" ? K::kBool : type == "Long" ? K::kLong : K::kString;
  } else if (type == "Set") {
    RETURN_IF_ERROR(keys({"element"}));
    auto it = j.find("element");
    if (it == j.end()) return InvalidArgumentError(std::string(where) + ": Set needs \"element\"");
    ASSIGN_OR_RETURN(RawType elem, ParseType(*it, where, depth + 1, false));
    t.kind = K::kSet;
    t.element = std::make_shared<const RawType>(std::move(elem));
  } else if (type == "Record") {
    RETURN_IF_ERROR(keys({"attributes", "additionalAttributes"}));
    t.kind = K::kRecord;
    if (auto it = j.find("additionalAttributes"); it != j.end()) {
      if (!it->is_boolean()) {
        return InvalidArgumentError(std::string(where) + ": \"additionalAttributes\" must be a boolean");
      }
      t.additional_attributes = it->get<bool>();
    }
    auto it = j.find("attributes");
    if (it == j.end()) return InvalidArgumentError(std::string(where) + ": Record needs \"attributes\"");
    if (!it->is_object()) return InvalidArgumentError(std::string(where) + ": \"attributes\" must be an object");
    for (const auto& [name, spec] : it->items()) {
      RawAttribute attr;
      ASSIGN_OR_RETURN(attr.type, ParseType(spec, where, depth + 1, true));
      if (auto r = spec.find("required"); r != spec.end()) attr.required = r->get<bool>();
      t.attributes.emplace_back(name, std::move(attr));
    }
  } else if (type == "Entity" || type == "Extension" || type == "EntityOrCommon") {
    RETURN_IF_ERROR(keys({"name"}));
    ASSIGN_OR_RETURN(t.name, GetString(j, "name", where));
    t.kind = type == "Entity" ? K::kEntityName : type == "Extension" ? K::kExtension : K::kName;
  } else {
    RETURN_IF_ERROR(keys({}));
    t.kind = K::kCommonName;
    t.name = std::move(type);
  }
  return t;
}

Result<RawEntityType> ParseEntityType(const std::string& name, const json& j, std::string_view ns) {
  const std::string where = "entity type `" + (ns.empty() ? name : std::string(ns) + "::" + name) + "`";
  RETURN_IF_ERROR(CheckKeys(j, {"memberOfTypes", "shape", "tags", "enum", "annotations"}, where));
  RETURN_IF_ERROR(CheckAnnotations(j, where));
  RawEntityType e;
  e.name = name;
  ASSIGN_OR_RETURN(e.member_of, GetStringList(j, "memberOfTypes", where));
  if (auto it = j.find("shape"); it != j.end()) {
    ASSIGN_OR_RETURN(RawType shape, ParseType(*it, where + " shape", 0, false));
    e.shape = std::move(shape);
  }
  if (auto it = j.find("tags"); it != j.end()) {
    ASSIGN_OR_RETURN(RawType tags, ParseType(*it, where + " tags", 0, false));
    e.tags = std::move(tags);
  }
  if (j.contains("enum")) {
    if (!j["enum"].is_array()) return InvalidArgumentError(where + ": \"enum\" must be an array of strings");
    e.is_enum = true;
    ASSIGN_OR_RETURN(e.enum_ids, GetStringList(j, "enum", where));
  }
  return e;
}

Result<RawAction> ParseAction(const std::string& id, const json& j, std::string_view ns) {
  const std::string where = "action `" + (ns.empty() ? "" : std::string(ns) + "::") + "Action::\"" + id + "\"`";
  RETURN_IF_ERROR(CheckKeys(j, {"memberOf", "appliesTo", "annotations"}, where));
  RETURN_IF_ERROR(CheckAnnotations(j, where));
  RawAction a;
  a.id = id;
  if (auto it = j.find("memberOf"); it != j.end()) {
    if (!it->is_array()) return InvalidArgumentError(where + ": \"memberOf\" must be an array");
    for (const json& ref : *it) {
      RETURN_IF_ERROR(CheckKeys(ref, {"id", "type"}, where + " memberOf"));
      RawActionRef r;
      ASSIGN_OR_RETURN(r.id, GetString(ref, "id", where + " memberOf"));
      if (ref.contains("type")) {
        ASSIGN_OR_RETURN(std::string type, GetString(ref, "type", where + " memberOf"));
        r.type = std::move(type);
      }
      a.member_of.push_back(std::move(r));
    }
  }
  if (auto it = j.find("appliesTo"); it != j.end() && !it->is_null()) {
    RETURN_IF_ERROR(CheckKeys(*it, {"principalTypes", "resourceTypes", "context"}, where + " appliesTo"));
    a.has_applies_to = true;
    for (const char* key : {"principalTypes", "resourceTypes"}) {
      if (!it->contains(key)) {
        return InvalidArgumentError(where + ": appliesTo needs \"" + key + "\"");
      }
    }
    ASSIGN_OR_RETURN(a.principal_types, GetStringList(*it, "principalTypes", where));
    ASSIGN_OR_RETURN(a.resource_types, GetStringList(*it, "resourceTypes", where));
    if (auto c = it->find("context"); c != it->end()) {
      ASSIGN_OR_RETURN(RawType context, ParseType(*c, where + " context", 0, false));
      a.context = std::move(context);
    }
  }
  return a;
}

Result<RawNamespace> ParseNamespace(const std::string& name, const json& j) {
  const std::string where = "namespace \"" + name + "\"";
  RETURN_IF_ERROR(CheckKeys(j, {"commonTypes", "entityTypes", "actions", "annotations"}, where));
  RETURN_IF_ERROR(CheckAnnotations(j, where));
  if (name.empty() && j.contains("annotations")) {
    return InvalidArgumentError("the empty namespace cannot be annotated");
  }
  RawNamespace ns;
  ns.name = name;
  for (const char* key : {"entityTypes", "actions"}) {
    if (!j.contains(key) || !j[key].is_object()) {
      return InvalidArgumentError(where + ": \"" + key + "\" must be an object");
    }
  }
  if (auto it = j.find("commonTypes"); it != j.end()) {
    if (!it->is_object()) return InvalidArgumentError(where + ": \"commonTypes\" must be an object");
    for (const auto& [type_name, spec] : it->items()) {
      RawCommonType c;
      c.name = type_name;
      ASSIGN_OR_RETURN(c.type, ParseType(spec, "common type `" + type_name + "`", 0, false));
      ns.common_types.push_back(std::move(c));
    }
  }
  for (const auto& [type_name, spec] : j["entityTypes"].items()) {
    ASSIGN_OR_RETURN(RawEntityType e, ParseEntityType(type_name, spec, name));
    ns.entity_types.push_back(std::move(e));
  }
  for (const auto& [id, spec] : j["actions"].items()) {
    ASSIGN_OR_RETURN(RawAction a, ParseAction(id, spec, name));
    ns.actions.push_back(std::move(a));
  }
  return ns;
}

}  // namespace

Result<Schema> Schema::FromJson(std::string_view text) {
  ASSIGN_OR_RETURN(json j, ParseStrictJson(text));
  if (!j.is_object()) return InvalidArgumentError("schema JSON: expected an object of namespaces");
  RawSchema raw;
  for (const auto& [name, ns] : j.items()) {
    ASSIGN_OR_RETURN(RawNamespace parsed, ParseNamespace(name, ns));
    raw.namespaces.push_back(std::move(parsed));
  }
  return SchemaBuilder::Build(raw);
}

}  // namespace domicile::cedar
