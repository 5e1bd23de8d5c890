// Entities and context JSON (https://docs.cedarpolicy.com/auth/entities-syntax.html),
// the entity store with precomputed ancestor sets, and request validation.
// Integers are exact 64-bit; fractional numbers are rejected.
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cedar/cedar.h"
#include "cedar/internal/extensions.h"

namespace domicile::cedar {
namespace {

using Json = nlohmann::json;

Result<EntityUid> UidFromJson(const Json& j) {
  const Json* o = &j;
  if (j.is_object() && j.contains("__entity")) o = &j["__entity"];
  if (!o->is_object() || !o->contains("type") || !o->contains("id") || !(*o)["type"].is_string() ||
      !(*o)["id"].is_string()) {
    return InvalidArgumentError("expected an entity reference {\"type\": ..., \"id\": ...}");
  }
  return EntityUid{(*o)["type"].get<std::string>(), (*o)["id"].get<std::string>()};
}

// A JSON attribute value; `type` (may be null) is its schema type, which lets
// a plain string stand for an extension value and {type,id} for an entity.
Result<Value> ValueFromJson(const Json& j, const SchemaType* type, int depth) {
  if (depth > kMaxNesting) return InvalidArgumentError("nesting too deep");
  switch (j.type()) {
    case Json::value_t::boolean: return Value(j.get<bool>());
    case Json::value_t::number_integer: return Value(j.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      std::uint64_t u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return InvalidArgumentError("integer out of range");
      return Value(static_cast<std::int64_t>(u));
    }
    case Json::value_t::string:
      if (type != nullptr && type->kind == SchemaType::Kind::kExtension) {
        Value arg(j.get<std::string>());
        const Value* args[] = {&arg};
        return internal::CallExtension(type->name == "ipaddr" ? "ip" : type->name, args);
      }
      return Value(j.get<std::string>());
    case Json::value_t::array: {
      const SchemaType* elem = type != nullptr && type->kind == SchemaType::Kind::kSet ? type->element.get() : nullptr;
      ValueSet elems;
      for (const Json& e : j) {
        ASSIGN_OR_RETURN(Value v, ValueFromJson(e, elem, depth + 1));
        elems.push_back(std::move(v));
      }
      return Value::Set(std::move(elems));
    }
    case Json::value_t::object: {
      if (j.contains("__entity") || (type != nullptr && type->kind == SchemaType::Kind::kEntity)) {
        ASSIGN_OR_RETURN(EntityUid uid, UidFromJson(j));
        return Value(std::move(uid));
      }
      if (j.contains("__extn")) {
        // {"fn": F, "arg": A} calls a constructor; {"fn": F, "args": [...]} any
        // extension function or method (receiver first).
        const Json& x = j["__extn"];
        bool one = x.is_object() && x.contains("arg");
        if (!x.is_object() || !x.contains("fn") || !x["fn"].is_string() ||
            !(one || (x.contains("args") && x["args"].is_array()))) {
          return InvalidArgumentError("bad __extn escape");
        }
        std::vector<Value> args;
        for (const Json& a : one ? Json::array({x["arg"]}) : x["args"]) {
          ASSIGN_OR_RETURN(Value arg, ValueFromJson(a, nullptr, depth + 1));
          args.push_back(std::move(arg));
        }
        std::vector<const Value*> arg_ptrs;
        for (const Value& a : args) arg_ptrs.push_back(&a);
        return internal::CallExtension(x["fn"].get<std::string>(), arg_ptrs);
      }
      bool typed = type != nullptr && type->kind == SchemaType::Kind::kRecord;
      ValueRecord rec;
      for (const auto& [k, v] : j.items()) {
        const SchemaType* ft = nullptr;
        if (typed) {
          auto it = type->attributes.find(k);
          if (it != type->attributes.end()) ft = &it->second.type;
        }
        ASSIGN_OR_RETURN(Value fv, ValueFromJson(v, ft, depth + 1));
        rec.emplace(k, std::move(fv));
      }
      return Value::Record(std::move(rec));
    }
    default:
      return InvalidArgumentError("unsupported JSON value (null or fractional number)");
  }
}

Result<ValueRecord> RecordFromJson(const Json& j, const SchemaType* type) {
  if (j.is_null()) return ValueRecord{};
  if (!j.is_object()) return InvalidArgumentError("expected a JSON object");
  ASSIGN_OR_RETURN(Value v, ValueFromJson(j, type, 0));
  if (v.kind() != Value::Kind::kRecord) return InvalidArgumentError("expected a record");
  return v.AsRecord();
}

Result<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("malformed JSON");
  return j;
}

// Whether `v` has schema type `t` (records: required attributes present, no
// undeclared ones unless additional attributes are allowed).
bool Conforms(const Value& v, const SchemaType& t) {
  switch (t.kind) {
    case SchemaType::Kind::kBool: return v.kind() == Value::Kind::kBool;
    case SchemaType::Kind::kLong: return v.kind() == Value::Kind::kLong;
    case SchemaType::Kind::kString: return v.kind() == Value::Kind::kString;
    case SchemaType::Kind::kEntity: return v.kind() == Value::Kind::kEntity && v.AsEntity().type == t.name;
    case SchemaType::Kind::kExtension: {
      if (v.kind() != Value::Kind::kExt) return false;
      static const char* kNames[] = {"ipaddr", "decimal", "datetime", "duration"};
      return t.name == kNames[static_cast<int>(v.AsExt().kind)];
    }
    case SchemaType::Kind::kSet:
      if (v.kind() != Value::Kind::kSet) return false;
      return std::all_of(v.AsSet().begin(), v.AsSet().end(), [&](const Value& e) { return Conforms(e, *t.element); });
    case SchemaType::Kind::kRecord: {
      if (v.kind() != Value::Kind::kRecord) return false;
      const ValueRecord& r = v.AsRecord();
      for (const auto& [name, attr] : t.attributes) {
        auto it = r.find(name);
        if (it == r.end() ? attr.required : !Conforms(it->second, attr.type)) return false;
      }
      if (t.additional_attributes) return true;
      return std::all_of(r.begin(), r.end(), [&](const auto& kv) { return t.attributes.count(kv.first) > 0; });
    }
  }
  return false;
}

}  // namespace

bool Entities::Node::HasAncestor(const EntityUid& uid) const {
  return std::binary_search(ancestors.begin(), ancestors.end(), uid);
}

void Entities::Add(Entity e) {
  EntityUid uid = e.uid;
  entities_[uid] = Node{std::move(e), {}};
}

void Entities::Finalize() {
  for (auto& [uid, node] : entities_) {
    std::set<EntityUid> ancestors;
    std::vector<const EntityUid*> stack;
    for (const EntityUid& p : node.entity.parents) stack.push_back(&p);
    while (!stack.empty()) {
      const EntityUid* p = stack.back();
      stack.pop_back();
      if (!ancestors.insert(*p).second) continue;
      auto it = entities_.find(*p);
      if (it == entities_.end()) continue;
      for (const EntityUid& q : it->second.entity.parents) stack.push_back(&q);
    }
    node.ancestors.assign(ancestors.begin(), ancestors.end());
  }
}

const Entities::Node* Entities::FindNode(const EntityUid& uid) const {
  auto it = entities_.find(uid);
  return it == entities_.end() ? nullptr : &it->second;
}

const Entity* Entities::Find(const EntityUid& uid) const {
  const Node* n = FindNode(uid);
  return n == nullptr ? nullptr : &n->entity;
}

bool Entities::IsAncestor(const EntityUid& uid, const EntityUid& ancestor) const {
  const Node* n = FindNode(uid);
  return n != nullptr && n->HasAncestor(ancestor);
}

Result<Entities> Entities::FromJson(std::string_view json, const Schema* schema) {
  ASSIGN_OR_RETURN(Json j, ParseJson(json));
  if (!j.is_array()) return InvalidArgumentError("entities JSON must be an array");
  Entities out;
  for (const Json& ej : j) {
    if (!ej.is_object() || !ej.contains("uid")) return InvalidArgumentError("entity without uid");
    Entity e;
    ASSIGN_OR_RETURN(e.uid, UidFromJson(ej["uid"]));
    const EntityTypeDecl* decl = schema != nullptr ? schema->FindEntityType(e.uid.type) : nullptr;
    if (ej.contains("attrs")) {
      auto attrs = RecordFromJson(ej["attrs"], decl ? &decl->shape : nullptr);
      if (!attrs.ok()) return attrs.status().Annotate("entity " + e.uid.ToString() + " attrs");
      e.attrs = std::move(*attrs);
    }
    if (ej.contains("tags")) {
      const Json& tj = ej["tags"];
      if (!tj.is_object()) return InvalidArgumentError("entity " + e.uid.ToString() + " tags must be an object");
      // With a schema every tag value has the declared tag type.
      const SchemaType* tag_type = decl != nullptr && decl->tags ? &*decl->tags : nullptr;
      for (const auto& [k, v] : tj.items()) {
        auto tv = ValueFromJson(v, tag_type, 1);
        if (!tv.ok()) return tv.status().Annotate("entity " + e.uid.ToString() + " tag " + k);
        e.tags.emplace(k, std::move(*tv));
      }
    }
    if (ej.contains("parents")) {
      if (!ej["parents"].is_array()) return InvalidArgumentError("entity " + e.uid.ToString() + " parents must be an array");
      for (const Json& pj : ej["parents"]) {
        ASSIGN_OR_RETURN(EntityUid p, UidFromJson(pj));
        e.parents.push_back(std::move(p));
      }
    }
    out.Add(std::move(e));
  }
  if (schema != nullptr) {
    for (const auto& [uid, action] : schema->actions()) {
      EntityUid euid{uid.type, uid.id};
      auto it = out.entities_.find(euid);
      if (it == out.entities_.end()) it = out.entities_.emplace(euid, Node{Entity{euid, {}, {}, {}}, {}}).first;
      for (const ActionUid& g : action.member_of) {
        EntityUid guid{g.type, g.id};
        auto& parents = it->second.entity.parents;
        if (std::find(parents.begin(), parents.end(), guid) == parents.end()) parents.push_back(guid);
      }
    }
  }
  out.Finalize();
  return out;
}

Result<Value> ParseContextJson(std::string_view json, const Schema* schema, const EntityUid& action) {
  ASSIGN_OR_RETURN(Json j, ParseJson(json));
  const ActionDecl* decl = schema != nullptr ? schema->FindAction(ActionUid{action.type, action.id}) : nullptr;
  ASSIGN_OR_RETURN(ValueRecord rec, RecordFromJson(j, decl ? &decl->context : nullptr));
  return Value::Record(std::move(rec));
}

Status ValidateRequest(const Request& request, const Schema& schema) {
  const ActionDecl* decl = schema.FindAction(ActionUid{request.action.type, request.action.id});
  if (decl == nullptr) return InvalidArgumentError("request: action " + request.action.ToString() + " is not declared");
  auto applies = [](const std::vector<std::string>& types, const std::string& t) {
    return std::find(types.begin(), types.end(), t) != types.end();
  };
  if (!applies(decl->principal_types, request.principal.type)) {
    return InvalidArgumentError("request: principal type " + request.principal.type + " is not valid for the action");
  }
  if (!applies(decl->resource_types, request.resource.type)) {
    return InvalidArgumentError("request: resource type " + request.resource.type + " is not valid for the action");
  }
  if (!Conforms(request.context, decl->context)) {
    return InvalidArgumentError("request: context does not conform to the action's context type");
  }
  return Status::Ok();
}

}  // namespace domicile::cedar
