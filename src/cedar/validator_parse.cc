// The validator's front end: Cedar policy text straight into the lowered form
// of validator_ir.h (scope constraints as conjuncts, `>` as swapped `<`, `!=`
// as `!(==)`, methods as calls), policy ids policy0, policy1, ... in textual
// order. It exists because the validator reasons about the desugared core
// language of Cedar's specification; it accepts the policy grammar of
// https://docs.cedarpolicy.com/policies/syntax-grammar.html except templates.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cedar/internal/schema_raw.h"
#include "cedar/validator.h"
#include "cedar/validator_ir.h"

namespace domicile::cedar::validation {
namespace {

// Expression nesting accepted before the parser gives up with an error.
constexpr int kMaxExprDepth = 200;

struct Token {
  enum class Kind { kIdent, kString, kInt, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, punctuation, digits, or the raw string body (escapes intact)
  std::size_t offset = 0;
};

bool IsIdentStart(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (true) {
    while (i < s.size()) {
      if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
        ++i;
      } else if (s.substr(i, 2) == "//") {
        while (i < s.size() && s[i] != '\n') ++i;
      } else {
        break;
      }
    }
    Token t;
    t.offset = i;
    if (i >= s.size()) {
      out.push_back(t);
      return out;
    }
    char c = s[i];
    if (IsIdentStart(c)) {
      std::size_t start = i;
      while (i < s.size() && (IsIdentStart(s[i]) || IsDigit(s[i]))) ++i;
      t.kind = Token::Kind::kIdent;
      t.text = std::string(s.substr(start, i - start));
    } else if (IsDigit(c)) {
      std::size_t start = i;
      while (i < s.size() && IsDigit(s[i])) ++i;
      t.kind = Token::Kind::kInt;
      t.text = std::string(s.substr(start, i - start));
    } else if (c == '"') {
      std::size_t start = ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      if (i >= s.size()) return InvalidArgumentError("unterminated string at offset " + std::to_string(t.offset));
      t.kind = Token::Kind::kString;
      t.text = std::string(s.substr(start, i - start));
      ++i;
    } else {
      static constexpr std::string_view kTwo[] = {"::", "==", "!=", "<=", ">=", "&&", "||"};
      t.kind = Token::Kind::kPunct;
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) t.text = std::string(two);
      }
      if (t.text.empty()) {
        if (std::string_view("()[]{},;.:<>!-+*@?%").find(c) == std::string_view::npos) {
          return InvalidArgumentError("unexpected character at offset " + std::to_string(i));
        }
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
}

bool IsReserved(std::string_view s) {
  return s == "true" || s == "false" || s == "if" || s == "then" || s == "else" || s == "in" || s == "like" ||
         s == "has" || s == "is" || s == "__cedar";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  Result<std::vector<Policy>> ParsePolicies() {
    std::vector<Policy> out;
    while (Peek().kind != Token::Kind::kEnd) {
      ASSIGN_OR_RETURN(Policy p, ParsePolicy("policy" + std::to_string(out.size())));
      out.push_back(std::move(p));
    }
    return out;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  bool IsPunct(std::string_view p, std::size_t ahead = 0) const {
    return Peek(ahead).kind == Token::Kind::kPunct && Peek(ahead).text == p;
  }
  bool IsIdent(std::string_view w, std::size_t ahead = 0) const {
    return Peek(ahead).kind == Token::Kind::kIdent && Peek(ahead).text == w;
  }
  Status Error(std::string_view what) const {
    const Token& t = Peek();
    std::string found = t.kind == Token::Kind::kEnd ? "end of input" : "`" + t.text + "`";
    return InvalidArgumentError("policy parse error at offset " + std::to_string(t.offset) + ": " +
                                std::string(what) + " (found " + found + ")");
  }
  Status Expect(std::string_view p) {
    if (!IsPunct(p)) return Error("expected `" + std::string(p) + "`");
    ++pos_;
    return Status::Ok();
  }
  Status ExpectWord(std::string_view w) {
    if (!IsIdent(w)) return Error("expected `" + std::string(w) + "`");
    ++pos_;
    return Status::Ok();
  }
  Result<std::string> Ident() {
    if (Peek().kind != Token::Kind::kIdent) return Error("expected an identifier");
    return toks_[pos_++].text;
  }
  Result<std::string> String(bool pattern = false) {
    if (Peek().kind != Token::Kind::kString) return Error("expected a string");
    return UnescapeCedarString(toks_[pos_++].text, pattern);
  }

  // Path '::' STR
  Result<Expr> EntityRef() {
    ASSIGN_OR_RETURN(std::string type, Ident());
    while (IsPunct("::")) {
      ++pos_;
      if (Peek().kind == Token::Kind::kString) {
        ASSIGN_OR_RETURN(std::string id, String());
        return EntityLit(std::move(type), std::move(id));
      }
      ASSIGN_OR_RETURN(std::string part, Ident());
      type += "::" + part;
    }
    return Error("expected an entity reference Type::\"id\"");
  }

  Result<std::string> Path() {
    ASSIGN_OR_RETURN(std::string path, Ident());
    while (IsPunct("::") && Peek(1).kind == Token::Kind::kIdent) {
      pos_ += 2;
      path += "::" + toks_[pos_ - 1].text;
    }
    return path;
  }

  Status SkipAnnotations() {
    while (IsPunct("@")) {
      ++pos_;
      ASSIGN_OR_RETURN(std::string name, Ident());
      if (IsPunct("(")) {
        ++pos_;
        ASSIGN_OR_RETURN(std::string value, String());
        RETURN_IF_ERROR(Expect(")"));
      }
    }
    return Status::Ok();
  }

  // principal/resource: [ == E | in E | is T [in E] ]
  Result<Expr> PrincipalOrResource(std::string_view word, Var var) {
    RETURN_IF_ERROR(ExpectWord(word));
    if (IsPunct("?")) return Error("policy templates are not supported");
    if (IsPunct("==")) {
      ++pos_;
      if (IsPunct("?")) return Error("policy templates are not supported");
      ASSIGN_OR_RETURN(Expr e, EntityRef());
      return Binary(BinaryOp::kEq, VarExpr(var), std::move(e));
    }
    if (IsIdent("is")) {
      ++pos_;
      ASSIGN_OR_RETURN(std::string type, Path());
      Expr is = Unary(UnaryOp::kIs, VarExpr(var), type);
      if (!IsIdent("in")) return is;
      ++pos_;
      if (IsPunct("?")) return Error("policy templates are not supported");
      ASSIGN_OR_RETURN(Expr e, EntityRef());
      return And(std::move(is), Binary(BinaryOp::kIn, VarExpr(var), std::move(e)));
    }
    if (IsIdent("in")) {
      ++pos_;
      if (IsPunct("?")) return Error("policy templates are not supported");
      ASSIGN_OR_RETURN(Expr e, EntityRef());
      return Binary(BinaryOp::kIn, VarExpr(var), std::move(e));
    }
    return BoolLit(true);
  }

  Result<Expr> ActionScope() {
    RETURN_IF_ERROR(ExpectWord("action"));
    if (IsPunct("==")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr e, EntityRef());
      return Binary(BinaryOp::kEq, VarExpr(Var::kAction), std::move(e));
    }
    if (!IsIdent("in")) return BoolLit(true);
    ++pos_;
    if (!IsPunct("[")) {
      ASSIGN_OR_RETURN(Expr e, EntityRef());
      return Binary(BinaryOp::kIn, VarExpr(Var::kAction), std::move(e));
    }
    ++pos_;
    std::vector<Expr> uids;
    while (!IsPunct("]")) {
      ASSIGN_OR_RETURN(Expr e, EntityRef());
      uids.push_back(std::move(e));
      if (!IsPunct(",")) break;
      ++pos_;
    }
    RETURN_IF_ERROR(Expect("]"));
    return Binary(BinaryOp::kIn, VarExpr(Var::kAction), SetExpr(std::move(uids)));
  }

  Result<Policy> ParsePolicy(std::string id) {
    RETURN_IF_ERROR(SkipAnnotations());
    if (!IsIdent("permit") && !IsIdent("forbid")) return Error("expected `permit` or `forbid`");
    ++pos_;
    RETURN_IF_ERROR(Expect("("));
    ASSIGN_OR_RETURN(Expr principal, PrincipalOrResource("principal", Var::kPrincipal));
    RETURN_IF_ERROR(Expect(","));
    ASSIGN_OR_RETURN(Expr action, ActionScope());
    RETURN_IF_ERROR(Expect(","));
    ASSIGN_OR_RETURN(Expr resource, PrincipalOrResource("resource", Var::kResource));
    if (IsPunct(",")) ++pos_;
    RETURN_IF_ERROR(Expect(")"));
    std::vector<Expr> conditions;
    while (IsIdent("when") || IsIdent("unless")) {
      bool unless = Peek().text == "unless";
      ++pos_;
      RETURN_IF_ERROR(Expect("{"));
      ASSIGN_OR_RETURN(Expr body, ParseExpr(0));
      RETURN_IF_ERROR(Expect("}"));
      conditions.push_back(unless ? Unary(UnaryOp::kNot, std::move(body)) : std::move(body));
    }
    RETURN_IF_ERROR(Expect(";"));
    // As in the spec: c1 && (c2 && (... && true)).
    Expr cond = BoolLit(true);
    for (auto it = conditions.rbegin(); it != conditions.rend(); ++it) cond = And(std::move(*it), std::move(cond));
    Expr scope = And(principal, And(action, resource));
    Policy p;
    p.id = std::move(id);
    p.condition = And(std::move(principal), And(std::move(action), And(std::move(resource), std::move(cond))));
    p.scope = std::move(scope);
    return p;
  }

  // Left-associative chains (a + b + c, a.b.c) deepen the tree without
  // recursing here, so the tree's height is checked as well. Consumes the
  // operator.
  Status Chain(const Expr& left) {
    if (left.height >= kMaxExprDepth) {
      return Error("expression nests deeper than " + std::to_string(kMaxExprDepth));
    }
    ++pos_;
    return Status::Ok();
  }

  Result<Expr> ParseExpr(int depth) {
    if (depth > kMaxExprDepth) return Error("expression nests deeper than " + std::to_string(kMaxExprDepth));
    if (IsIdent("if")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr c, ParseExpr(depth + 1));
      RETURN_IF_ERROR(ExpectWord("then"));
      ASSIGN_OR_RETURN(Expr t, ParseExpr(depth + 1));
      RETURN_IF_ERROR(ExpectWord("else"));
      ASSIGN_OR_RETURN(Expr e, ParseExpr(depth + 1));
      return Ite(std::move(c), std::move(t), std::move(e));
    }
    ASSIGN_OR_RETURN(Expr left, ParseAnd(depth));
    while (IsPunct("||")) {
      RETURN_IF_ERROR(Chain(left));
      ASSIGN_OR_RETURN(Expr right, ParseAnd(depth));
      left = Or(std::move(left), std::move(right));
    }
    return left;
  }

  Result<Expr> ParseAnd(int depth) {
    ASSIGN_OR_RETURN(Expr left, ParseRelation(depth));
    while (IsPunct("&&")) {
      RETURN_IF_ERROR(Chain(left));
      ASSIGN_OR_RETURN(Expr right, ParseRelation(depth));
      left = And(std::move(left), std::move(right));
    }
    return left;
  }

  Result<Expr> ParseRelation(int depth) {
    ASSIGN_OR_RETURN(Expr left, ParseAdd(depth));
    if (IsIdent("has")) {
      ++pos_;
      std::string attr;
      if (Peek().kind == Token::Kind::kString) {
        ASSIGN_OR_RETURN(attr, String());
      } else {
        ASSIGN_OR_RETURN(attr, Ident());
      }
      return HasAttr(std::move(left), std::move(attr));
    }
    if (IsIdent("like")) {
      ++pos_;
      if (Peek().kind != Token::Kind::kString) return Error("expected a pattern string after `like`");
      std::string raw = "\"" + Peek().text + "\"";
      ASSIGN_OR_RETURN(std::string pattern, String(/*pattern=*/true));
      return Unary(UnaryOp::kLike, std::move(left), std::move(raw));
    }
    if (IsIdent("is")) {
      ++pos_;
      ASSIGN_OR_RETURN(std::string type, Path());
      Expr is = Unary(UnaryOp::kIs, left, type);
      if (!IsIdent("in")) return is;
      ++pos_;
      ASSIGN_OR_RETURN(Expr right, ParseAdd(depth));
      return And(std::move(is), Binary(BinaryOp::kIn, std::move(left), std::move(right)));
    }
    static constexpr std::string_view kOps[] = {"==", "!=", "<", "<=", ">", ">="};
    for (std::string_view op : kOps) {
      if (!IsPunct(op)) continue;
      ++pos_;
      ASSIGN_OR_RETURN(Expr right, ParseAdd(depth));
      if (op == "==") return Binary(BinaryOp::kEq, std::move(left), std::move(right));
      if (op == "!=") return Unary(UnaryOp::kNot, Binary(BinaryOp::kEq, std::move(left), std::move(right)));
      if (op == "<") return Binary(BinaryOp::kLess, std::move(left), std::move(right));
      if (op == "<=") return Binary(BinaryOp::kLessEq, std::move(left), std::move(right));
      if (op == ">") return Binary(BinaryOp::kLess, std::move(right), std::move(left));
      return Binary(BinaryOp::kLessEq, std::move(right), std::move(left));
    }
    if (IsIdent("in")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr right, ParseAdd(depth));
      return Binary(BinaryOp::kIn, std::move(left), std::move(right));
    }
    return left;
  }

  Result<Expr> ParseAdd(int depth) {
    ASSIGN_OR_RETURN(Expr left, ParseMul(depth));
    while (IsPunct("+") || IsPunct("-")) {
      BinaryOp op = IsPunct("+") ? BinaryOp::kAdd : BinaryOp::kSub;
      RETURN_IF_ERROR(Chain(left));
      ASSIGN_OR_RETURN(Expr right, ParseMul(depth));
      left = Binary(op, std::move(left), std::move(right));
    }
    return left;
  }

  Result<Expr> ParseMul(int depth) {
    ASSIGN_OR_RETURN(Expr left, ParseUnary(depth));
    while (IsPunct("*")) {
      RETURN_IF_ERROR(Chain(left));
      ASSIGN_OR_RETURN(Expr right, ParseUnary(depth));
      left = Binary(BinaryOp::kMul, std::move(left), std::move(right));
    }
    return left;
  }

  Result<Expr> ParseUnary(int depth) {
    std::vector<bool> nots;  // true = '!', false = '-'
    while ((IsPunct("!") || IsPunct("-")) && nots.size() < 4) {
      nots.push_back(IsPunct("!"));
      ++pos_;
    }
    Expr e;
    // A '-' directly before an integer literal is part of the literal.
    if (!nots.empty() && !nots.back() && Peek().kind == Token::Kind::kInt) {
      nots.pop_back();
      ASSIGN_OR_RETURN(e, ParseInt(/*negative=*/true));
      ASSIGN_OR_RETURN(e, ParseAccess(std::move(e), depth));
    } else {
      ASSIGN_OR_RETURN(e, ParseMember(depth));
    }
    for (auto it = nots.rbegin(); it != nots.rend(); ++it) {
      e = Unary(*it ? UnaryOp::kNot : UnaryOp::kNeg, std::move(e));
    }
    return e;
  }

  Result<Expr> ParseInt(bool negative) {
    const std::string& digits = toks_[pos_].text;
    std::uint64_t limit = negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
    std::uint64_t v = 0;
    for (char c : digits) {
      std::uint64_t d = static_cast<std::uint64_t>(c - '0');
      if (v > (limit - d) / 10) return Error("integer literal out of range");
      v = v * 10 + d;
    }
    ++pos_;
    std::int64_t value = negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
    return LongLit(value);
  }

  Result<std::vector<Expr>> ExprList(std::string_view close, int depth) {
    std::vector<Expr> out;
    while (!IsPunct(close)) {
      ASSIGN_OR_RETURN(Expr e, ParseExpr(depth + 1));
      out.push_back(std::move(e));
      if (!IsPunct(",")) break;
      ++pos_;
    }
    RETURN_IF_ERROR(Expect(close));
    return out;
  }

  Result<Expr> ParseMember(int depth) {
    ASSIGN_OR_RETURN(Expr e, ParsePrimary(depth));
    return ParseAccess(std::move(e), depth);
  }

  Result<Expr> ParseAccess(Expr e, int depth) {
    while (IsPunct(".") || IsPunct("[")) {
      bool index = IsPunct("[");
      RETURN_IF_ERROR(Chain(e));
      if (index) {
        ASSIGN_OR_RETURN(std::string attr, String());
        RETURN_IF_ERROR(Expect("]"));
        e = GetAttr(std::move(e), std::move(attr));
        continue;
      }
      ASSIGN_OR_RETURN(std::string name, Ident());
      if (!IsPunct("(")) {
        e = GetAttr(std::move(e), std::move(name));
        continue;
      }
      ++pos_;
      ASSIGN_OR_RETURN(std::vector<Expr> args, ExprList(")", depth));
      ASSIGN_OR_RETURN(e, Method(std::move(e), name, std::move(args)));
    }
    return e;
  }

  Result<Expr> Method(Expr self, const std::string& name, std::vector<Expr> args) {
    static const std::pair<std::string_view, BinaryOp> kBinary[] = {
        {"contains", BinaryOp::kContains}, {"containsAll", BinaryOp::kContainsAll},
        {"containsAny", BinaryOp::kContainsAny}, {"hasTag", BinaryOp::kHasTag}, {"getTag", BinaryOp::kGetTag}};
    for (const auto& [n, op] : kBinary) {
      if (name != n) continue;
      if (args.size() != 1) return Error("`" + name + "` takes one argument");
      return Binary(op, std::move(self), std::move(args[0]));
    }
    if (name == "isEmpty") {
      if (!args.empty()) return Error("`isEmpty` takes no argument");
      return Unary(UnaryOp::kIsEmpty, std::move(self));
    }
    static constexpr std::string_view kExtensionMethods[] = {
        "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual", "isIpv4", "isIpv6", "isLoopback",
        "isMulticast", "isInRange", "offset", "durationSince", "toDate", "toTime", "toMilliseconds",
        "toSeconds", "toMinutes", "toHours", "toDays"};
    if (std::find(std::begin(kExtensionMethods), std::end(kExtensionMethods), name) == std::end(kExtensionMethods)) {
      return Error("unknown method `" + name + "`");
    }
    args.insert(args.begin(), std::move(self));
    return Call(name, std::move(args));
  }

  Result<Expr> ParsePrimary(int depth) {
    const Token& t = Peek();
    if (t.kind == Token::Kind::kInt) return ParseInt(false);
    if (t.kind == Token::Kind::kString) {
      ASSIGN_OR_RETURN(std::string s, String());
      return StringLit(std::move(s));
    }
    if (IsPunct("(")) {
      ++pos_;
      ASSIGN_OR_RETURN(Expr e, ParseExpr(depth + 1));
      RETURN_IF_ERROR(Expect(")"));
      return e;
    }
    if (IsPunct("[")) {
      ++pos_;
      ASSIGN_OR_RETURN(std::vector<Expr> elems, ExprList("]", depth));
      return SetExpr(std::move(elems));
    }
    if (IsPunct("{")) {
      ++pos_;
      std::vector<std::pair<std::string, Expr>> fields;
      while (!IsPunct("}")) {
        std::string key;
        if (Peek().kind == Token::Kind::kString) {
          ASSIGN_OR_RETURN(key, String());
        } else {
          ASSIGN_OR_RETURN(key, Ident());
        }
        for (const auto& f : fields) {
          if (f.first == key) return Error("duplicate record key `" + key + "`");
        }
        RETURN_IF_ERROR(Expect(":"));
        ASSIGN_OR_RETURN(Expr v, ParseExpr(depth + 1));
        fields.emplace_back(std::move(key), std::move(v));
        if (!IsPunct(",")) break;
        ++pos_;
      }
      RETURN_IF_ERROR(Expect("}"));
      return RecordExpr(std::move(fields));
    }
    if (t.kind != Token::Kind::kIdent) return Error("expected an expression");
    if (t.text == "true" || t.text == "false") {
      ++pos_;
      return BoolLit(t.text == "true");
    }
    if (t.text == "principal" || t.text == "action" || t.text == "resource" || t.text == "context") {
      if (!IsPunct("::", 1)) {
        ++pos_;
        return VarExpr(t.text == "principal" ? Var::kPrincipal
                       : t.text == "action"  ? Var::kAction
                       : t.text == "resource" ? Var::kResource
                                              : Var::kContext);
      }
    }
    if (IsReserved(t.text)) return Error("unexpected keyword");
    if (IsPunct("(", 1)) {
      std::string fn = t.text;
      pos_ += 2;
      if (fn != "ip" && fn != "decimal" && fn != "datetime" && fn != "duration") {
        return Error("unknown function `" + fn + "`");
      }
      ASSIGN_OR_RETURN(std::vector<Expr> args, ExprList(")", depth));
      return Call(std::move(fn), std::move(args));
    }
    return EntityRef();
  }

  std::vector<Token> toks_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<std::vector<Policy>> ParsePolicies(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(text));
  Parser parser(std::move(toks));
  return parser.ParsePolicies();
}

}  // namespace domicile::cedar::validation
