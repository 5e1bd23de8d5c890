// Private to the validator: its view of a policy, the desugared core
// expression language of Cedar's formal specification (cedar-spec,
// Cedar/Spec/Expr.lean). The policy AST is lowered into this form (scope constraints become conjuncts, `>`
// becomes `<` with swapped operands, `!=` becomes `!(==)`, methods become
// calls), so the type rules below follow the specification one to one.
#ifndef DOMICILE_CEDAR_VALIDATOR_IR_H_
#define DOMICILE_CEDAR_VALIDATOR_IR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cedar/schema.h"
#include "common/status.h"

namespace domicile::cedar {
class PolicySet;
}  // namespace domicile::cedar

namespace domicile::cedar::validation {

enum class Var { kPrincipal, kAction, kResource, kContext };

enum class UnaryOp { kNot, kNeg, kIsEmpty, kLike, kIs };

enum class BinaryOp {
  kEq, kIn, kLess, kLessEq, kAdd, kSub, kMul,
  kContains, kContainsAll, kContainsAny, kHasTag, kGetTag,
};

struct Expr {
  enum class Kind { kBool, kLong, kString, kEntity, kVar, kIte, kAnd, kOr, kUnary, kBinary,
                    kHasAttr, kGetAttr, kSet, kRecord, kCall };
  Kind kind = Kind::kBool;
  bool bool_value = false;   // kBool
  std::int64_t long_value = 0;  // kLong
  // kString: the value; kEntity: the entity id; kHasAttr/kGetAttr: the
  // attribute; kUnary kLike: the pattern as written; kUnary kIs: the entity
  // type; kCall: the function name ("ip", "lessThan", ...).
  std::string text;
  std::string entity_type;   // kEntity
  Var var = Var::kPrincipal;           // kVar
  UnaryOp unary = UnaryOp::kNot;       // kUnary
  BinaryOp binary = BinaryOp::kEq;     // kBinary
  std::vector<Expr> args;              // operands, set elements, record values, call arguments
  std::vector<std::string> keys;       // kRecord: attribute names, parallel to args
  int height = 1;                      // of the tree; set by the builders below

  // Cedar-like text of the expression, used in messages and as the identity
  // of an expression in capability sets (structurally equal = same text).
  std::string ToString() const;
};

// One policy, lowered as in the spec: `condition` is
// principal-constraint && action-constraint && resource-constraint && the
// when/unless clauses (unless negated), `scope` the first three alone.
struct Policy {
  std::string id;
  Expr scope;
  Expr condition;
};

struct Error {
  std::string policy_id;
  std::string message;
};

// Strict validation of lowered policies. Appends to `errors`, at most a few
// per policy, each naming the policy and the offending expression.
void ValidatePolicies(const std::vector<Policy>& policies, const Schema& schema,
                      std::vector<Error>& errors);

// Lowers parsed policies (PolicySet::Parse, cedar.h) into this form, keeping
// their ids (validator_lower.cc). InvalidArgument for a method called with
// the wrong number of arguments.
Result<std::vector<Policy>> LowerPolicies(const PolicySet& set);

// Helpers to build expressions (used by the lowering and by tests).
Expr BoolLit(bool b);
Expr LongLit(std::int64_t v);
Expr StringLit(std::string s);
Expr EntityLit(std::string type, std::string id);
Expr VarExpr(Var v);
Expr Unary(UnaryOp op, Expr a, std::string text = "");
Expr Binary(BinaryOp op, Expr a, Expr b);
Expr And(Expr a, Expr b);
Expr Or(Expr a, Expr b);
Expr Ite(Expr c, Expr t, Expr e);
Expr HasAttr(Expr a, std::string attr);
Expr GetAttr(Expr a, std::string attr);
Expr SetExpr(std::vector<Expr> elems);
Expr RecordExpr(std::vector<std::pair<std::string, Expr>> fields);
Expr Call(std::string fn, std::vector<Expr> args);

}  // namespace domicile::cedar::validation

#endif  // DOMICILE_CEDAR_VALIDATOR_IR_H_
