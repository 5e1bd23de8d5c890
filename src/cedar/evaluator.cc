// The Cedar evaluator and authorizer. Evaluation errors (type errors, missing
// entities/attributes, overflow, bad extension arguments) make the policy
// erroring; the authorizer then skips it, or in strict mode a forbid denies.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <forward_list>
#include <memory>
#include <new>
#include <span>
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

const Value kTrue(true);
const Value kFalse(false);
const Value* Bool(bool b) { return b ? &kTrue : &kFalse; }

// Values computed during one authorization (arithmetic results, sets,
// records, extension calls). The first kInline live in place, so a request
// whose policies compute few values allocates nothing; pointers stay valid
// until the arena is destroyed.
class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() {
    for (int i = 0; i < used_; ++i) std::destroy_at(Slot(i));
  }

  const Value* Put(Value v) {
    if (used_ < kInline) return std::construct_at(Slot(used_++), std::move(v));
    overflow_.push_front(std::move(v));
    return &overflow_.front();
  }

 private:
  static constexpr int kInline = 16;
  Value* Slot(int i) { return std::launder(reinterpret_cast<Value*>(inline_ + i * sizeof(Value))); }

  alignas(Value) unsigned char inline_[kInline * sizeof(Value)];
  int used_ = 0;
  std::forward_list<Value> overflow_;
};

// Evaluates expressions to pointers: literals, the request's variables and
// attributes point to where they live (the policy, the request, the entity
// store); computed values go to the arena. Entity lookups are remembered per
// value pointer, so `resource.owner` or `principal` is hashed once per request.
class Evaluator {
 public:
  Evaluator(const Entities& entities, const Request& request)
      : entities_(entities),
        principal_(request.principal),
        action_(request.action),
        resource_(request.resource),
        context_(request.context) {}

  const Value& principal() const { return principal_; }
  const Value& action() const { return action_; }
  const Value& resource() const { return resource_; }

  Result<const Value*> Eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        return &e.value;
      case Expr::Kind::kVar:
        switch (e.var) {
          case Var::kPrincipal: return &principal_;
          case Var::kAction: return &action_;
          case Var::kResource: return &resource_;
          case Var::kContext: return &context_;
        }
        return InternalError("bad var");
      case Expr::Kind::kIf: {
        ASSIGN_OR_RETURN(bool c, EvalBool(e.args[0]));
        return Eval(e.args[c ? 1 : 2]);
      }
      case Expr::Kind::kAnd: {
        ASSIGN_OR_RETURN(bool l, EvalBool(e.args[0]));
        if (!l) return &kFalse;
        ASSIGN_OR_RETURN(bool r, EvalBool(e.args[1]));
        return Bool(r);
      }
      case Expr::Kind::kOr: {
        ASSIGN_OR_RETURN(bool l, EvalBool(e.args[0]));
        if (l) return &kTrue;
        ASSIGN_OR_RETURN(bool r, EvalBool(e.args[1]));
        return Bool(r);
      }
      case Expr::Kind::kNot: {
        ASSIGN_OR_RETURN(bool b, EvalBool(e.args[0]));
        return Bool(!b);
      }
      case Expr::Kind::kNeg: {
        ASSIGN_OR_RETURN(const Value* v, Eval(e.args[0]));
        RETURN_IF_ERROR(Expect(*v, Value::Kind::kLong));
        std::int64_t out;
        if (__builtin_sub_overflow(std::int64_t{0}, v->AsLong(), &out)) return Overflow();
        return arena_.Put(Value(out));
      }
      case Expr::Kind::kBinary:
        return EvalBinary(e);
      case Expr::Kind::kHas: {
        ASSIGN_OR_RETURN(const Value* v, Eval(e.args[0]));
        if (v->kind() == Value::Kind::kRecord) return Bool(v->AsRecord().contains(e.name));
        RETURN_IF_ERROR(Expect(*v, Value::Kind::kEntity));
        const Entities::Node* n = NodeOf(v);
        return Bool(n != nullptr && n->entity.attrs.contains(e.name));
      }
      case Expr::Kind::kGetAttr: {
        ASSIGN_OR_RETURN(const Value* v, Eval(e.args[0]));
        const ValueRecord* rec;
        if (v->kind() == Value::Kind::kRecord) {
          rec = &v->AsRecord();
        } else {
          RETURN_IF_ERROR(Expect(*v, Value::Kind::kEntity));
          const Entities::Node* n = NodeOf(v);
          if (n == nullptr) return InvalidArgumentError("entity " + v->AsEntity().ToString() + " does not exist");
          rec = &n->entity.attrs;
        }
        auto it = rec->find(e.name);
        if (it == rec->end()) return InvalidArgumentError("attribute `" + e.name + "` does not exist");
        return &it->second;
      }
      case Expr::Kind::kLike: {
        ASSIGN_OR_RETURN(const Value* v, Eval(e.args[0]));
        RETURN_IF_ERROR(Expect(*v, Value::Kind::kString));
        return Bool(Like(v->AsString(), e.pattern));
      }
      case Expr::Kind::kIs: {
        ASSIGN_OR_RETURN(const Value* v, Eval(e.args[0]));
        RETURN_IF_ERROR(Expect(*v, Value::Kind::kEntity));
        // `e is T in x` is `e is T && e in x`: x is not evaluated when the type differs.
        if (v->AsEntity().type != e.name) return &kFalse;
        if (e.args.size() == 1) return &kTrue;
        ASSIGN_OR_RETURN(const Value* rhs, Eval(e.args[1]));
        return In(v, *rhs);
      }
      case Expr::Kind::kSet: {
        ValueSet elems;
        elems.reserve(e.args.size());
        for (const Expr& a : e.args) {
          ASSIGN_OR_RETURN(const Value* v, Eval(a));
          elems.push_back(*v);
        }
        return arena_.Put(Value::Set(std::move(elems)));
      }
      case Expr::Kind::kRecord: {
        ValueRecord rec;
        for (std::size_t i = 0; i < e.args.size(); ++i) {
          ASSIGN_OR_RETURN(const Value* v, Eval(e.args[i]));
          rec.emplace(e.keys[i], *v);
        }
        return arena_.Put(Value::Record(std::move(rec)));
      }
      case Expr::Kind::kCall:
        return EvalCall(e);
    }
    return InternalError("bad expression");
  }

  Result<bool> EvalBool(const Expr& e) {
    ASSIGN_OR_RETURN(const Value* v, Eval(e));
    RETURN_IF_ERROR(Expect(*v, Value::Kind::kBool));
    return v->AsBool();
  }

  // Whether the entity `v` is `target` or has it as an ancestor.
  bool InEntity(const Value* v, const EntityUid& target) {
    if (v->AsEntity() == target) return true;
    const Entities::Node* n = NodeOf(v);
    return n != nullptr && n->HasAncestor(target);
  }

  // The store's node for the entity value `v` (nullptr if absent).
  const Entities::Node* NodeOf(const Value* v) {
    for (int i = 0; i < cached_; ++i) {
      if (cache_[i].value == v) return cache_[i].node;
    }
    const Entities::Node* n = entities_.FindNode(v->AsEntity());
    if (cached_ < kCacheSize) cache_[cached_++] = {v, n};
    return n;
  }

 private:
  static Status Overflow() { return InvalidArgumentError("integer overflow"); }

  Result<const Value*> In(const Value* lhs, const Value& rhs) {
    RETURN_IF_ERROR(Expect(*lhs, Value::Kind::kEntity));
    if (rhs.kind() == Value::Kind::kEntity) return Bool(InEntity(lhs, rhs.AsEntity()));
    if (rhs.kind() != Value::Kind::kSet) return TypeError("entity or set", rhs);
    bool found = false;
    for (const Value& v : rhs.AsSet()) {
      RETURN_IF_ERROR(Expect(v, Value::Kind::kEntity));
      found = found || InEntity(lhs, v.AsEntity());
    }
    return Bool(found);
  }

  Result<const Value*> EvalBinary(const Expr& e) {
    ASSIGN_OR_RETURN(const Value* lp, Eval(e.args[0]));
    ASSIGN_OR_RETURN(const Value* rp, Eval(e.args[1]));
    const Value& l = *lp;
    const Value& r = *rp;
    switch (e.op) {
      case Expr::Op::kEq: return Bool(l == r);
      case Expr::Op::kNe: return Bool(!(l == r));
      case Expr::Op::kIn: return In(lp, r);
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
          case Expr::Op::kLt: return Bool(a < b);
          case Expr::Op::kLe: return Bool(a <= b);
          case Expr::Op::kGt: return Bool(a > b);
          default: return Bool(a >= b);
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
        return arena_.Put(Value(out));
      }
    }
  }

  Result<const Value*> EvalCall(const Expr& e) {
    // Methods and extension functions take at most 2 arguments; the parser
    // accepts any number, which is an arity error below.
    constexpr std::size_t kMaxArgs = 4;
    if (e.args.size() > kMaxArgs) return InvalidArgumentError(e.name + ": wrong number of arguments");
    std::array<const Value*, kMaxArgs> argv{};
    for (std::size_t i = 0; i < e.args.size(); ++i) {
      ASSIGN_OR_RETURN(argv[i], Eval(e.args[i]));
    }
    std::span<const Value* const> args(argv.data(), e.args.size());
    const std::string& n = e.name;
    auto arity = [&](std::size_t k) -> Status {
      if (args.size() != k) return InvalidArgumentError(n + ": wrong number of arguments");
      return Status::Ok();
    };
    if (n == "contains" || n == "containsAll" || n == "containsAny") {
      RETURN_IF_ERROR(arity(2));
      RETURN_IF_ERROR(Expect(*args[0], Value::Kind::kSet));
      const ValueSet& s = args[0]->AsSet();
      auto has = [&](const Value& v) { return std::binary_search(s.begin(), s.end(), v, Less); };
      if (n == "contains") return Bool(has(*args[1]));
      RETURN_IF_ERROR(Expect(*args[1], Value::Kind::kSet));
      const ValueSet& t = args[1]->AsSet();
      if (n == "containsAll") return Bool(std::all_of(t.begin(), t.end(), has));
      return Bool(std::any_of(t.begin(), t.end(), has));
    }
    if (n == "isEmpty") {
      RETURN_IF_ERROR(arity(1));
      RETURN_IF_ERROR(Expect(*args[0], Value::Kind::kSet));
      return Bool(args[0]->AsSet().empty());
    }
    if (n == "hasTag" || n == "getTag") {
      RETURN_IF_ERROR(arity(2));
      RETURN_IF_ERROR(Expect(*args[0], Value::Kind::kEntity));
      RETURN_IF_ERROR(Expect(*args[1], Value::Kind::kString));
      const Entities::Node* ent = NodeOf(args[0]);
      const ValueRecord* tags = ent ? &ent->entity.tags : nullptr;
      auto it = tags ? tags->find(args[1]->AsString()) : ValueRecord::const_iterator();
      bool found = tags && it != tags->end();
      if (n == "hasTag") return Bool(found);
      if (!ent) return InvalidArgumentError("entity " + args[0]->AsEntity().ToString() + " does not exist");
      if (!found) return InvalidArgumentError("tag `" + args[1]->AsString() + "` does not exist");
      return &it->second;
    }
    ASSIGN_OR_RETURN(Value v, internal::CallExtension(n, args));
    return arena_.Put(std::move(v));
  }

  static bool Less(const Value& a, const Value& b) { return Compare(a, b) < 0; }

  struct CachedNode {
    const Value* value;
    const Entities::Node* node;
  };
  static constexpr int kCacheSize = 8;

  const Entities& entities_;
  const Value principal_, action_, resource_;
  const Value& context_;
  Arena arena_;
  std::array<CachedNode, kCacheSize> cache_;
  int cached_ = 0;
};

// Whether a scope constraint holds for the request variable `var`; never errors.
bool ScopeHolds(const ScopeConstraint& c, const Value& var, Evaluator& eval) {
  const EntityUid& uid = var.AsEntity();
  auto in = [&](const EntityUid& target) { return eval.InEntity(&var, target); };
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

// A bit per policy position: the candidates of one request. Up to
// kInlineWords * 64 policies without allocation.
class PolicyBits {
 public:
  // All `policies` bits set.
  explicit PolicyBits(std::size_t policies) : words_((policies + 63) / 64) {
    if (words_ > kInlineWords) heap_.resize(words_);
    data_ = words_ > kInlineWords ? heap_.data() : inline_.data();
    std::fill(data_, data_ + words_, ~std::uint64_t{0});
    if (policies % 64 != 0) data_[words_ - 1] = (std::uint64_t{1} << (policies % 64)) - 1;
  }
  PolicyBits(const PolicyBits&) = delete;
  PolicyBits& operator=(const PolicyBits&) = delete;

  void Assign(const std::vector<std::uint64_t>& mask) { std::copy(mask.begin(), mask.end(), data_); }
  void Set(std::uint32_t i) { data_[i / 64] |= std::uint64_t{1} << (i % 64); }
  void SetAll(const std::vector<std::uint32_t>& positions) {
    for (std::uint32_t i : positions) Set(i);
  }
  // Calls fn(position) for every set bit, in increasing order.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (std::size_t w = 0; w < words_; ++w) {
      for (std::uint64_t bits = data_[w]; bits != 0; bits &= bits - 1) {
        fn(static_cast<std::uint32_t>(w * 64 + std::countr_zero(bits)));
      }
    }
  }

 private:
  static constexpr std::size_t kInlineWords = 16;
  std::size_t words_;
  std::array<std::uint64_t, kInlineWords> inline_;
  std::vector<std::uint64_t> heap_;
  std::uint64_t* data_;
};

// Calls fn(positions) for every list of `index` that applies to the request
// variable `var`: its entity's, its ancestors', its type's.
template <typename ScopeIndex, typename Fn>
void ForEachList(const ScopeIndex& index, const Value* var, Evaluator& eval, Fn fn) {
  auto visit = [&](const auto& map, const auto& key) {
    auto it = map.find(key);
    if (it != map.end()) fn(it->second);
  };
  const EntityUid& uid = var->AsEntity();
  if (!index.by_entity.empty()) {
    visit(index.by_entity, uid);
    if (const Entities::Node* node = eval.NodeOf(var)) {
      for (const EntityUid& ancestor : node->ancestors) visit(index.by_entity, ancestor);
    }
  }
  if (!index.by_type.empty()) visit(index.by_type, uid.type);
}

}  // namespace

Result<Value> Evaluate(const Expr& expr, const Entities& entities, const Request& request) {
  Evaluator eval(entities, request);
  ASSIGN_OR_RETURN(const Value* v, eval.Eval(expr));
  return *v;
}

void PolicySet::BuildIndex() {
  for (ScopeIndex& x : index_) {
    x.unkeyed.assign((policies_.size() + 63) / 64, 0);
    x.unkeyed_count = 0;
    x.by_entity.clear();
    x.by_type.clear();
  }
  for (std::uint32_t i = 0; i < policies_.size(); ++i) {
    const Policy& p = policies_[i];
    const ScopeConstraint* scopes[3] = {&p.principal, &p.action, &p.resource};
    for (int v = 0; v < 3; ++v) {
      ScopeIndex& x = index_[v];
      auto add = [i](std::vector<std::uint32_t>& list) {
        if (list.empty() || list.back() != i) list.push_back(i);
      };
      switch (scopes[v]->kind) {
        case ScopeConstraint::Kind::kAny:
          x.unkeyed[i / 64] |= std::uint64_t{1} << (i % 64);
          ++x.unkeyed_count;
          break;
        case ScopeConstraint::Kind::kIs: add(x.by_type[scopes[v]->type]); break;
        default:
          for (const EntityUid& target : scopes[v]->entities) add(x.by_entity[target]);
      }
    }
  }
}

Response Authorize(const PolicySet& policies, const Entities& entities, const Request& request,
                   const AuthorizeOptions& options) {
  Response out;
  Evaluator eval(entities, request);
  // Candidates: the policies whose scope for one variable names nothing,
  // its entity, one of the entity's ancestors (`in`) or its type (`is`),
  // taking the variable with the fewest.
  const std::size_t n = policies.policies_.size();
  const Value* vars[3] = {&eval.principal(), &eval.action(), &eval.resource()};
  int best = -1;
  std::size_t best_count = n;
  for (int v = 0; v < 3; ++v) {
    const PolicySet::ScopeIndex& x = policies.index_[v];
    std::size_t count = x.unkeyed_count;
    ForEachList(x, vars[v], eval, [&](const std::vector<std::uint32_t>& list) { count += list.size(); });
    if (count < best_count) {
      best = v;
      best_count = count;
    }
  }
  PolicyBits candidates(n);
  if (best >= 0) {
    candidates.Assign(policies.index_[best].unkeyed);
    ForEachList(policies.index_[best], vars[best], eval, [&](const auto& list) { candidates.SetAll(list); });
  }
  std::vector<std::string> forbids;
  bool forbid_errored = false;
  candidates.ForEach([&](std::uint32_t i) {
    const Policy& p = policies.policies_[i];
    if (!ScopeHolds(p.action, eval.action(), eval) || !ScopeHolds(p.principal, eval.principal(), eval) ||
        !ScopeHolds(p.resource, eval.resource(), eval)) {
      return;
    }
    for (const Condition& c : p.conditions) {
      Result<bool> r = eval.EvalBool(c.expr);
      if (!r.ok()) {
        out.errors.push_back({p.id, r.status().message()});
        forbid_errored = forbid_errored || p.effect == Effect::kForbid;
        return;
      }
      if (*r != c.when) return;
    }
    (p.effect == Effect::kPermit ? out.reasons : forbids).push_back(p.id);
  });
  if (!forbids.empty()) {
    out.reasons = std::move(forbids);
  } else if (options.strict && forbid_errored) {
    out.reasons.clear();  // fail closed; the erroring forbid is in `errors`
  } else if (!out.reasons.empty()) {
    out.decision = Decision::kAllow;
  }
  return out;
}

}  // namespace domicile::cedar
