// The Cedar evaluator and authorizer. Evaluation errors (type errors, missing
// entities/attributes, overflow, bad extension arguments) make the policy
// erroring; the authorizer then skips it, or in strict mode a forbid denies.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cedar/cedar.h"
#include "cedar/internal/extensions.h"

namespace domicile::cedar {
namespace {

Status TypeError(const char* expected, const Value& got) {
  return InvalidArgumentError(std::string("type error: expected ") + expected + ", got " + KindName(got.kind()));
}

Status Expect(const Value& v, Value::Kind k) {
  if (v.kind() != k) return TypeError(KindName(k), v);
  return Status::Ok();
}

// `*` matches any run of characters: literal runs are matched leftmost
// between wildcards, and the last one at the end of the string.
bool Like(std::string_view s, const std::vector<PatternPart>& parts) {
  std::size_t si = 0;
  bool anchored = true;  // the next literal must start exactly at si
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].wildcard) {
      anchored = false;
      continue;
    }
    std::string_view lit = parts[i].literal;
    if (anchored) {
      if (!s.substr(si).starts_with(lit)) return false;
      si += lit.size();
    } else if (i + 1 == parts.size()) {
      if (s.size() - si < lit.size() || !s.ends_with(lit)) return false;
      si = s.size();
    } else {
      std::size_t at = s.find(lit, si);
      if (at == std::string_view::npos) return false;
      si = at + lit.size();
    }
    anchored = true;
  }
  return !anchored || si == s.size();
}

class Evaluator {
 public:
  Evaluator(const Entities& entities, const Request& request) : entities_(entities), request_(request) {}

  Result<Value> Eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return e.value;
      case Expr::Kind::kVar:
        switch (e.var) {
          case Var::kPrincipal: return Value(request_.principal);
          case Var::kAction: return Value(request_.action);
          case Var::kResource: return Value(request_.resource);
          case Var::kContext: return request_.context;
        }
        return InternalError("bad var");
      case Expr::Kind::kIf: {
        ASSIGN_OR_RETURN(bool c, EvalBool(e.args[0]));
        return Eval(e.args[c ? 1 : 2]);
      }
      case Expr::Kind::kAnd: {
        ASSIGN_OR_RETURN(bool l, EvalBool(e.args[0]));
        if (!l) return Value(false);
        ASSIGN_OR_RETURN(bool r, EvalBool(e.args[1]));
        return Value(r);
      }
      case Expr::Kind::kOr: {
        ASSIGN_OR_RETURN(bool l, EvalBool(e.args[0]));
        if (l) return Value(true);
        ASSIGN_OR_RETURN(bool r, EvalBool(e.args[1]));
        return Value(r);
      }
      case Expr::Kind::kNot: {
        ASSIGN_OR_RETURN(bool b, EvalBool(e.args[0]));
        return Value(!b);
      }
      case Expr::Kind::kNeg: {
        ASSIGN_OR_RETURN(Value v, Eval(e.args[0]));
        RETURN_IF_ERROR(Expect(v, Value::Kind::kLong));
        std::int64_t out;
        if (__builtin_sub_overflow(std::int64_t{0}, v.AsLong(), &out)) return Overflow();
        return Value(out);
      }
      case Expr::Kind::kBinary:
        return EvalBinary(e);
      case Expr::Kind::kHas: {
        ASSIGN_OR_RETURN(Value v, Eval(e.args[0]));
        if (v.kind() == Value::Kind::kRecord) return Value(v.AsRecord().count(e.name) > 0);
        RETURN_IF_ERROR(Expect(v, Value::Kind::kEntity));
        const Entity* ent = entities_.Find(v.AsEntity());
        return Value(ent != nullptr && ent->attrs.count(e.name) > 0);
      }
      case Expr::Kind::kGetAttr: {
        ASSIGN_OR_RETURN(Value v, Eval(e.args[0]));
        const ValueRecord* rec;
        if (v.kind() == Value::Kind::kRecord) {
          rec = &v.AsRecord();
        } else {
          RETURN_IF_ERROR(Expect(v, Value::Kind::kEntity));
          const Entity* ent = entities_.Find(v.AsEntity());
          if (ent == nullptr) return InvalidArgumentError("entity " + v.AsEntity().ToString() + " does not exist");
          rec = &ent->attrs;
        }
        auto it = rec->find(e.name);
        if (it == rec->end()) return InvalidArgumentError("attribute `" + e.name + "` does not exist");
        return it->second;
      }
      case Expr::Kind::kLike: {
        ASSIGN_OR_RETURN(Value v, Eval(e.args[0]));
        RETURN_IF_ERROR(Expect(v, Value::Kind::kString));
        return Value(Like(v.AsString(), e.pattern));
      }
      case Expr::Kind::kIs: {
        ASSIGN_OR_RETURN(Value v, Eval(e.args[0]));
        RETURN_IF_ERROR(Expect(v, Value::Kind::kEntity));
        // `e is T in x` is `e is T && e in x`: x is not evaluated when the type differs.
        if (v.AsEntity().type != e.name) return Value(false);
        if (e.args.size() == 1) return Value(true);
        ASSIGN_OR_RETURN(Value rhs, Eval(e.args[1]));
        return In(v, rhs);
      }
      case Expr::Kind::kSet: {
        ValueSet elems;
        elems.reserve(e.args.size());
        for (const Expr& a : e.args) {
          ASSIGN_OR_RETURN(Value v, Eval(a));
          elems.push_back(std::move(v));
        }
        return Value::Set(std::move(elems));
      }
      case Expr::Kind::kRecord: {
        ValueRecord rec;
        for (std::size_t i = 0; i < e.args.size(); ++i) {
          ASSIGN_OR_RETURN(Value v, Eval(e.args[i]));
          rec.emplace(e.keys[i], std::move(v));
        }
        return Value::Record(std::move(rec));
      }
      case Expr::Kind::kCall:
        return EvalCall(e);
    }
    return InternalError("bad expression");
  }

  Result<bool> EvalBool(const Expr& e) {
    ASSIGN_OR_RETURN(Value v, Eval(e));
    RETURN_IF_ERROR(Expect(v, Value::Kind::kBool));
    return v.AsBool();
  }

 private:
  static Status Overflow() { return InvalidArgumentError("integer overflow"); }

  bool InEntity(const EntityUid& a, const EntityUid& b) const { return a == b || entities_.IsAncestor(a, b); }

  Result<Value> In(const Value& lhs, const Value& rhs) const {
    RETURN_IF_ERROR(Expect(lhs, Value::Kind::kEntity));
    if (rhs.kind() == Value::Kind::kEntity) return Value(InEntity(lhs.AsEntity(), rhs.AsEntity()));
    if (rhs.kind() != Value::Kind::kSet) return TypeError("entity or set", rhs);
    bool found = false;
    for (const Value& v : rhs.AsSet()) {
      RETURN_IF_ERROR(Expect(v, Value::Kind::kEntity));
      found = found || InEntity(lhs.AsEntity(), v.AsEntity());
    }
    return Value(found);
  }

  Result<Value> EvalBinary(const Expr& e) {
    ASSIGN_OR_RETURN(Value l, Eval(e.args[0]));
    ASSIGN_OR_RETURN(Value r, Eval(e.args[1]));
    switch (e.op) {
      case Expr::Op::kEq: return Value(l == r);
      case Expr::Op::kNe: return Value(!(l == r));
      case Expr::Op::kIn: return In(l, r);
      case Expr::Op::kLt: case Expr::Op::kLe: case Expr::Op::kGt: case Expr::Op::kGe: {
        std::int64_t a, b;
        if (l.kind() == Value::Kind::kLong) {
          RETURN_IF_ERROR(Expect(r, Value::Kind::kLong));
          a = l.AsLong();
          b = r.AsLong();
        } else if (l.kind() == Value::Kind::kExt && r.kind() == Value::Kind::kExt &&
                   l.AsExt().kind == r.AsExt().kind &&
                   (l.AsExt().kind == ExtValue::Kind::kDatetime || l.AsExt().kind == ExtValue::Kind::kDuration)) {
          a = l.AsExt().number;
          b = r.AsExt().number;
        } else {
          return TypeError("long", l.kind() == Value::Kind::kLong ? r : l);
        }
        switch (e.op) {
          case Expr::Op::kLt: return Value(a < b);
          case Expr::Op::kLe: return Value(a <= b);
          case Expr::Op::kGt: return Value(a > b);
          default: return Value(a >= b);
        }
      }
      default: {
        RETURN_IF_ERROR(Expect(l, Value::Kind::kLong));
        RETURN_IF_ERROR(Expect(r, Value::Kind::kLong));
        std::int64_t out;
        bool overflow = e.op == Expr::Op::kAdd   ? __builtin_add_overflow(l.AsLong(), r.AsLong(), &out)
                        : e.op == Expr::Op::kSub ? __builtin_sub_overflow(l.AsLong(), r.AsLong(), &out)
                                                 : __builtin_mul_overflow(l.AsLong(), r.AsLong(), &out);
        if (overflow) return Overflow();
        return Value(out);
      }
    }
  }

  Result<Value> EvalCall(const Expr& e) {
    std::vector<Value> args;
    args.reserve(e.args.size());
    for (const Expr& a : e.args) {
      ASSIGN_OR_RETURN(Value v, Eval(a));
      args.push_back(std::move(v));
    }
    const std::string& n = e.name;
    auto arity = [&](std::size_t k) -> Status {
      if (args.size() != k) return InvalidArgumentError(n + ": wrong number of arguments");
      return Status::Ok();
    };
    if (n == "contains" || n == "containsAll" || n == "containsAny") {
      RETURN_IF_ERROR(arity(2));
      RETURN_IF_ERROR(Expect(args[0], Value::Kind::kSet));
      const ValueSet& s = args[0].AsSet();
      auto has = [&](const Value& v) { return std::binary_search(s.begin(), s.end(), v, Less); };
      if (n == "contains") return Value(has(args[1]));
      RETURN_IF_ERROR(Expect(args[1], Value::Kind::kSet));
      const ValueSet& t = args[1].AsSet();
      if (n == "containsAll") return Value(std::all_of(t.begin(), t.end(), has));
      return Value(std::any_of(t.begin(), t.end(), has));
    }
    if (n == "isEmpty") {
      RETURN_IF_ERROR(arity(1));
      RETURN_IF_ERROR(Expect(args[0], Value::Kind::kSet));
      return Value(args[0].AsSet().empty());
    }
    if (n == "hasTag" || n == "getTag") {
      RETURN_IF_ERROR(arity(2));
      RETURN_IF_ERROR(Expect(args[0], Value::Kind::kEntity));
      RETURN_IF_ERROR(Expect(args[1], Value::Kind::kString));
      const Entity* ent = entities_.Find(args[0].AsEntity());
      const ValueRecord* tags = ent ? &ent->tags : nullptr;
      auto it = tags ? tags->find(args[1].AsString()) : ValueRecord::const_iterator();
      bool found = tags && it != tags->end();
      if (n == "hasTag") return Value(found);
      if (!ent) return InvalidArgumentError("entity " + args[0].AsEntity().ToString() + " does not exist");
      if (!found) return InvalidArgumentError("tag `" + args[1].AsString() + "` does not exist");
      return it->second;
    }
    return internal::CallExtension(n, args);
  }

  static bool Less(const Value& a, const Value& b) { return Compare(a, b) < 0; }

  const Entities& entities_;
  const Request& request_;
};

// Whether a scope constraint holds for `uid`; never errors.
bool ScopeHolds(const ScopeConstraint& c, const EntityUid& uid, const Entities& entities) {
  auto in = [&](const EntityUid& target) { return uid == target || entities.IsAncestor(uid, target); };
  switch (c.kind) {
    case ScopeConstraint::Kind::kAny: return true;
    case ScopeConstraint::Kind::kEq: return uid == c.entities[0];
    case ScopeConstraint::Kind::kIn: return in(c.entities[0]);
    case ScopeConstraint::Kind::kIs: return uid.type == c.type;
    case ScopeConstraint::Kind::kIsIn: return uid.type == c.type && in(c.entities[0]);
    case ScopeConstraint::Kind::kInSet: return std::any_of(c.entities.begin(), c.entities.end(), in);
  }
  return false;
}

}  // namespace

Result<Value> Evaluate(const Expr& expr, const Entities& entities, const Request& request) {
  return Evaluator(entities, request).Eval(expr);
}

Response Authorize(const PolicySet& policies, const Entities& entities, const Request& request,
                   const AuthorizeOptions& options) {
  Response out;
  std::vector<std::string> permits, forbids;
  bool forbid_errored = false;
  Evaluator eval(entities, request);
  for (const Policy& p : policies.policies()) {
    if (!ScopeHolds(p.principal, request.principal, entities) ||
        !ScopeHolds(p.action, request.action, entities) ||
        !ScopeHolds(p.resource, request.resource, entities)) {
      continue;
    }
    bool satisfied = true;
    Status error;
    for (const Condition& c : p.conditions) {
      Result<bool> r = eval.EvalBool(c.expr);
      if (!r.ok()) {
        error = r.status();
        break;
      }
      if (*r != c.when) {
        satisfied = false;
        break;
      }
    }
    if (!error.ok()) {
      out.errors.push_back({p.id, std::string(error.message())});
      forbid_errored = forbid_errored || p.effect == Effect::kForbid;
    } else if (satisfied) {
      (p.effect == Effect::kPermit ? permits : forbids).push_back(p.id);
    }
  }
  if (!forbids.empty()) {
    out.reasons = std::move(forbids);
  } else if (options.strict && forbid_errored) {
    out.decision = Decision::kDeny;  // fail closed; the erroring forbid is in `errors`
  } else if (!permits.empty()) {
    out.decision = Decision::kAllow;
    out.reasons = std::move(permits);
  }
  return out;
}

}  // namespace domicile::cedar
