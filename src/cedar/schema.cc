// Schema lookups and SchemaBuilder: name resolution and consistency checks
// shared by both schema formats (see internal/schema_raw.h).
#include "cedar/schema.h"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "cedar/internal/schema_raw.h"

namespace domicile::cedar {
namespace {

constexpr std::string_view kCedarPrefix = "__cedar::";

std::string Qualify(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string out(ns);
  out += "::";
  out += name;
  return out;
}

bool IsQualified(std::string_view name) { return name.find("::") != std::string_view::npos; }

// Where an unqualified name written in namespace `ns` may point, in priority
// order: the namespace itself, then the empty namespace. Qualified names are
// absolute.
std::vector<std::string> Candidates(std::string_view ns, std::string_view name) {
  if (IsQualified(name) || ns.empty()) return {std::string(name)};
  return {Qualify(ns, name), std::string(name)};
}

bool IsExtensionName(std::string_view n) {
  return n == "ipaddr" || n == "decimal" || n == "datetime" || n == "duration";
}

// Builtin types by name ("Bool", "ipaddr", ...); nullopt if not a builtin.
std::optional<SchemaType> Builtin(std::string_view n) {
  SchemaType t;
  if (n == "Bool" || n == "Boolean") {
    t.kind = SchemaType::Kind::kBool;
  } else if (n == "Long") {
    t.kind = SchemaType::Kind::kLong;
  } else if (n == "String") {
    t.kind = SchemaType::Kind::kString;
  } else if (IsExtensionName(n)) {
    t.kind = SchemaType::Kind::kExtension;
    t.name = std::string(n);
  } else {
    return std::nullopt;
  }
  return t;
}

bool IsReservedTypeName(std::string_view n) {
  return n == "Bool" || n == "Boolean" || n == "Entity" || n == "Extension" || n == "Long" ||
         n == "Record" || n == "Set" || n == "String";
}

std::string ActionUidString(const ActionUid& uid) {
  return uid.type + "::\"" + uid.id + "\"";
}

class Resolver {
 public:
  explicit Resolver(const RawSchema& raw) : raw_(raw) {}

  // Fills `entity_types` and `actions`.
  Status Run() {
    RETURN_IF_ERROR(CollectDeclarations());
    for (const RawNamespace& ns : raw_.namespaces) {
      for (const RawEntityType& e : ns.entity_types) {
        ASSIGN_OR_RETURN(EntityTypeDecl decl, ResolveEntityType(ns.name, e));
        std::string name = decl.name;
        entity_types.emplace(std::move(name), std::move(decl));
      }
      for (const RawAction& a : ns.actions) {
        ASSIGN_OR_RETURN(ActionDecl decl, ResolveAction(ns.name, a));
        ActionUid uid = decl.uid;
        actions.emplace(std::move(uid), std::move(decl));
      }
    }
    return CheckActionCycles();
  }

  std::map<std::string, EntityTypeDecl> entity_types;
  std::map<ActionUid, ActionDecl> actions;

 private:
  struct CommonDef {
    std::string ns;
    const RawType* type;
  };

  Status CollectDeclarations() {
    std::set<std::string> namespaces;
    for (const RawNamespace& ns : raw_.namespaces) {
      if (!ns.name.empty()) {
        if (!IsSchemaPath(ns.name)) return InvalidArgumentError("invalid namespace name `" + ns.name + "`");
        if (ns.name == "__cedar" || ns.name.starts_with(kCedarPrefix) ||
            ns.name.find("::__cedar") != std::string::npos) {
          return InvalidArgumentError("namespace `" + ns.name + "` uses the reserved `__cedar`");
        }
      }
      if (!namespaces.insert(ns.name).second) {
        return InvalidArgumentError("namespace `" + ns.name + "` is declared twice");
      }
      for (const RawCommonType& c : ns.common_types) {
        if (!IsSchemaIdent(c.name)) return InvalidArgumentError("invalid common type name `" + c.name + "`");
        if (IsReservedTypeName(c.name) || c.name == "__cedar") {
          return InvalidArgumentError("common type name `" + c.name + "` is reserved");
        }
        std::string fq = Qualify(ns.name, c.name);
        if (!common_.emplace(fq, CommonDef{ns.name, &c.type}).second) {
          return InvalidArgumentError("common type `" + fq + "` is declared twice");
        }
      }
      for (const RawEntityType& e : ns.entity_types) {
        if (!IsSchemaIdent(e.name) || e.name == "__cedar") {
          return InvalidArgumentError("invalid entity type name `" + e.name + "`");
        }
        if (e.name == "Action") {
          return InvalidArgumentError("entity type `" + Qualify(ns.name, e.name) +
                                      "`: `Action` is reserved for actions");
        }
        std::string fq = Qualify(ns.name, e.name);
        if (!entities_.insert(fq).second) {
          return InvalidArgumentError("entity type `" + fq + "` is declared twice");
        }
      }
      for (const RawAction& a : ns.actions) {
        ActionUid uid{Qualify(ns.name, "Action"), a.id};
        if (!actions_.insert(uid).second) {
          return InvalidArgumentError("action `" + ActionUidString(uid) + "` is declared twice");
        }
      }
    }
    // RFC 70: a namespaced declaration may not shadow one in the empty namespace.
    for (const RawNamespace& ns : raw_.namespaces) {
      if (ns.name.empty()) continue;
      auto shadows = [&](const std::string& n) {
        return common_.contains(n) || entities_.contains(n);
      };
      for (const RawCommonType& c : ns.common_types) {
        if (shadows(c.name)) {
          return InvalidArgumentError("common type `" + Qualify(ns.name, c.name) +
                                      "` shadows `" + c.name + "` in the empty namespace");
        }
      }
      for (const RawEntityType& e : ns.entity_types) {
        if (shadows(e.name)) {
          return InvalidArgumentError("entity type `" + Qualify(ns.name, e.name) +
                                      "` shadows `" + e.name + "` in the empty namespace");
        }
      }
    }
    return Status::Ok();
  }

  // Resolves an entity type reference (parents, principal/resource types,
  // {"type": "Entity"}).
  Result<std::string> ResolveEntityName(std::string_view ns, std::string_view name,
                                        std::string_view where) {
    for (const std::string& c : Candidates(ns, name)) {
      if (entities_.contains(c)) return c;
    }
    return InvalidArgumentError(std::string(where) + ": undeclared entity type `" +
                                std::string(name) + "`");
  }

  Result<ActionUid> ResolveActionRef(std::string_view ns, const RawActionRef& ref,
                                     std::string_view where) {
    std::string type = ref.type.value_or("Action");
    if (type != "Action" && !type.ends_with("::Action")) {
      return InvalidArgumentError(std::string(where) + ": `" + type + "` is not an action type");
    }
    for (const std::string& c : Candidates(ns, type)) {
      ActionUid uid{c, ref.id};
      if (actions_.contains(uid)) return uid;
    }
    return InvalidArgumentError(std::string(where) + ": undeclared action `" +
                                ActionUidString({Qualify(ns, type), ref.id}) + "`");
  }

  Result<SchemaType> ResolveType(std::string_view ns, const RawType& t, std::string_view where,
                                 int depth) {
    if (depth > kMaxSchemaTypeDepth) {
      return InvalidArgumentError(std::string(where) + ": types nest deeper than " +
                                  std::to_string(kMaxSchemaTypeDepth) + " levels");
    }
    if (++nodes_ > kMaxSchemaTypeNodes) {
      return InvalidArgumentError(std::string(where) + ": types expand to more than " +
                                  std::to_string(kMaxSchemaTypeNodes) + " nodes");
    }
    SchemaType out;
    using K = RawType::Kind;
    switch (t.kind) {
      case K::kBool:
        out.kind = SchemaType::Kind::kBool;
        return out;
      case K::kLong:
        out.kind = SchemaType::Kind::kLong;
        return out;
      case K::kString:
        out.kind = SchemaType::Kind::kString;
        return out;
      case K::kSet: {
        if (!t.element) return InvalidArgumentError(std::string(where) + ": set without element type");
        ASSIGN_OR_RETURN(SchemaType elem, ResolveType(ns, *t.element, where, depth + 1));
        out.kind = SchemaType::Kind::kSet;
        out.element = std::make_shared<const SchemaType>(std::move(elem));
        return out;
      }
      case K::kRecord: {
        out.kind = SchemaType::Kind::kRecord;
        out.additional_attributes = t.additional_attributes;
        for (const auto& [name, attr] : t.attributes) {
          ASSIGN_OR_RETURN(SchemaType at, ResolveType(ns, attr.type, where, depth + 1));
          if (!out.attributes.emplace(name, SchemaAttribute{std::move(at), attr.required}).second) {
            return InvalidArgumentError(std::string(where) + ": attribute `" + name +
                                        "` is declared twice");
          }
        }
        return out;
      }
      case K::kEntityName: {
        ASSIGN_OR_RETURN(out.name, ResolveEntityName(ns, t.name, where));
        out.kind = SchemaType::Kind::kEntity;
        return out;
      }
      case K::kExtension: {
        std::string_view n = t.name;
        if (n.starts_with(kCedarPrefix)) n.remove_prefix(kCedarPrefix.size());
        if (!IsExtensionName(n)) {
          return InvalidArgumentError(std::string(where) + ": unknown extension type `" + t.name + "`");
        }
        out.kind = SchemaType::Kind::kExtension;
        out.name = std::string(n);
        return out;
      }
      case K::kName:
      case K::kCommonName:
        return ResolveName(ns, t, where, depth);
    }
    return InternalError("unhandled schema type kind");
  }

  Result<SchemaType> ResolveName(std::string_view ns, const RawType& t, std::string_view where,
                                 int depth) {
    const std::string& name = t.name;
    if (name.starts_with(kCedarPrefix)) {
      if (auto b = Builtin(std::string_view(name).substr(kCedarPrefix.size()))) return *b;
      return InvalidArgumentError(std::string(where) + ": unknown builtin type `" + name + "`");
    }
    for (const std::string& c : Candidates(ns, name)) {
      if (auto it = common_.find(c); it != common_.end()) {
        if (!expanding_.insert(c).second) {
          return InvalidArgumentError(std::string(where) + ": common type `" + c +
                                      "` refers to itself");
        }
        auto r = ResolveType(it->second.ns, *it->second.type, where, depth);
        expanding_.erase(c);
        return r;
      }
      if (t.kind == RawType::Kind::kName && entities_.contains(c)) {
        SchemaType out;
        out.kind = SchemaType::Kind::kEntity;
        out.name = c;
        return out;
      }
    }
    // Unqualified builtins are a .cedarschema convenience; `Boolean` is the
    // JSON spelling and is only reachable as {"type": "Boolean"}.
    if (t.kind == RawType::Kind::kName && name != "Boolean") {
      if (auto b = Builtin(name)) return *b;
    }
    return InvalidArgumentError(std::string(where) + ": unknown type `" + name + "`");
  }

  Result<SchemaType> ResolveRecord(std::string_view ns, const std::optional<RawType>& t,
                                   const std::string& where) {
    if (!t) {
      SchemaType empty;
      empty.kind = SchemaType::Kind::kRecord;
      return empty;
    }
    ASSIGN_OR_RETURN(SchemaType out, ResolveType(ns, *t, where, 0));
    if (out.kind != SchemaType::Kind::kRecord) {
      return InvalidArgumentError(where + ": must be a record type");
    }
    return out;
  }

  Result<EntityTypeDecl> ResolveEntityType(const std::string& ns, const RawEntityType& e) {
    EntityTypeDecl decl;
    decl.name = Qualify(ns, e.name);
    const std::string where = "entity type `" + decl.name + "`";
    for (const std::string& p : e.member_of) {
      ASSIGN_OR_RETURN(std::string parent, ResolveEntityName(ns, p, where));
      decl.member_of.push_back(std::move(parent));
    }
    if (e.is_enum) {
      if (e.enum_ids.empty()) return InvalidArgumentError(where + ": empty enum");
      if (e.shape || e.tags) return InvalidArgumentError(where + ": an enum cannot have attributes or tags");
      // Cedar accepts a value listed twice; keep the first.
      std::set<std::string_view> seen;
      for (const std::string& id : e.enum_ids) {
        if (seen.insert(id).second) decl.enum_ids.push_back(id);
      }
    }
    ASSIGN_OR_RETURN(decl.shape, ResolveRecord(ns, e.shape, where + " shape"));
    if (e.tags) {
      ASSIGN_OR_RETURN(SchemaType tags, ResolveType(ns, *e.tags, where + " tags", 0));
      decl.tags = std::move(tags);
    }
    return decl;
  }

  Result<ActionDecl> ResolveAction(const std::string& ns, const RawAction& a) {
    ActionDecl decl;
    decl.uid = ActionUid{Qualify(ns, "Action"), a.id};
    const std::string where = "action `" + ActionUidString(decl.uid) + "`";
    for (const RawActionRef& ref : a.member_of) {
      ASSIGN_OR_RETURN(ActionUid parent, ResolveActionRef(ns, ref, where));
      decl.member_of.push_back(std::move(parent));
    }
    decl.has_applies_to = a.has_applies_to;
    for (const std::string& p : a.principal_types) {
      ASSIGN_OR_RETURN(std::string type, ResolveEntityName(ns, p, where));
      decl.principal_types.push_back(std::move(type));
    }
    for (const std::string& r : a.resource_types) {
      ASSIGN_OR_RETURN(std::string type, ResolveEntityName(ns, r, where));
      decl.resource_types.push_back(std::move(type));
    }
    ASSIGN_OR_RETURN(decl.context, ResolveRecord(ns, a.context, where + " context"));
    return decl;
  }

  // Action groups must form a DAG (entity type parents may be cyclic).
  Status CheckActionCycles() const {
    enum class Mark { kVisiting, kDone };
    std::map<ActionUid, Mark> marks;
    // Iterative DFS: action hierarchies come from untrusted input.
    for (const auto& [root, unused] : actions) {
      if (marks.contains(root)) continue;
      std::vector<std::pair<const ActionDecl*, std::size_t>> stack;
      stack.emplace_back(&actions.at(root), 0);
      marks[root] = Mark::kVisiting;
      while (!stack.empty()) {
        auto& [decl, next] = stack.back();
        if (next == decl->member_of.size()) {
          marks[decl->uid] = Mark::kDone;
          stack.pop_back();
          continue;
        }
        const ActionUid& parent = decl->member_of[next++];
        auto it = marks.find(parent);
        if (it == marks.end()) {
          marks[parent] = Mark::kVisiting;
          stack.emplace_back(&actions.at(parent), 0);
        } else if (it->second == Mark::kVisiting) {
          return InvalidArgumentError("action `" + ActionUidString(parent) +
                                      "` is a member of itself through its action groups");
        }
      }
    }
    return Status::Ok();
  }

  const RawSchema& raw_;
  std::map<std::string, CommonDef> common_;
  std::set<std::string> entities_;
  std::set<ActionUid> actions_;
  std::set<std::string> expanding_;  // common types being expanded (cycle check)
  std::size_t nodes_ = 0;
};

}  // namespace

const EntityTypeDecl* Schema::FindEntityType(std::string_view name) const {
  auto it = entity_types_.find(std::string(name));
  return it == entity_types_.end() ? nullptr : &it->second;
}

const ActionDecl* Schema::FindAction(const ActionUid& uid) const {
  auto it = actions_.find(uid);
  return it == actions_.end() ? nullptr : &it->second;
}

Result<Schema> SchemaBuilder::Build(const RawSchema& raw) {
  Resolver resolver(raw);
  RETURN_IF_ERROR(resolver.Run());
  Schema schema;
  schema.entity_types_ = std::move(resolver.entity_types);
  schema.actions_ = std::move(resolver.actions);
  return schema;
}

bool IsSchemaIdent(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(s[0])) return false;
  for (char c : s) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsSchemaPath(std::string_view s) {
  while (true) {
    std::size_t pos = s.find("::");
    if (!IsSchemaIdent(s.substr(0, pos))) return false;
    if (pos == std::string_view::npos) return true;
    s.remove_prefix(pos + 2);
  }
}

}  // namespace domicile::cedar
