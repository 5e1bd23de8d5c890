// Cedar policy text -> AST (https://docs.cedarpolicy.com/policies/syntax-grammar.html):
// annotations, scopes, when/unless, the full expression grammar with its
// precedence. Templates (slots) are rejected. Expression height is bounded by
// kMaxNesting so neither the parser nor the evaluator can exhaust the stack.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cedar/cedar.h"
#include "cedar/internal/lex.h"

namespace domicile::cedar {
namespace {

using internal::Token;

const std::set<std::string_view> kExtFunctions = {"ip", "decimal", "datetime", "duration"};
const std::set<std::string_view> kMethods = {
    "contains", "containsAll", "containsAny", "isEmpty", "hasTag", "getTag",
    "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual",
    "isIpv4", "isIpv6", "isLoopback", "isMulticast", "isInRange",
    "toDate", "toTime", "toDays", "toHours", "toMinutes", "toSeconds", "toMilliseconds",
    "offset", "durationSince"};

bool IsReserved(std::string_view s) {
  return s == "true" || s == "false" || s == "if" || s == "then" || s == "else" || s == "in" ||
         s == "is" || s == "like" || s == "has" || s == "__cedar";
}

Expr Node(Expr::Kind kind, std::vector<Expr> args) {
  Expr e;
  e.kind = kind;
  for (const Expr& a : args) e.height = std::max(e.height, a.height + 1);
  e.args = std::move(args);
  return e;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens) : text_(text), toks_(std::move(tokens)) {}

  Result<std::vector<Policy>> ParseAll() {
    std::vector<Policy> out;
    while (Peek().kind != Token::Kind::kEnd) {
      Policy p;
      p.id = "policy" + std::to_string(out.size());
      RETURN_IF_ERROR(ParsePolicy(p));
      out.push_back(std::move(p));
    }
    return out;
  }

 private:
  const Token& Peek(std::size_t k = 0) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  bool IsPunct(std::string_view p, std::size_t k = 0) const {
    return Peek(k).kind == Token::Kind::kPunct && Peek(k).text == p;
  }
  bool IsIdent(std::string_view w, std::size_t k = 0) const {
    return Peek(k).kind == Token::Kind::kIdent && Peek(k).text == w;
  }
  Status Error(const std::string& what) const {
    return InvalidArgumentError(internal::Position(text_, Peek().offset) + ": " + what +
                                (Peek().kind == Token::Kind::kEnd ? " at end of input"
                                                                  : ", found '" + Peek().text + "'"));
  }
  Status Expect(std::string_view p) {
    if (!IsPunct(p)) return Error("expected '" + std::string(p) + "'");
    ++pos_;
    return Status::Ok();
  }
  Status ExpectWord(std::string_view w) {
    if (!IsIdent(w)) return Error("expected '" + std::string(w) + "'");
    ++pos_;
    return Status::Ok();
  }
  Result<std::string> Ident() {
    if (Peek().kind != Token::Kind::kIdent) return Error("expected an identifier");
    return toks_[pos_++].text;
  }
  Result<std::string> String(bool pattern = false) {
    if (Peek().kind != Token::Kind::kString) return Error("expected a string literal");
    auto s = internal::Unescape(toks_[pos_].text, pattern);
    if (!s.ok()) return Error(s.status().message());
    ++pos_;
    return *s;
  }

  Status ParsePolicy(Policy& p) {
    while (IsPunct("@")) {
      ++pos_;
      ASSIGN_OR_RETURN(std::string key, Ident());
      std::string value;
      if (IsPunct("(")) {
        ++pos_;
        ASSIGN_OR_RETURN(value, String());
        RETURN_IF_ERROR(Expect(")"));
      }
      for (const auto& a : p.annotations) {
        if (a.first == key) return Error("duplicate annotation @" + key);
      }
      p.annotations.emplace_back(std::move(key), std::move(value));
    }
    if (IsIdent("permit")) {
      p.effect = Effect::kPermit;
    } else if (IsIdent("forbid")) {
      p.effect = Effect::kForbid;
    } else {
      return Error("expected 'permit' or 'forbid'");
    }
    ++pos_;
    RETURN_IF_ERROR(Expect("("));
    RETURN_IF_ERROR(ParseScope("principal", p.principal));
    RETURN_IF_ERROR(Expect(","));
    RETURN_IF_ERROR(ParseScope("action", p.action));
    RETURN_IF_ERROR(Expect(","));
    RETURN_IF_ERROR(ParseScope("resource", p.resource));
    if (IsPunct(",")) ++pos_;
    RETURN_IF_ERROR(Expect(")"));
    while (IsIdent("when") || IsIdent("unless")) {
      Condition c;
      c.when = toks_[pos_++].text == "when";
      RETURN_IF_ERROR(Expect("{"));
      ASSIGN_OR_RETURN(c.expr, ParseExpr());
      RETURN_IF_ERROR(Expect("}"));
      p.conditions.push_back(std::move(c));
    }
    return Expect(";");
  }

  Result<EntityUid> ParseEntityRef() {
    if (IsPunct("?")) return Error("templates (slots) are not supported");
    EntityUid uid;
    ASSIGN_OR_RETURN(uid.type, Ident());
    while (true) {
      RETURN_IF_ERROR(Expect("::"));
      if (Peek().kind == Token::Kind::kString) break;
      ASSIGN_OR_RETURN(std::string part, Ident());
      uid.type += "::" + part;
    }
    ASSIGN_OR_RETURN(uid.id, String());
    return uid;
  }

  Result<std::string> ParsePath() {
    ASSIGN_OR_RETURN(std::string path, Ident());
    while (IsPunct("::") && Peek(1).kind == Token::Kind::kIdent) {
      pos_ += 1;
      path += "::" + toks_[pos_++].text;
    }
    return path;
  }

  Status ParseScope(std::string_view var, ScopeConstraint& c) {
    RETURN_IF_ERROR(ExpectWord(var));
    if (IsPunct("==")) {
      ++pos_;
      c.kind = ScopeConstraint::Kind::kEq;
      ASSIGN_OR_RETURN(EntityUid uid, ParseEntityRef());
      c.entities.push_back(std::move(uid));
    } else if (IsIdent("is") && var != "action") {
      ++pos_;
      c.kind = ScopeConstraint::Kind::kIs;
      ASSIGN_OR_RETURN(c.type, ParsePath());
      if (IsIdent("in")) {
        ++pos_;
        c.kind = ScopeConstraint::Kind::kIsIn;
        ASSIGN_OR_RETURN(EntityUid uid, ParseEntityRef());
        c.entities.push_back(std::move(uid));
      }
    } else if (IsIdent("in")) {
      ++pos_;
      if (var == "action" && IsPunct("[")) {
        ++pos_;
        c.kind = ScopeConstraint::Kind::kInSet;
        while (!IsPunct("]")) {
          ASSIGN_OR_RETURN(EntityUid uid, ParseEntityRef());
          c.entities.push_back(std::move(uid));
          if (!IsPunct("]")) RETURN_IF_ERROR(Expect(","));
        }
        ++pos_;
      } else {
        c.kind = ScopeConstraint::Kind::kIn;
        ASSIGN_OR_RETURN(EntityUid uid, ParseEntityRef());
        c.entities.push_back(std::move(uid));
      }
    }
    return Status::Ok();
  }

  Result<Expr> Bounded(Expr e) {
    if (e.height > kMaxNesting) return Error("nesting too deep (limit " + std::to_string(kMaxNesting) + ")");
    return e;
  }

  Result<Expr> ParseExpr() {
    if (++depth_ > kMaxNesting) return Error("nesting too deep (limit " + std::to_string(kMaxNesting) + ")");
    Result<Expr> r = ParseExprInner();
    --depth_;
    return r;
  }

  Result<Expr> ParseExprInner() {
    if (IsIdent("if")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr c, ParseExpr());
      RETURN_IF_ERROR(ExpectWord("then"));
      ASSIGN_OR_RETURN(Expr t, ParseExpr());
      RETURN_IF_ERROR(ExpectWord("else"));
      ASSIGN_OR_RETURN(Expr e, ParseExpr());
      return Bounded(Node(Expr::Kind::kIf, {std::move(c), std::move(t), std::move(e)}));
    }
    ASSIGN_OR_RETURN(Expr lhs, ParseAnd());
    while (IsPunct("||")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr rhs, ParseAnd());
      ASSIGN_OR_RETURN(lhs, Bounded(Node(Expr::Kind::kOr, {std::move(lhs), std::move(rhs)})));
    }
    return lhs;
  }

  Result<Expr> ParseAnd() {
    ASSIGN_OR_RETURN(Expr lhs, ParseRelation());
    while (IsPunct("&&")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr rhs, ParseRelation());
      ASSIGN_OR_RETURN(lhs, Bounded(Node(Expr::Kind::kAnd, {std::move(lhs), std::move(rhs)})));
    }
    return lhs;
  }

  Result<Expr> ParseRelation() {
    ASSIGN_OR_RETURN(Expr lhs, ParseAdd());
    static const std::pair<std::string_view, Expr::Op> kOps[] = {
        {"==", Expr::Op::kEq}, {"!=", Expr::Op::kNe}, {"<=", Expr::Op::kLe},
        {">=", Expr::Op::kGe}, {"<", Expr::Op::kLt},  {">", Expr::Op::kGt}};
    for (const auto& [text, op] : kOps) {
      if (IsPunct(text)) {
        ++pos_;
        ASSIGN_OR_RETURN(Expr rhs, ParseAdd());
        Expr e = Node(Expr::Kind::kBinary, {std::move(lhs), std::move(rhs)});
        e.op = op;
        return Bounded(std::move(e));
      }
    }
    if (IsIdent("in")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr rhs, ParseAdd());
      Expr e = Node(Expr::Kind::kBinary, {std::move(lhs), std::move(rhs)});
      e.op = Expr::Op::kIn;
      return Bounded(std::move(e));
    }
    if (IsIdent("has")) {
      ++pos_;
      std::vector<std::string> path;
      if (Peek().kind == Token::Kind::kString) {
        ASSIGN_OR_RETURN(std::string a, String());
        path.push_back(std::move(a));
      } else {
        ASSIGN_OR_RETURN(std::string a, Ident());
        path.push_back(std::move(a));
        while (IsPunct(".") && Peek(1).kind == Token::Kind::kIdent) {
          ++pos_;
          path.push_back(toks_[pos_++].text);
        }
      }
      // `e has a.b` is `e has a && e.a has b`.
      Expr object = lhs;
      Expr result;
      for (std::size_t i = 0; i < path.size(); ++i) {
        Expr has = Node(Expr::Kind::kHas, {object});
        has.name = path[i];
        result = i == 0 ? std::move(has) : Node(Expr::Kind::kAnd, {std::move(result), std::move(has)});
        Expr get = Node(Expr::Kind::kGetAttr, {std::move(object)});
        get.name = path[i];
        object = std::move(get);
      }
      return Bounded(std::move(result));
    }
    if (IsIdent("like")) {
      ++pos_;
      if (Peek().kind != Token::Kind::kString) return Error("expected a pattern string");
      auto parts = internal::ParsePattern(toks_[pos_].text);
      if (!parts.ok()) return Error(parts.status().message());
      ++pos_;
      Expr e = Node(Expr::Kind::kLike, {std::move(lhs)});
      e.pattern = std::move(*parts);
      return Bounded(std::move(e));
    }
    if (IsIdent("is")) {
      ++pos_;
      ASSIGN_OR_RETURN(std::string type, ParsePath());
      std::vector<Expr> args;
      args.push_back(std::move(lhs));
      if (IsIdent("in")) {
        ++pos_;
        ASSIGN_OR_RETURN(Expr rhs, ParseAdd());
        args.push_back(std::move(rhs));
      }
      Expr e = Node(Expr::Kind::kIs, std::move(args));
      e.name = std::move(type);
      return Bounded(std::move(e));
    }
    return lhs;
  }

  Result<Expr> ParseAdd() {
    ASSIGN_OR_RETURN(Expr lhs, ParseMul());
    while (IsPunct("+") || IsPunct("-")) {
      Expr::Op op = toks_[pos_++].text == "+" ? Expr::Op::kAdd : Expr::Op::kSub;
      ASSIGN_OR_RETURN(Expr rhs, ParseMul());
      Expr e = Node(Expr::Kind::kBinary, {std::move(lhs), std::move(rhs)});
      e.op = op;
      ASSIGN_OR_RETURN(lhs, Bounded(std::move(e)));
    }
    return lhs;
  }

  Result<Expr> ParseMul() {
    ASSIGN_OR_RETURN(Expr lhs, ParseUnary());
    while (IsPunct("*")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr rhs, ParseUnary());
      Expr e = Node(Expr::Kind::kBinary, {std::move(lhs), std::move(rhs)});
      e.op = Expr::Op::kMul;
      ASSIGN_OR_RETURN(lhs, Bounded(std::move(e)));
    }
    return lhs;
  }

  Result<Expr> ParseUnary() {
    std::vector<char> ops;
    while (IsPunct("!") || IsPunct("-")) {
      ops.push_back(toks_[pos_++].text[0]);
      if (ops.size() > 4) return Error("more than four unary operators");
    }
    Expr e;
    if (!ops.empty() && ops.back() == '-' && Peek().kind == Token::Kind::kInt) {
      // A negated literal is one literal, so -9223372036854775808 parses.
      ops.pop_back();
      auto n = internal::ParseLong(toks_[pos_].text, /*negative=*/true);
      if (!n.ok()) return Error(n.status().message());
      ++pos_;
      e.value = *n;
      ASSIGN_OR_RETURN(e, ParseAccesses(std::move(e)));
    } else {
      ASSIGN_OR_RETURN(e, ParseMember());
    }
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      ASSIGN_OR_RETURN(e, Bounded(Node(*it == '!' ? Expr::Kind::kNot : Expr::Kind::kNeg, {std::move(e)})));
    }
    return e;
  }

  Result<Expr> ParseMember() {
    ASSIGN_OR_RETURN(Expr e, ParsePrimary());
    return ParseAccesses(std::move(e));
  }

  Result<Expr> ParseAccesses(Expr e) {
    while (true) {
      if (IsPunct(".")) {
        ++pos_;
        ASSIGN_OR_RETURN(std::string name, Ident());
        if (IsPunct("(")) {
          if (!kMethods.count(name)) return Error("unknown method '" + name + "'");
          ++pos_;
          std::vector<Expr> args;
          args.push_back(std::move(e));
          RETURN_IF_ERROR(ParseList(")", args));
          e = Node(Expr::Kind::kCall, std::move(args));
          e.method = true;
          e.name = std::move(name);
        } else {
          e = Node(Expr::Kind::kGetAttr, {std::move(e)});
          e.name = std::move(name);
        }
      } else if (IsPunct("[")) {
        ++pos_;
        ASSIGN_OR_RETURN(std::string name, String());
        RETURN_IF_ERROR(Expect("]"));
        e = Node(Expr::Kind::kGetAttr, {std::move(e)});
        e.name = std::move(name);
      } else {
        return e;
      }
      ASSIGN_OR_RETURN(e, Bounded(std::move(e)));
    }
  }

  // Parses `expr, expr, ...` up to and including `close`.
  Status ParseList(std::string_view close, std::vector<Expr>& out) {
    while (!IsPunct(close)) {
      ASSIGN_OR_RETURN(Expr e, ParseExpr());
      out.push_back(std::move(e));
      if (!IsPunct(close)) RETURN_IF_ERROR(Expect(","));
    }
    ++pos_;
    return Status::Ok();
  }

  Result<Expr> ParsePrimary() {
    const Token& t = Peek();
    Expr e;
    if (t.kind == Token::Kind::kInt) {
      auto n = internal::ParseLong(t.text, /*negative=*/false);
      if (!n.ok()) return Error(n.status().message());
      ++pos_;
      e.value = *n;
      return e;
    }
    if (t.kind == Token::Kind::kString) {
      ASSIGN_OR_RETURN(std::string s, String());
      e.value = std::move(s);
      return e;
    }
    if (IsPunct("?")) return Error("templates (slots) are not supported");
    if (IsPunct("(")) {
      ++pos_;
      ASSIGN_OR_RETURN(e, ParseExpr());
      RETURN_IF_ERROR(Expect(")"));
      return e;
    }
    if (IsPunct("[")) {
      ++pos_;
      std::vector<Expr> elems;
      RETURN_IF_ERROR(ParseList("]", elems));
      return Bounded(Node(Expr::Kind::kSet, std::move(elems)));
    }
    if (IsPunct("{")) {
      ++pos_;
      std::vector<Expr> values;
      std::vector<std::string> keys;
      while (!IsPunct("}")) {
        std::string key;
        if (Peek().kind == Token::Kind::kString) {
          ASSIGN_OR_RETURN(key, String());
        } else {
          ASSIGN_OR_RETURN(key, Ident());
        }
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) return Error("duplicate record key");
        RETURN_IF_ERROR(Expect(":"));
        ASSIGN_OR_RETURN(Expr v, ParseExpr());
        keys.push_back(std::move(key));
        values.push_back(std::move(v));
        if (!IsPunct("}")) RETURN_IF_ERROR(Expect(","));
      }
      ++pos_;
      e = Node(Expr::Kind::kRecord, std::move(values));
      e.keys = std::move(keys);
      return Bounded(std::move(e));
    }
    if (t.kind != Token::Kind::kIdent) return Error("expected an expression");
    if (t.text == "true" || t.text == "false") {
      e.value = t.text == "true";
      ++pos_;
      return e;
    }
    static const std::pair<std::string_view, Var> kVars[] = {
        {"principal", Var::kPrincipal}, {"action", Var::kAction},
        {"resource", Var::kResource}, {"context", Var::kContext}};
    for (const auto& [name, var] : kVars) {
      if (t.text == name && !IsPunct("::", 1)) {
        ++pos_;
        e.kind = Expr::Kind::kVar;
        e.var = var;
        return e;
      }
    }
    if (IsReserved(t.text)) return Error("unexpected keyword");
    // A path: an extension function call or an entity reference.
    std::size_t save = pos_;
    ASSIGN_OR_RETURN(std::string path, ParsePath());
    if (IsPunct("(")) {
      if (!kExtFunctions.count(path)) return Error("unknown function '" + path + "'");
      ++pos_;
      std::vector<Expr> args;
      RETURN_IF_ERROR(ParseList(")", args));
      e = Node(Expr::Kind::kCall, std::move(args));
      e.name = std::move(path);
      return e;
    }
    pos_ = save;
    ASSIGN_OR_RETURN(EntityUid uid, ParseEntityRef());
    e.value = std::move(uid);
    return e;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<PolicySet> PolicySet::Parse(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, internal::Lex(text));
  Parser parser(text, std::move(tokens));
  PolicySet set;
  ASSIGN_OR_RETURN(set.policies_, parser.ParseAll());
  set.BuildIndex();
  return set;
}

}  // namespace domicile::cedar
