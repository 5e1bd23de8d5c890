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

Status CheckEnumId(const EntityUid& uid, const Schema* schema) {
  const EntityTypeDecl* decl = schema != nullptr ? schema->FindEntityType(uid.type) : nullptr;
  if (decl == nullptr || decl->enum_ids.empty()) return Status::Ok();
  if (std::find(decl->enum_ids.begin(), decl->enum_ids.end(), uid.id) != decl->enum_ids.end()) return Status::Ok();
  return InvalidArgumentError(uid.ToString() + " is not one of the enumerated ids of " + uid.type);
}

// Whether `v` has schema type `t` (records: required attributes present, no
// undeclared ones unless additional attributes are allowed; entities of an
// enumerated type: a listed id when `schema` is given). The error names the
// offending attribute path.
Status CheckConforms(const Value& v, const SchemaType& t, const Schema* schema, const std::string& path) {
  auto mismatch = [&](const std::string& expected) {
    return InvalidArgumentError((path.empty() ? std::string("value") : "`" + path + "`") + ": expected " + expected +
                                ", got " + KindName(v.kind()));
  };
  switch (t.kind) {
    case SchemaType::Kind::kBool:
    case SchemaType::Kind::kLong:
    case SchemaType::Kind::kString: {
      static constexpr Value::Kind kKinds[] = {Value::Kind::kBool, Value::Kind::kLong, Value::Kind::kString};
      static constexpr const char* kNames[] = {"Bool", "Long", "String"};
      int k = static_cast<int>(t.kind);
      if (v.kind() != kKinds[k]) return mismatch(kNames[k]);
      return Status::Ok();
    }
    case SchemaType::Kind::kEntity:
      if (v.kind() != Value::Kind::kEntity || v.AsEntity().type != t.name) return mismatch("an entity of type " + t.name);
      return CheckEnumId(v.AsEntity(), schema);
    case SchemaType::Kind::kExtension: {
      static const char* kNames[] = {"ipaddr", "decimal", "datetime", "duration"};
      if (v.kind() != Value::Kind::kExt || t.name != kNames[static_cast<int>(v.AsExt().kind)]) return mismatch(t.name);
      return Status::Ok();
    }
    case SchemaType::Kind::kSet:
      if (v.kind() != Value::Kind::kSet) return mismatch("a set");
      for (const Value& e : v.AsSet()) RETURN_IF_ERROR(CheckConforms(e, *t.element, schema, path + "[]"));
      return Status::Ok();
    case SchemaType::Kind::kRecord: {
      if (v.kind() != Value::Kind::kRecord) return mismatch("a record");
      const ValueRecord& r = v.AsRecord();
      auto sub = [&](const std::string& name) { return path.empty() ? name : path + "." + name; };
      for (const auto& [name, attr] : t.attributes) {
        auto it = r.find(name);
        if (it == r.end()) {
          if (attr.required) return InvalidArgumentError("required attribute `" + sub(name) + "` is missing");
          continue;
        }
        RETURN_IF_ERROR(CheckConforms(it->second, attr.type, schema, sub(name)));
      }
      if (t.additional_attributes) return Status::Ok();
      for (const auto& kv : r) {
        if (!t.attributes.contains(kv.first)) {
          return InvalidArgumentError("attribute `" + sub(kv.first) + "` is not declared in the schema");
        }
      }
      return Status::Ok();
    }
  }
  return InternalError("bad schema type");
}

bool IsActionType(std::string_view type) { return type == "Action" || type.ends_with("::Action"); }

// Entity data against the schema, as Cedar's entity conformance checks do:
// the type is declared (or the uid is a declared action), enumerated ids are
// listed, attributes and tags have their declared types, parents have
// declared parent types.
Status CheckEntity(const Entity& e, const Schema& schema) {
  if (IsActionType(e.uid.type)) {
    if (schema.FindAction(ActionUid{e.uid.type, e.uid.id}) == nullptr) {
      return InvalidArgumentError("action " + e.uid.ToString() + " is not declared in the schema");
    }
    return Status::Ok();
  }
  const EntityTypeDecl* decl = schema.FindEntityType(e.uid.type);
  if (decl == nullptr) return InvalidArgumentError("entity type " + e.uid.type + " is not declared in the schema");
  RETURN_IF_ERROR(CheckEnumId(e.uid, &schema));
  RETURN_IF_ERROR(CheckConforms(Value::Record(e.attrs), decl->shape, &schema, ""));
  if (!e.tags.empty() && !decl->tags) return InvalidArgumentError("entity type " + e.uid.type + " has no tags");
  for (const auto& [k, v] : e.tags) RETURN_IF_ERROR(CheckConforms(v, *decl->tags, &schema, "tag " + k));
  for (const EntityUid& p : e.parents) {
    if (std::find(decl->member_of.begin(), decl->member_of.end(), p.type) == decl->member_of.end()) {
      return InvalidArgumentError("parent " + p.ToString() + " is not of a parent type of " + e.uid.type);
    }
    RETURN_IF_ERROR(CheckEnumId(p, &schema));
  }
  return Status::Ok();
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
    if (schema != nullptr) {
      Status st = CheckEntity(e, *schema);
      if (!st.ok()) return st.Annotate("entity " + e.uid.ToString());
    }
    if (out.entities_.contains(e.uid)) return InvalidArgumentError("duplicate entity " + e.uid.ToString());
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
  Status context = CheckConforms(request.context, decl->context, &schema, "");
  if (!context.ok()) return context.Annotate("request: context");
  return Status::Ok();
}

}  // namespace domicile::cedar
