// Lowers the core policy AST (cedar/ast.h, as PolicySet::Parse produces it)
// into the validator's view of validator_ir.h: scope constraints become
// conjuncts, `>`/`>=` become `<`/`<=` with swapped operands, `!=` becomes
// `!(==)`, `is T in E` becomes `is T && in E`, methods become calls.
// The core parser bounds the AST's height by kMaxNesting, which bounds this
// recursion; the lowered tree's height is bounded by kMaxLoweredHeight.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cedar/cedar.h"
#include "cedar/validator_ir.h"

namespace domicile::cedar::validation {
namespace {

// Height bound of a lowered condition: the parser bounds each clause by
// kMaxNesting and lowering at most doubles it (`!=` is `!(==)`, `is T in E`
// a conjunction); the rest is the chain of when/unless clauses. Keeps the
// validator's recursive walks (and the tree's destruction) off deep stacks.
constexpr int kMaxLoweredHeight = 2 * kMaxNesting + 64;

Var LowerVar(cedar::Var v) {
  switch (v) {
    case cedar::Var::kPrincipal: return Var::kPrincipal;
    case cedar::Var::kAction: return Var::kAction;
    case cedar::Var::kResource: return Var::kResource;
    case cedar::Var::kContext: return Var::kContext;
  }
  return Var::kContext;
}

Expr EntityOf(const EntityUid& uid) { return EntityLit(uid.type, uid.id); }

// The pattern of a `like`, as the core printer writes it (a Cedar string
// literal with `*` wildcards and `\*` for a literal star).
std::string PatternText(const cedar::Expr& like) {
  cedar::Expr e;
  e.kind = cedar::Expr::Kind::kLike;
  e.pattern = like.pattern;
  e.args.emplace_back().kind = cedar::Expr::Kind::kVar;  // principal
  static constexpr std::string_view kPrefix = "principal like ";
  return e.ToString().substr(kPrefix.size());
}

Result<Expr> Lower(const cedar::Expr& e);

Result<std::vector<Expr>> LowerAll(const std::vector<cedar::Expr>& args) {
  std::vector<Expr> out;
  out.reserve(args.size());
  for (const cedar::Expr& a : args) {
    ASSIGN_OR_RETURN(Expr l, Lower(a));
    out.push_back(std::move(l));
  }
  return out;
}

Result<Expr> LowerCall(const cedar::Expr& e, std::vector<Expr> args) {
  if (!e.method) return Call(e.name, std::move(args));
  static const std::pair<std::string_view, BinaryOp> kBinary[] = {
      {"contains", BinaryOp::kContains}, {"containsAll", BinaryOp::kContainsAll},
      {"containsAny", BinaryOp::kContainsAny}, {"hasTag", BinaryOp::kHasTag}, {"getTag", BinaryOp::kGetTag}};
  for (const auto& [name, op] : kBinary) {
    if (e.name != name) continue;
    if (args.size() != 2) return InvalidArgumentError("`" + e.name + "` takes one argument");
    return Binary(op, std::move(args[0]), std::move(args[1]));
  }
  if (e.name == "isEmpty") {
    if (args.size() != 1) return InvalidArgumentError("`isEmpty` takes no argument");
    return Unary(UnaryOp::kIsEmpty, std::move(args[0]));
  }
  return Call(e.name, std::move(args));  // an extension method, receiver first
}

Result<Expr> Lower(const cedar::Expr& e) {
  using K = cedar::Expr::Kind;
  if (e.kind == K::kLiteral) {
    switch (e.value.kind()) {
      case Value::Kind::kBool: return BoolLit(e.value.AsBool());
      case Value::Kind::kLong: return LongLit(e.value.AsLong());
      case Value::Kind::kString: return StringLit(e.value.AsString());
      case Value::Kind::kEntity: return EntityOf(e.value.AsEntity());
      default: return InvalidArgumentError("unsupported literal " + e.value.ToString());
    }
  }
  if (e.kind == K::kVar) return VarExpr(LowerVar(e.var));
  ASSIGN_OR_RETURN(std::vector<Expr> a, LowerAll(e.args));
  switch (e.kind) {
    case K::kIf: return Ite(std::move(a[0]), std::move(a[1]), std::move(a[2]));
    case K::kAnd: return And(std::move(a[0]), std::move(a[1]));
    case K::kOr: return Or(std::move(a[0]), std::move(a[1]));
    case K::kNot: return Unary(UnaryOp::kNot, std::move(a[0]));
    case K::kNeg: return Unary(UnaryOp::kNeg, std::move(a[0]));
    case K::kHas: return HasAttr(std::move(a[0]), e.name);
    case K::kGetAttr: return GetAttr(std::move(a[0]), e.name);
    case K::kLike: return Unary(UnaryOp::kLike, std::move(a[0]), PatternText(e));
    case K::kSet: return SetExpr(std::move(a));
    case K::kCall: return LowerCall(e, std::move(a));
    case K::kRecord: {
      std::vector<std::pair<std::string, Expr>> fields;
      for (std::size_t i = 0; i < a.size(); ++i) fields.emplace_back(e.keys[i], std::move(a[i]));
      return RecordExpr(std::move(fields));
    }
    case K::kIs: {
      Expr is = Unary(UnaryOp::kIs, a[0], e.name);
      if (a.size() == 1) return is;
      return And(std::move(is), Binary(BinaryOp::kIn, std::move(a[0]), std::move(a[1])));
    }
    case K::kBinary:
      switch (e.op) {
        case cedar::Expr::Op::kEq: return Binary(BinaryOp::kEq, std::move(a[0]), std::move(a[1]));
        case cedar::Expr::Op::kNe:
          return Unary(UnaryOp::kNot, Binary(BinaryOp::kEq, std::move(a[0]), std::move(a[1])));
        case cedar::Expr::Op::kLt: return Binary(BinaryOp::kLess, std::move(a[0]), std::move(a[1]));
        case cedar::Expr::Op::kLe: return Binary(BinaryOp::kLessEq, std::move(a[0]), std::move(a[1]));
        case cedar::Expr::Op::kGt: return Binary(BinaryOp::kLess, std::move(a[1]), std::move(a[0]));
        case cedar::Expr::Op::kGe: return Binary(BinaryOp::kLessEq, std::move(a[1]), std::move(a[0]));
        case cedar::Expr::Op::kIn: return Binary(BinaryOp::kIn, std::move(a[0]), std::move(a[1]));
        case cedar::Expr::Op::kAdd: return Binary(BinaryOp::kAdd, std::move(a[0]), std::move(a[1]));
        case cedar::Expr::Op::kSub: return Binary(BinaryOp::kSub, std::move(a[0]), std::move(a[1]));
        case cedar::Expr::Op::kMul: return Binary(BinaryOp::kMul, std::move(a[0]), std::move(a[1]));
      }
      break;
    default: break;
  }
  return InvalidArgumentError("unsupported expression " + e.ToString());
}

Expr LowerScope(const ScopeConstraint& c, Var var) {
  using K = ScopeConstraint::Kind;
  switch (c.kind) {
    case K::kAny: return BoolLit(true);
    case K::kEq: return Binary(BinaryOp::kEq, VarExpr(var), EntityOf(c.entities[0]));
    case K::kIn: return Binary(BinaryOp::kIn, VarExpr(var), EntityOf(c.entities[0]));
    case K::kIs: return Unary(UnaryOp::kIs, VarExpr(var), c.type);
    case K::kIsIn:
      return And(Unary(UnaryOp::kIs, VarExpr(var), c.type),
                 Binary(BinaryOp::kIn, VarExpr(var), EntityOf(c.entities[0])));
    case K::kInSet: {
      std::vector<Expr> uids;
      for (const EntityUid& uid : c.entities) uids.push_back(EntityOf(uid));
      return Binary(BinaryOp::kIn, VarExpr(var), SetExpr(std::move(uids)));
    }
  }
  return BoolLit(true);
}

}  // namespace

Result<std::vector<Policy>> LowerPolicies(const PolicySet& set) {
  std::vector<Policy> out;
  for (const cedar::Policy& p : set.policies()) {
    Expr principal = LowerScope(p.principal, Var::kPrincipal);
    Expr action = LowerScope(p.action, Var::kAction);
    Expr resource = LowerScope(p.resource, Var::kResource);
    // As in the spec: c1 && (c2 && (... && true)).
    Expr cond = BoolLit(true);
    for (auto it = p.conditions.rbegin(); it != p.conditions.rend(); ++it) {
      ASSIGN_OR_RETURN(Expr body, Lower(it->expr));
      cond = And(it->when ? std::move(body) : Unary(UnaryOp::kNot, std::move(body)), std::move(cond));
      // Every clause deepens the chain, so many clauses make a deep tree.
      if (cond.height > kMaxLoweredHeight) {
        return InvalidArgumentError(p.id + ": nesting too deep after lowering (limit " +
                                    std::to_string(kMaxLoweredHeight) + "; too many when/unless clauses)");
      }
    }
    Policy lowered;
    lowered.id = p.id;
    lowered.scope = And(principal, And(action, resource));
    lowered.condition =
        And(std::move(principal), And(std::move(action), And(std::move(resource), std::move(cond))));
    out.push_back(std::move(lowered));
  }
  return out;
}

}  // namespace domicile::cedar::validation
