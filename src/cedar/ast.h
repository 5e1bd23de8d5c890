// The Cedar policy language as data: values (including the ipaddr, decimal,
// datetime and duration extension types), expressions and policies, as the
// parser produces them and the evaluator walks them. Stable: other tools
// (formatter, gateway) may include this header.
#ifndef DOMICILE_CEDAR_AST_H_
#define DOMICILE_CEDAR_AST_H_

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace domicile::cedar {

struct EntityUid {
  std::string type;  // fully qualified, e.g. "NS::User"
  std::string id;
  friend bool operator==(const EntityUid&, const EntityUid&) = default;
  friend auto operator<=>(const EntityUid&, const EntityUid&) = default;
  std::string ToString() const;  // NS::User::"alice" (id escaped)
};

// An extension value. ipaddr: `bytes` (IPv4 in the first 4), `prefix`, `v6`;
// decimal: `number` = value * 10^4; datetime: `number` = ms since the epoch;
// duration: `number` = ms.
struct ExtValue {
  enum class Kind { kIpAddr, kDecimal, kDatetime, kDuration };
  Kind kind = Kind::kDecimal;
  std::int64_t number = 0;
  std::array<std::uint8_t, 16> bytes{};
  int prefix = 0;
  bool v6 = false;
  friend bool operator==(const ExtValue&, const ExtValue&) = default;
  friend auto operator<=>(const ExtValue&, const ExtValue&) = default;
};

class Value;
using ValueSet = std::vector<Value>;  // sorted by Compare, no duplicates
using ValueRecord = std::map<std::string, Value, std::less<>>;

// An immutable Cedar value; sets and records are shared, so copies are cheap.
class Value {
 public:
  enum class Kind { kBool, kLong, kString, kEntity, kSet, kRecord, kExt };
  Value() : v_(false) {}
  Value(bool b) : v_(b) {}                        // NOLINT
  Value(std::int64_t n) : v_(n) {}                // NOLINT
  Value(std::string s) : v_(std::move(s)) {}      // NOLINT
  Value(EntityUid e) : v_(std::move(e)) {}        // NOLINT
  Value(ExtValue e) : v_(e) {}                    // NOLINT
  static Value Set(ValueSet elems);               // sorts and deduplicates
  static Value Record(ValueRecord fields);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool AsBool() const { return std::get<bool>(v_); }
  std::int64_t AsLong() const { return std::get<std::int64_t>(v_); }
  const std::string& AsString() const { return std::get<std::string>(v_); }
  const EntityUid& AsEntity() const { return std::get<EntityUid>(v_); }
  const ValueSet& AsSet() const { return *std::get<std::shared_ptr<const ValueSet>>(v_); }
  const ValueRecord& AsRecord() const { return *std::get<std::shared_ptr<const ValueRecord>>(v_); }
  const ExtValue& AsExt() const { return std::get<ExtValue>(v_); }

  // A total order (kind first); equal under it exactly when Cedar `==` holds.
  friend int Compare(const Value& a, const Value& b);
  friend bool operator==(const Value& a, const Value& b) { return Compare(a, b) == 0; }
  std::string ToString() const;  // Cedar syntax

 private:
  std::variant<bool, std::int64_t, std::string, EntityUid, std::shared_ptr<const ValueSet>,
               std::shared_ptr<const ValueRecord>, ExtValue>
      v_;
};

const char* KindName(Value::Kind k);

enum class Var { kPrincipal, kAction, kResource, kContext };

// One piece of a `like` pattern: a literal run or a `*` wildcard.
struct PatternPart {
  bool wildcard = false;
  std::string literal;
};

struct Expr {
  enum class Kind {
    kLiteral,   // value
    kVar,       // var
    kIf,        // args: cond, then, else
    kAnd, kOr,  // args: lhs, rhs
    kNot, kNeg, // args: operand
    kBinary,    // op, args: lhs, rhs
    kHas,       // name, args: object
    kGetAttr,   // name, args: object
    kLike,      // pattern, args: string
    kIs,        // name (entity type), args: entity [, `in` operand]
    kSet,       // args: elements
    kRecord,    // keys parallel to args
    kCall,      // name: extension function or method; args (receiver first for methods)
  };
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kAdd, kSub, kMul };
  Kind kind = Kind::kLiteral;
  Op op = Op::kEq;
  Var var = Var::kPrincipal;
  bool method = false;  // kCall written as `recv.name(...)`
  Value value;
  std::string name;
  std::vector<PatternPart> pattern;
  std::vector<Expr> args;
  std::vector<std::string> keys;
  int height = 1;  // of the tree; bounded by kMaxNesting (cedar.h)

  std::string ToString() const;  // Cedar syntax, fully parenthesised where needed
};

enum class Effect { kPermit, kForbid };

// principal/action/resource scope constraint.
struct ScopeConstraint {
  enum class Kind { kAny, kEq, kIn, kIs, kIsIn, kInSet };
  Kind kind = Kind::kAny;
  std::string type;                // kIs, kIsIn
  std::vector<EntityUid> entities;  // one for kEq/kIn/kIsIn; any number for kInSet
};

struct Condition {
  bool when = true;  // false: unless
  Expr expr;
};

struct Policy {
  std::string id;  // "policy0", "policy1", ... in textual order (an @id annotation does not change it)
  Effect effect = Effect::kPermit;
  std::vector<std::pair<std::string, std::string>> annotations;
  ScopeConstraint principal, action, resource;
  std::vector<Condition> conditions;

  std::string ToString() const;  // formatted Cedar text
};

}  // namespace domicile::cedar

#endif  // DOMICILE_CEDAR_AST_H_
