#include "cedar/internal/schema_testing.h"

#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace domicile::cedar::testing {
namespace {

using nlohmann::json;

std::string DumpType(const SchemaType& t) {
  switch (t.kind) {
    case SchemaType::Kind::kBool: return "Bool";
    case SchemaType::Kind::kLong: return "Long";
    case SchemaType::Kind::kString: return "String";
    case SchemaType::Kind::kEntity: return "Entity<" + t.name + ">";
    case SchemaType::Kind::kExtension: return "Extension<" + t.name + ">";
    case SchemaType::Kind::kSet: return "Set<" + (t.element ? DumpType(*t.element) : "?") + ">";
    case SchemaType::Kind::kRecord: {
      std::string out = "{";
      for (const auto& [name, attr] : t.attributes) {
        out += json(name).dump() + (attr.required ? ": " : "?: ") + DumpType(attr.type) + ", ";
      }
      if (t.additional_attributes) out += "...";
      return out + "}";
    }
  }
  return "?";
}

std::string Uid(const ActionUid& uid) { return uid.type + "::" + json(uid.id).dump(); }

// "A::B::C" -> {"A::B", "C"}.
std::pair<std::string, std::string> Split(const std::string& name) {
  std::size_t pos = name.rfind("::");
  if (pos == std::string::npos) return {"", name};
  return {name.substr(0, pos), name.substr(pos + 2)};
}

json TypeToJson(const SchemaType& t) {
  switch (t.kind) {
    case SchemaType::Kind::kBool: return {{"type", "Boolean"}};
    case SchemaType::Kind::kLong: return {{"type", "Long"}};
    case SchemaType::Kind::kString: return {{"type", "String"}};
    case SchemaType::Kind::kEntity: return {{"type", "Entity"}, {"name", t.name}};
    case SchemaType::Kind::kExtension: return {{"type", "Extension"}, {"name", t.name}};
    case SchemaType::Kind::kSet: return {{"type", "Set"}, {"element", TypeToJson(*t.element)}};
    case SchemaType::Kind::kRecord: {
      json attrs = json::object();
      for (const auto& [name, attr] : t.attributes) {
        json a = TypeToJson(attr.type);
        a["required"] = attr.required;
        attrs[name] = std::move(a);
      }
      json out = {{"type", "Record"}, {"attributes", std::move(attrs)}};
      if (t.additional_attributes) out["additionalAttributes"] = true;
      return out;
    }
  }
  return {};
}

}  // namespace

std::string DumpSchema(const Schema& schema) {
  std::string out;
  for (const auto& [name, e] : schema.entity_types()) {
    out += "entity " + name + " in [";
    for (const std::string& p : e.member_of) out += p + ",";
    out += "] " + DumpType(e.shape);
    if (e.tags) out += " tags " + DumpType(*e.tags);
    if (!e.enum_ids.empty()) out += " enum " + json(e.enum_ids).dump();
    out += "\n";
  }
  for (const auto& [uid, a] : schema.actions()) {
    out += "action " + Uid(uid) + " in [";
    for (const ActionUid& p : a.member_of) out += Uid(p) + ",";
    out += "]";
    if (a.has_applies_to) {
      out += " appliesTo principal [";
      for (const std::string& p : a.principal_types) out += p + ",";
      out += "] resource [";
      for (const std::string& r : a.resource_types) out += r + ",";
      out += "] context " + DumpType(a.context);
    }
    out += "\n";
  }
  return out;
}

std::string SchemaToJson(const Schema& schema) {
  json root = json::object();
  auto ns = [&](const std::string& name) -> json& {
    json& n = root[name];
    if (n.is_null()) n = {{"entityTypes", json::object()}, {"actions", json::object()}};
    return n;
  };
  for (const auto& [name, e] : schema.entity_types()) {
    auto [prefix, base] = Split(name);
    json decl = json::object();
    if (!e.member_of.empty()) decl["memberOfTypes"] = e.member_of;
    if (!e.enum_ids.empty()) {
      decl["enum"] = e.enum_ids;
    } else {
      decl["shape"] = TypeToJson(e.shape);
      if (e.tags) decl["tags"] = TypeToJson(*e.tags);
    }
    ns(prefix)["entityTypes"][base] = std::move(decl);
  }
  for (const auto& [uid, a] : schema.actions()) {
    auto [prefix, base] = Split(uid.type);
    json decl = json::object();
    if (!a.member_of.empty()) {
      json parents = json::array();
      for (const ActionUid& p : a.member_of) parents.push_back({{"type", p.type}, {"id", p.id}});
      decl["memberOf"] = std::move(parents);
    }
    if (a.has_applies_to) {
      decl["appliesTo"] = {{"principalTypes", a.principal_types},
                           {"resourceTypes", a.resource_types},
                           {"context", TypeToJson(a.context)}};
    }
    ns(prefix)["actions"][uid.id] = std::move(decl);
  }
  return root.dump(2);
}

}  // namespace domicile::cedar::testing
