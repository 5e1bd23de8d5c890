// Strict type checking of lowered policies (validator_ir.h), following the
// typing rules of Cedar's formal specification (cedar-spec,
// Cedar/Validation/Typechecker.lean) plus the policy-wide checks of the Rust
// validator: unknown entity types, unknown actions, invalid enum entities and
// scopes that match no action of the schema.
#include <algorithm>
#include <cctype>
#include <iterator>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cedar/cedar.h"
#include "cedar/schema.h"
#include "cedar/validator.h"
#include "cedar/validator_ir.h"

namespace domicile::cedar::validation {
namespace {

// ---------------------------------------------------------------------------
// Types

enum class BoolType { kAny, kTrue, kFalse };

struct Type;
struct QualifiedType;
using RecordAttrs = std::map<std::string, QualifiedType>;

struct Type {
  enum class Kind { kBool, kLong, kString, kEntity, kSet, kRecord, kExt };
  Kind kind = Kind::kBool;
  BoolType boolean = BoolType::kAny;     // kBool
  std::string name;                      // kEntity: entity type; kExt: extension name
  std::shared_ptr<const Type> element;   // kSet
  std::shared_ptr<const RecordAttrs> attrs;  // kRecord
  bool open = false;                     // kRecord: additional attributes allowed

  static Type Bool(BoolType b) { Type t; t.boolean = b; return t; }
  static Type Simple(Kind k) { Type t; t.kind = k; return t; }
  static Type Entity(std::string n) { Type t; t.kind = Kind::kEntity; t.name = std::move(n); return t; }
  static Type Ext(std::string n) { Type t; t.kind = Kind::kExt; t.name = std::move(n); return t; }
  static Type Set(Type e) {
    Type t;
    t.kind = Kind::kSet;
    t.element = std::make_shared<const Type>(std::move(e));
    return t;
  }
  static Type Record(RecordAttrs a, bool open = false) {
    Type t;
    t.kind = Kind::kRecord;
    t.attrs = std::make_shared<const RecordAttrs>(std::move(a));
    t.open = open;
    return t;
  }
};

struct QualifiedType {
  Type type;
  bool required = true;
};

bool operator==(const Type& a, const Type& b);
bool operator==(const QualifiedType& a, const QualifiedType& b) {
  return a.required == b.required && a.type == b.type;
}
bool operator==(const Type& a, const Type& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Type::Kind::kBool: return a.boolean == b.boolean;
    case Type::Kind::kLong:
    case Type::Kind::kString: return true;
    case Type::Kind::kEntity:
    case Type::Kind::kExt: return a.name == b.name;
    case Type::Kind::kSet: return *a.element == *b.element;
    case Type::Kind::kRecord: return a.open == b.open && *a.attrs == *b.attrs;
  }
  return false;
}

std::string TypeName(const Type& t) {
  switch (t.kind) {
    case Type::Kind::kBool:
      return t.boolean == BoolType::kTrue ? "True" : t.boolean == BoolType::kFalse ? "False" : "Bool";
    case Type::Kind::kLong: return "Long";
    case Type::Kind::kString: return "String";
    case Type::Kind::kEntity: return t.name;
    case Type::Kind::kExt: return t.name;
    case Type::Kind::kSet: return "Set<" + TypeName(*t.element) + ">";
    case Type::Kind::kRecord: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, q] : *t.attrs) {
        out += (first ? "" : ", ") + k + (q.required ? ": " : "?: ") + TypeName(q.type);
        first = false;
      }
      return out + "}";
    }
  }
  return "?";
}

// Least upper bound: booleans widen to Bool, sets and records pointwise
// (records need the same attributes with the same qualification), everything
// else only with itself.
std::optional<Type> Lub(const Type& a, const Type& b) {
  if (a.kind != b.kind) return std::nullopt;
  switch (a.kind) {
    case Type::Kind::kBool:
      return Type::Bool(a.boolean == b.boolean ? a.boolean : BoolType::kAny);
    case Type::Kind::kSet: {
      auto e = Lub(*a.element, *b.element);
      if (!e) return std::nullopt;
      return Type::Set(*std::move(e));
    }
    case Type::Kind::kRecord: {
      if (a.attrs->size() != b.attrs->size() || a.open != b.open) return std::nullopt;
      RecordAttrs out;
      for (auto ia = a.attrs->begin(), ib = b.attrs->begin(); ia != a.attrs->end(); ++ia, ++ib) {
        if (ia->first != ib->first || ia->second.required != ib->second.required) return std::nullopt;
        auto t = Lub(ia->second.type, ib->second.type);
        if (!t) return std::nullopt;
        out.emplace(ia->first, QualifiedType{*std::move(t), ia->second.required});
      }
      return Type::Record(std::move(out), a.open);
    }
    default:
      if (a == b) return a;
      return std::nullopt;
  }
}

Type FromSchemaType(const SchemaType& t) {
  switch (t.kind) {
    case SchemaType::Kind::kBool: return Type::Bool(BoolType::kAny);
    case SchemaType::Kind::kLong: return Type::Simple(Type::Kind::kLong);
    case SchemaType::Kind::kString: return Type::Simple(Type::Kind::kString);
    case SchemaType::Kind::kEntity: return Type::Entity(t.name);
    case SchemaType::Kind::kExtension: return Type::Ext(t.name);
    case SchemaType::Kind::kSet: return Type::Set(FromSchemaType(*t.element));
    case SchemaType::Kind::kRecord: {
      RecordAttrs attrs;
      for (const auto& [name, a] : t.attributes) {
        attrs.emplace(name, QualifiedType{FromSchemaType(a.type), a.required});
      }
      return Type::Record(std::move(attrs), t.additional_attributes);
    }
  }
  return Type::Bool(BoolType::kAny);
}

// ---------------------------------------------------------------------------
// Extension literal syntax (the constructors only type-check on a string
// literal that parses).

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses an unsigned decimal number; false on overflow past `max`.
bool ParseUnsigned(std::string_view s, std::uint64_t max, std::uint64_t& out) {
  if (!AllDigits(s)) return false;
  out = 0;
  for (char c : s) {
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (out > (max - d) / 10) return false;
    out = out * 10 + d;
  }
  return true;
}

bool IsDecimalLiteral(std::string_view s) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  std::size_t dot = s.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view whole = s.substr(0, dot), frac = s.substr(dot + 1);
  if (!AllDigits(whole) || !AllDigits(frac) || frac.size() > 4) return false;
  std::string digits(whole);
  digits += frac;
  digits.append(4 - frac.size(), '0');
  std::uint64_t v;
  const std::uint64_t max = neg ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
  return ParseUnsigned(digits, max, v);
}

bool IsIpv4(std::string_view s) {
  int parts = 0;
  while (true) {
    std::size_t dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    std::uint64_t v;
    if (part.size() > 3 || (part.size() > 1 && part[0] == '0') || !ParseUnsigned(part, 255, v)) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool IsIpv6(std::string_view s) {
  // Groups of 1-4 hex digits, at most one "::"; no embedded IPv4 (Cedar rejects it).
  if (s.find('.') != std::string_view::npos) return false;
  std::size_t dc = s.find("::");
  if (dc != std::string_view::npos && s.find("::", dc + 1) != std::string_view::npos) return false;
  auto count_groups = [](std::string_view part, int& n) {
    if (part.empty()) return true;
    while (true) {
      std::size_t colon = part.find(':');
      std::string_view g = part.substr(0, colon);
      if (g.empty() || g.size() > 4) return false;
      for (char c : g) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
      }
      ++n;
      if (colon == std::string_view::npos) return true;
      part.remove_prefix(colon + 1);
    }
  };
  int n = 0;
  if (dc == std::string_view::npos) return count_groups(s, n) && n == 8;
  if (!count_groups(s.substr(0, dc), n) || !count_groups(s.substr(dc + 2), n)) return false;
  return n <= 7;
}

bool IsIpLiteral(std::string_view s) {
  std::size_t slash = s.find('/');
  std::string_view addr = s.substr(0, slash);
  bool v4 = IsIpv4(addr);
  if (!v4 && !IsIpv6(addr)) return false;
  if (slash == std::string_view::npos) return true;
  std::string_view prefix = s.substr(slash + 1);
  std::uint64_t p;
  if (prefix.size() > 3 || (prefix.size() > 1 && prefix[0] == '0')) return false;
  return ParseUnsigned(prefix, v4 ? 32 : 128, p);
}

bool IsDurationLiteral(std::string_view s) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty()) return false;
  static constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  const std::uint64_t max = neg ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
  std::size_t next_unit = 0;
  std::uint64_t total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    std::uint64_t v, ms;
    if (!ParseUnsigned(s.substr(0, i), max, v)) return false;
    s.remove_prefix(i);
    std::size_t unit = next_unit;
    while (unit < std::size(kUnits)) {
      std::string_view u = kUnits[unit].first;
      // "m" must not match the start of "ms".
      if (s.starts_with(u) && !(u == "m" && s.starts_with("ms"))) break;
      ++unit;
    }
    if (unit == std::size(kUnits)) return false;
    s.remove_prefix(kUnits[unit].first.size());
    if (__builtin_mul_overflow(v, kUnits[unit].second, &ms) || __builtin_add_overflow(total, ms, &total) ||
        total > max) {
      return false;
    }
    next_unit = unit + 1;
  }
  return true;
}

bool IsDatetimeLiteral(std::string_view s) {
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    std::uint64_t v;
    if (!ParseUnsigned(s.substr(pos, len), 9999, v) || s.substr(pos, len).size() != len) return false;
    out = static_cast<int>(v);
    return true;
  };
  int y, mo, d;
  if (s.size() < 10 || !num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return false;
  if (s.size() == 10) return true;
  int h, mi, sec;
  if (s.size() < 20 || s[10] != 'T' || !num(11, 2, h) || s[13] != ':' || !num(14, 2, mi) ||
      s[16] != ':' || !num(17, 2, sec)) {
    return false;
  }
  if (h > 23 || mi > 59 || sec > 59) return false;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    int ms;
    if (!num(pos + 1, 3, ms)) return false;
    pos += 4;
  }
  if (pos == s.size()) return false;
  if (s[pos] == 'Z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  int oh, om;
  if (s.size() != pos + 5 || !num(pos + 1, 2, oh) || !num(pos + 3, 2, om)) return false;
  return oh < 24 && om < 60;
}

// ---------------------------------------------------------------------------
// Schema view

bool IsActionType(std::string_view type) {
  return type == "Action" || type.ends_with("::Action");
}

class SchemaView {
 public:
  explicit SchemaView(const Schema& schema) {
    for (const auto& [name, decl] : schema.entity_types()) {
      EntityInfo& info = entities_[name];
      info.decl = &decl;
      info.attrs = FromSchemaType(decl.shape);
      if (decl.tags) info.tags = FromSchemaType(*decl.tags);
    }
    // Transitive ancestors (the hierarchy may be cyclic for entity types).
    for (auto& [name, info] : entities_) {
      std::vector<std::string> todo = info.decl->member_of;
      while (!todo.empty()) {
        std::string t = std::move(todo.back());
        todo.pop_back();
        if (!info.ancestors.insert(t).second) continue;
        if (const EntityTypeDecl* p = schema.FindEntityType(t)) {
          todo.insert(todo.end(), p->member_of.begin(), p->member_of.end());
        }
      }
    }
    for (const auto& [uid, decl] : schema.actions()) {
      ActionInfo& info = actions_[uid];
      info.decl = &decl;
      info.context = FromSchemaType(decl.context);
      action_types_.insert(uid.type);
      std::vector<ActionUid> todo = decl.member_of;
      while (!todo.empty()) {
        ActionUid a = std::move(todo.back());
        todo.pop_back();
        if (!info.ancestors.insert(a).second) continue;
        if (const ActionDecl* p = schema.FindAction(a)) {
          todo.insert(todo.end(), p->member_of.begin(), p->member_of.end());
        }
      }
    }
  }

  struct EntityInfo {
    const EntityTypeDecl* decl = nullptr;
    Type attrs;
    std::optional<Type> tags;
    std::set<std::string> ancestors;
  };
  struct ActionInfo {
    const ActionDecl* decl = nullptr;
    Type context;
    std::set<ActionUid> ancestors;
  };

  const EntityInfo* Entity(const std::string& type) const {
    auto it = entities_.find(type);
    return it == entities_.end() ? nullptr : &it->second;
  }
  const ActionInfo* Action(const ActionUid& uid) const {
    auto it = actions_.find(uid);
    return it == actions_.end() ? nullptr : &it->second;
  }
  const std::map<ActionUid, ActionInfo>& actions() const { return actions_; }
  bool IsDeclaredActionType(const std::string& type) const { return action_types_.contains(type); }

  bool ValidEntityUid(const std::string& type, const std::string& id) const {
    const EntityInfo* e = Entity(type);
    if (e == nullptr) return false;
    const auto& ids = e->decl->enum_ids;
    return ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
  }

  // Whether an entity of type `a` may be `in` an entity of type `b`.
  bool TypeDescendentOf(const std::string& a, const std::string& b) const {
    if (a == b) return true;
    if (const EntityInfo* e = Entity(a)) return e->ancestors.contains(b);
    for (const auto& [uid, info] : actions_) {
      if (uid.type != a) continue;
      for (const ActionUid& anc : info.ancestors) {
        if (anc.type == b) return true;
      }
    }
    return false;
  }

  bool ActionDescendentOf(const ActionUid& a, const ActionUid& b) const {
    if (a == b) return true;
    const ActionInfo* info = Action(a);
    return info != nullptr && info->ancestors.contains(b);
  }

 private:
  std::map<std::string, EntityInfo> entities_;
  std::map<ActionUid, ActionInfo> actions_;
  std::set<std::string> action_types_;
};

// ---------------------------------------------------------------------------
// The typechecker

struct RequestEnv {
  std::string principal;
  ActionUid action;
  std::string resource;
  const Type* context;
};

// An (expression, attribute or tag) pair known to be present.
using Capabilities = std::set<std::string>;

std::string AttrKey(const Expr& x, std::string_view attr) {
  std::string k = "a\x1f" + x.ToString();
  k += '\x1f';
  k += attr;
  return k;
}
std::string TagKey(const Expr& x, const Expr& tag) {
  return "t\x1f" + x.ToString() + "\x1f" + tag.ToString();
}

Capabilities Union(const Capabilities& a, const Capabilities& b) {
  Capabilities out = a;
  out.insert(b.begin(), b.end());
  return out;
}
Capabilities Intersect(const Capabilities& a, const Capabilities& b) {
  Capabilities out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

struct Typed {
  Type type;
  Capabilities caps;
};

// A type error: the message, without the policy id.
struct TypeError {
  std::string message;
};

template <typename T>
class Checked {
 public:
  Checked(T v) : v_(std::move(v)) {}               // NOLINT(google-explicit-constructor)
  Checked(TypeError e) : e_(std::move(e.message)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.has_value(); }
  T& value() { return *v_; }
  const std::string& error() const { return e_; }

 private:
  std::optional<T> v_;
  std::string e_;
};

std::string Quote(const Expr& x) { return "`" + x.ToString() + "`"; }

class Typechecker {
 public:
  Typechecker(const SchemaView& schema, const RequestEnv& env) : schema_(schema), env_(env) {}

  Checked<Typed> TypeOf(const Expr& x, const Capabilities& c) {
    using K = Expr::Kind;
    switch (x.kind) {
      case K::kBool: return Typed{Type::Bool(x.bool_value ? BoolType::kTrue : BoolType::kFalse), {}};
      case K::kLong: return Typed{Type::Simple(Type::Kind::kLong), {}};
      case K::kString: return Typed{Type::Simple(Type::Kind::kString), {}};
      case K::kEntity: {
        if (schema_.ValidEntityUid(x.entity_type, x.text) ||
            schema_.Action({x.entity_type, x.text}) != nullptr) {
          return Typed{Type::Entity(x.entity_type), {}};
        }
        return TypeError{"unknown entity " + Quote(x)};
      }
      case K::kVar:
        switch (x.var) {
          case Var::kPrincipal: return Typed{Type::Entity(env_.principal), {}};
          case Var::kAction: return Typed{Type::Entity(env_.action.type), {}};
          case Var::kResource: return Typed{Type::Entity(env_.resource), {}};
          case Var::kContext: return Typed{*env_.context, {}};
        }
        break;
      case K::kIte: return TypeOfIf(x, c);
      case K::kAnd: return TypeOfAnd(x, c);
      case K::kOr: return TypeOfOr(x, c);
      case K::kUnary: return TypeOfUnary(x, c);
      case K::kBinary: return TypeOfBinary(x, c);
      case K::kHasAttr: return TypeOfHasAttr(x, c);
      case K::kGetAttr: return TypeOfGetAttr(x, c);
      case K::kSet: {
        if (x.args.empty()) return TypeError{"empty set literal `[]` has no element type"};
        std::optional<Type> elem;
        for (const Expr& e : x.args) {
          auto t = TypeOf(e, c);
          if (!t.ok()) return TypeError{t.error()};
          if (!elem) {
            elem = std::move(t.value().type);
            continue;
          }
          auto l = Lub(*elem, t.value().type);
          if (!l) return TypeError{"set " + Quote(x) + " mixes incompatible element types"};
          elem = std::move(l);
        }
        return Typed{Type::Set(*std::move(elem)), {}};
      }
      case K::kRecord: {
        RecordAttrs attrs;
        for (std::size_t i = 0; i < x.args.size(); ++i) {
          auto t = TypeOf(x.args[i], c);
          if (!t.ok()) return TypeError{t.error()};
          attrs.insert_or_assign(x.keys[i], QualifiedType{std::move(t.value().type), true});
        }
        return Typed{Type::Record(std::move(attrs)), {}};
      }
      case K::kCall: return TypeOfCall(x, c);
    }
    return TypeError{"unsupported expression " + Quote(x)};
  }

 private:
  static TypeError Unexpected(const Expr& x, const Type& t, std::string_view wanted) {
    return TypeError{"expected " + std::string(wanted) + " but " + Quote(x) + " has type " + TypeName(t)};
  }

  Checked<Typed> ExpectBool(const Expr& x, const Capabilities& c) {
    auto t = TypeOf(x, c);
    if (t.ok() && t.value().type.kind != Type::Kind::kBool) return Unexpected(x, t.value().type, "Bool");
    return t;
  }

  Checked<Typed> TypeOfIf(const Expr& x, const Capabilities& c) {
    auto r1 = ExpectBool(x.args[0], c);
    if (!r1.ok()) return r1;
    Typed& t1 = r1.value();
    switch (t1.type.boolean) {
      case BoolType::kTrue: {
        auto r2 = TypeOf(x.args[1], Union(c, t1.caps));
        if (!r2.ok()) return r2;
        r2.value().caps = Union(t1.caps, r2.value().caps);
        return r2;
      }
      case BoolType::kFalse: return TypeOf(x.args[2], c);
      case BoolType::kAny: {
        auto r2 = TypeOf(x.args[1], Union(c, t1.caps));
        if (!r2.ok()) return r2;
        auto r3 = TypeOf(x.args[2], c);
        if (!r3.ok()) return r3;
        auto l = Lub(r2.value().type, r3.value().type);
        if (!l) {
          return TypeError{"the branches of " + Quote(x) + " have incompatible types " +
                           TypeName(r2.value().type) + " and " + TypeName(r3.value().type)};
        }
        return Typed{*std::move(l), Intersect(Union(t1.caps, r2.value().caps), r3.value().caps)};
      }
    }
    return TypeError{"unreachable"};
  }

  Checked<Typed> TypeOfAnd(const Expr& x, const Capabilities& c) {
    auto r1 = ExpectBool(x.args[0], c);
    if (!r1.ok()) return r1;
    Typed& t1 = r1.value();
    if (t1.type.boolean == BoolType::kFalse) return Typed{Type::Bool(BoolType::kFalse), {}};
    auto r2 = ExpectBool(x.args[1], Union(c, t1.caps));
    if (!r2.ok()) return r2;
    Typed& t2 = r2.value();
    switch (t2.type.boolean) {
      case BoolType::kFalse: return Typed{Type::Bool(BoolType::kFalse), {}};
      case BoolType::kTrue: return Typed{Type::Bool(t1.type.boolean), Union(t1.caps, t2.caps)};
      case BoolType::kAny: return Typed{Type::Bool(BoolType::kAny), Union(t1.caps, t2.caps)};
    }
    return TypeError{"unreachable"};
  }

  Checked<Typed> TypeOfOr(const Expr& x, const Capabilities& c) {
    auto r1 = ExpectBool(x.args[0], c);
    if (!r1.ok()) return r1;
    Typed& t1 = r1.value();
    if (t1.type.boolean == BoolType::kTrue) return Typed{Type::Bool(BoolType::kTrue), {}};
    auto r2 = ExpectBool(x.args[1], c);
    if (!r2.ok()) return r2;
    Typed& t2 = r2.value();
    if (t1.type.boolean == BoolType::kFalse) return r2;
    switch (t2.type.boolean) {
      case BoolType::kTrue: return Typed{Type::Bool(BoolType::kTrue), {}};
      case BoolType::kFalse: return Typed{Type::Bool(BoolType::kAny), t1.caps};
      case BoolType::kAny: return Typed{Type::Bool(BoolType::kAny), Intersect(t1.caps, t2.caps)};
    }
    return TypeError{"unreachable"};
  }

  Checked<Typed> TypeOfUnary(const Expr& x, const Capabilities& c) {
    auto r = TypeOf(x.args[0], c);
    if (!r.ok()) return r;
    const Type& t = r.value().type;
    switch (x.unary) {
      case UnaryOp::kNot:
        if (t.kind != Type::Kind::kBool) return Unexpected(x.args[0], t, "Bool");
        return Typed{Type::Bool(t.boolean == BoolType::kTrue    ? BoolType::kFalse
                                : t.boolean == BoolType::kFalse ? BoolType::kTrue
                                                                : BoolType::kAny),
                     {}};
      case UnaryOp::kNeg:
        if (t.kind != Type::Kind::kLong) return Unexpected(x.args[0], t, "Long");
        return Typed{t, {}};
      case UnaryOp::kIsEmpty:
        if (t.kind != Type::Kind::kSet) return Unexpected(x.args[0], t, "a set");
        return Typed{Type::Bool(BoolType::kAny), {}};
      case UnaryOp::kLike:
        if (t.kind != Type::Kind::kString) return Unexpected(x.args[0], t, "String");
        return Typed{Type::Bool(BoolType::kAny), {}};
      case UnaryOp::kIs:
        if (t.kind != Type::Kind::kEntity) return Unexpected(x.args[0], t, "an entity");
        return Typed{Type::Bool(t.name == x.text ? BoolType::kTrue : BoolType::kFalse), {}};
    }
    return TypeError{"unreachable"};
  }

  static const Expr* AsEntityLit(const Expr& x) { return x.kind == Expr::Kind::kEntity ? &x : nullptr; }

  Checked<Typed> TypeOfBinary(const Expr& x, const Capabilities& c) {
    const Expr& x1 = x.args[0];
    const Expr& x2 = x.args[1];
    auto r1 = TypeOf(x1, c);
    if (!r1.ok()) return r1;
    auto r2 = TypeOf(x2, c);
    if (!r2.ok()) return r2;
    const Type& t1 = r1.value().type;
    const Type& t2 = r2.value().type;
    const Typed any_bool{Type::Bool(BoolType::kAny), {}};
    using TK = Type::Kind;
    switch (x.binary) {
      case BinaryOp::kEq: {
        if (IsLiteral(x1) && IsLiteral(x2)) {
          return Typed{Type::Bool(x1.ToString() == x2.ToString() ? BoolType::kTrue : BoolType::kFalse), {}};
        }
        if (Lub(t1, t2)) return any_bool;
        if (t1.kind == TK::kEntity && t2.kind == TK::kEntity) return Typed{Type::Bool(BoolType::kFalse), {}};
        return TypeError{"the operands of " + Quote(x) + " have incompatible types " + TypeName(t1) +
                         " and " + TypeName(t2)};
      }
      case BinaryOp::kIn: {
        if (t1.kind != TK::kEntity) return Unexpected(x1, t1, "an entity");
        const Expr* lit1 = AsEntityLit(x1);
        bool action1 = lit1 != nullptr && schema_.Action({lit1->entity_type, lit1->text}) != nullptr;
        if (t2.kind == TK::kEntity) {
          if (action1 && AsEntityLit(x2)) {
            return Typed{Type::Bool(schema_.ActionDescendentOf({lit1->entity_type, lit1->text},
                                                               {x2.entity_type, x2.text})
                                        ? BoolType::kTrue
                                        : BoolType::kFalse),
                         {}};
          }
          return Typed{Type::Bool(schema_.TypeDescendentOf(t1.name, t2.name) ? BoolType::kAny : BoolType::kFalse), {}};
        }
        if (t2.kind == TK::kSet && t2.element->kind == TK::kEntity) {
          bool all_lits = x2.kind == Expr::Kind::kSet &&
                          std::all_of(x2.args.begin(), x2.args.end(), [](const Expr& e) { return AsEntityLit(e); });
          if (action1 && all_lits) {
            bool any = std::any_of(x2.args.begin(), x2.args.end(), [&](const Expr& e) {
              return schema_.ActionDescendentOf({lit1->entity_type, lit1->text}, {e.entity_type, e.text});
            });
            return Typed{Type::Bool(any ? BoolType::kTrue : BoolType::kFalse), {}};
          }
          return Typed{Type::Bool(schema_.TypeDescendentOf(t1.name, t2.element->name) ? BoolType::kAny
                                                                                       : BoolType::kFalse),
                       {}};
        }
        return Unexpected(x2, t2, "an entity or a set of entities");
      }
      case BinaryOp::kLess:
      case BinaryOp::kLessEq:
        if (t1.kind == TK::kLong && t2.kind == TK::kLong) return any_bool;
        if (t1.kind == TK::kExt && t2.kind == TK::kExt && t1.name == t2.name &&
            (t1.name == "datetime" || t1.name == "duration")) {
          return any_bool;
        }
        if (t1.kind == TK::kLong || (t1.kind == TK::kExt && (t1.name == "datetime" || t1.name == "duration"))) {
          return Unexpected(x2, t2, TypeName(t1));
        }
        return Unexpected(x1, t1, "Long, datetime or duration");
      case BinaryOp::kAdd:
      case BinaryOp::kSub:
      case BinaryOp::kMul:
        if (t1.kind != TK::kLong) return Unexpected(x1, t1, "Long");
        if (t2.kind != TK::kLong) return Unexpected(x2, t2, "Long");
        return Typed{t1, {}};
      case BinaryOp::kContains:
        if (t1.kind != TK::kSet) return Unexpected(x1, t1, "a set");
        if (!Lub(t2, *t1.element)) {
          return TypeError{"in " + Quote(x) + ", " + TypeName(t2) + " cannot be an element of " + TypeName(t1)};
        }
        return any_bool;
      case BinaryOp::kContainsAll:
      case BinaryOp::kContainsAny:
        if (t1.kind != TK::kSet) return Unexpected(x1, t1, "a set");
        if (t2.kind != TK::kSet) return Unexpected(x2, t2, "a set");
        if (!Lub(*t1.element, *t2.element)) {
          return TypeError{"in " + Quote(x) + ", sets of " + TypeName(*t1.element) + " and " +
                           TypeName(*t2.element) + " are incompatible"};
        }
        return any_bool;
      case BinaryOp::kHasTag:
      case BinaryOp::kGetTag: {
        if (t1.kind != TK::kEntity) return Unexpected(x1, t1, "an entity");
        if (t2.kind != TK::kString) return Unexpected(x2, t2, "String");
        const SchemaView::EntityInfo* e = schema_.Entity(t1.name);
        bool known = c.contains(TagKey(x1, x2));
        if (x.binary == BinaryOp::kHasTag) {
          if (e == nullptr) {
            if (schema_.IsDeclaredActionType(t1.name)) return Typed{Type::Bool(BoolType::kFalse), {}};
            return TypeError{"unknown entity type " + t1.name + " in " + Quote(x)};
          }
          if (!e->tags) return Typed{Type::Bool(BoolType::kFalse), {}};
          if (known) return Typed{Type::Bool(BoolType::kTrue), {}};
          return Typed{Type::Bool(BoolType::kAny), {TagKey(x1, x2)}};
        }
        if (e == nullptr) return TypeError{"unknown entity type " + t1.name + " in " + Quote(x)};
        if (!e->tags) return TypeError{"entity type " + t1.name + " has no tags, in " + Quote(x)};
        if (!known) {
          return TypeError{"tag access " + Quote(x) + " is not guarded by a `hasTag` check"};
        }
        return Typed{*e->tags, {}};
      }
    }
    return TypeError{"unreachable"};
  }

  static bool IsLiteral(const Expr& x) {
    return x.kind == Expr::Kind::kBool || x.kind == Expr::Kind::kLong || x.kind == Expr::Kind::kString ||
           x.kind == Expr::Kind::kEntity;
  }

  // The record type of an entity type or record; nullptr with `err` set otherwise.
  const Type* RecordOf(const Expr& x, const Type& t, const Expr& whole, std::string& err) {
    if (t.kind == Type::Kind::kRecord) return &t;
    if (t.kind == Type::Kind::kEntity) {
      if (const SchemaView::EntityInfo* e = schema_.Entity(t.name)) return &e->attrs;
      if (schema_.IsDeclaredActionType(t.name)) {
        err = "actions have no attributes, in " + Quote(whole);
        return nullptr;
      }
      err = "unknown entity type " + t.name + " in " + Quote(whole);
      return nullptr;
    }
    err = Unexpected(x, t, "an entity or record").message;
    return nullptr;
  }

  Checked<Typed> TypeOfHasAttr(const Expr& x, const Capabilities& c) {
    auto r = TypeOf(x.args[0], c);
    if (!r.ok()) return r;
    const Type& t = r.value().type;
    if (t.kind == Type::Kind::kEntity && schema_.Entity(t.name) == nullptr &&
        schema_.IsDeclaredActionType(t.name)) {
      return Typed{Type::Bool(BoolType::kFalse), {}};  // actions have no attributes
    }
    std::string err;
    const Type* rec = RecordOf(x.args[0], t, x, err);
    if (rec == nullptr) return TypeError{err};
    auto it = rec->attrs->find(x.text);
    if (it == rec->attrs->end()) {
      return Typed{Type::Bool(rec->open ? BoolType::kAny : BoolType::kFalse), {}};
    }
    std::string key = AttrKey(x.args[0], x.text);
    bool known_to_exist = t.kind == Type::Kind::kRecord;
    if (c.contains(key) || (it->second.required && known_to_exist)) {
      return Typed{Type::Bool(BoolType::kTrue), {}};
    }
    return Typed{Type::Bool(BoolType::kAny), {key}};
  }

  Checked<Typed> TypeOfGetAttr(const Expr& x, const Capabilities& c) {
    auto r = TypeOf(x.args[0], c);
    if (!r.ok()) return r;
    const Type& t = r.value().type;
    std::string err;
    const Type* rec = RecordOf(x.args[0], t, x, err);
    if (rec == nullptr) return TypeError{err};
    auto it = rec->attrs->find(x.text);
    if (it == rec->attrs->end()) {
      return TypeError{"attribute `" + x.text + "` not found on " + TypeName(t) + ", in " + Quote(x)};
    }
    if (!it->second.required && !c.contains(AttrKey(x.args[0], x.text))) {
      return TypeError{"optional attribute `" + x.text + "` is read without a `has` check, in " + Quote(x)};
    }
    return Typed{it->second.type, {}};
  }

  Checked<Typed> TypeOfCall(const Expr& x, const Capabilities& c) {
    std::vector<Type> tys;
    for (const Expr& a : x.args) {
      auto r = TypeOf(a, c);
      if (!r.ok()) return r;
      tys.push_back(std::move(r.value().type));
    }
    const std::string& fn = x.text;
    auto ext = [](const Type& t, std::string_view name) { return t.kind == Type::Kind::kExt && t.name == name; };
    auto args_are = [&](std::initializer_list<std::string_view> names) {
      if (tys.size() != names.size()) return false;
      std::size_t i = 0;
      for (std::string_view n : names) {
        if (!ext(tys[i++], n)) return false;
      }
      return true;
    };
    auto constructor = [&](bool (*valid)(std::string_view), const char* type) -> Checked<Typed> {
      if (x.args.size() == 1 && x.args[0].kind == Expr::Kind::kString && valid(x.args[0].text)) {
        return Typed{Type::Ext(type), {}};
      }
      return TypeError{Quote(x) + " is not a valid " + std::string(type) + " literal (the argument must be a string literal that parses)"};
    };
    const Typed any_bool{Type::Bool(BoolType::kAny), {}};
    if (fn == "decimal") return constructor(IsDecimalLiteral, "decimal");
    if (fn == "ip") return constructor(IsIpLiteral, "ipaddr");
    if (fn == "datetime") return constructor(IsDatetimeLiteral, "datetime");
    if (fn == "duration") return constructor(IsDurationLiteral, "duration");
    if (fn == "lessThan" || fn == "lessThanOrEqual" || fn == "greaterThan" || fn == "greaterThanOrEqual") {
      if (args_are({"decimal", "decimal"})) return any_bool;
    } else if (fn == "isIpv4" || fn == "isIpv6" || fn == "isLoopback" || fn == "isMulticast") {
      if (args_are({"ipaddr"})) return any_bool;
    } else if (fn == "isInRange") {
      if (args_are({"ipaddr", "ipaddr"})) return any_bool;
    } else if (fn == "offset") {
      if (args_are({"datetime", "duration"})) return Typed{Type::Ext("datetime"), {}};
    } else if (fn == "durationSince") {
      if (args_are({"datetime", "datetime"})) return Typed{Type::Ext("duration"), {}};
    } else if (fn == "toDate") {
      if (args_are({"datetime"})) return Typed{Type::Ext("datetime"), {}};
    } else if (fn == "toTime") {
      if (args_are({"datetime"})) return Typed{Type::Ext("duration"), {}};
    } else if (fn == "toMilliseconds" || fn == "toSeconds" || fn == "toMinutes" || fn == "toHours" ||
               fn == "toDays") {
      if (args_are({"duration"})) return Typed{Type::Simple(Type::Kind::kLong), {}};
    } else {
      return TypeError{"unknown extension function in " + Quote(x)};
    }
    std::string got;
    for (const Type& t : tys) got += (got.empty() ? "" : ", ") + TypeName(t);
    return TypeError{"wrong argument types (" + got + ") in " + Quote(x)};
  }

  const SchemaView& schema_;
  const RequestEnv& env_;
};

// The checks of the Rust validator that do not depend on reachability: every
// entity literal and `is` type names a declared entity type or action.
// Returns the first problem found, or "".
std::string CheckDeclaredNames(const Expr& x, const SchemaView& schema) {
  if (x.kind == Expr::Kind::kEntity) {
    if (IsActionType(x.entity_type) && schema.Entity(x.entity_type) == nullptr) {
      if (schema.Action({x.entity_type, x.text}) == nullptr) return "unrecognized action " + Quote(x);
    } else if (schema.Entity(x.entity_type) == nullptr) {
      return "unrecognized entity type `" + x.entity_type + "` in " + Quote(x);
    } else if (!schema.ValidEntityUid(x.entity_type, x.text)) {
      return Quote(x) + " is not one of the values of enumerated entity type `" + x.entity_type + "`";
    }
  }
  if (x.kind == Expr::Kind::kUnary && x.unary == UnaryOp::kIs && schema.Entity(x.text) == nullptr &&
      !schema.IsDeclaredActionType(x.text)) {
    return "unrecognized entity type `" + x.text + "` in " + Quote(x);
  }
  for (const Expr& a : x.args) {
    std::string err = CheckDeclaredNames(a, schema);
    if (!err.empty()) return err;
  }
  return "";
}

Expr SubstituteAction(const Expr& x, const ActionUid& action) {
  if (x.kind == Expr::Kind::kVar && x.var == Var::kAction) return EntityLit(action.type, action.id);
  Expr out = x;
  for (Expr& a : out.args) a = SubstituteAction(a, action);
  return out;
}

}  // namespace

void ValidatePolicies(const std::vector<Policy>& policies, const Schema& schema, std::vector<Error>& errors) {
  SchemaView view(schema);
  std::vector<RequestEnv> envs;
  for (const auto& [uid, info] : view.actions()) {
    for (const std::string& p : info.decl->principal_types) {
      for (const std::string& r : info.decl->resource_types) {
        envs.push_back(RequestEnv{p, uid, r, &info.context});
      }
    }
  }
  for (const Policy& policy : policies) {
    if (std::string err = CheckDeclaredNames(policy.condition, view); !err.empty()) {
      errors.push_back({policy.id, err});
      continue;
    }
    bool scope_matches = false;
    std::set<std::string> messages;
    for (const RequestEnv& env : envs) {
      Typechecker tc(view, env);
      auto scope = tc.TypeOf(SubstituteAction(policy.scope, env.action), {});
      if (scope.ok() && scope.value().type.kind == Type::Kind::kBool &&
          scope.value().type.boolean != BoolType::kFalse) {
        scope_matches = true;
      }
      auto r = tc.TypeOf(SubstituteAction(policy.condition, env.action), {});
      if (!r.ok()) {
        messages.insert(r.error());
      } else if (r.value().type.kind != Type::Kind::kBool) {
        messages.insert("the policy condition has type " + TypeName(r.value().type) + ", not Bool");
      }
    }
    if (!scope_matches) {
      errors.push_back({policy.id, "no action in the schema applies to the principal, action and resource "
                                   "of the policy scope `" + policy.scope.ToString() + "`"});
    }
    for (const std::string& m : messages) errors.push_back({policy.id, m});
  }
}

}  // namespace domicile::cedar::validation

namespace domicile::cedar {

Result<ValidationResult> ValidatePolicyText(std::string_view policies, const Schema& schema) {
  ASSIGN_OR_RETURN(PolicySet set, PolicySet::Parse(policies));
  ASSIGN_OR_RETURN(std::vector<validation::Policy> lowered, validation::LowerPolicies(set));
  std::vector<validation::Error> errors;
  validation::ValidatePolicies(lowered, schema, errors);
  ValidationResult result;
  for (validation::Error& e : errors) result.errors.push_back({std::move(e.policy_id), std::move(e.message)});
  return result;
}

}  // namespace domicile::cedar
