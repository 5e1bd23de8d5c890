#include "cedar/validator_ir.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cedar/ast.h"

namespace domicile::cedar::validation {
namespace {

// Cedar string literal syntax, as the core value printer writes it.
std::string QuoteString(const std::string& s) { return Value(s).ToString(); }

const char* BinarySymbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq: return " == ";
    case BinaryOp::kIn: return " in ";
    case BinaryOp::kLess: return " < ";
    case BinaryOp::kLessEq: return " <= ";
    case BinaryOp::kAdd: return " + ";
    case BinaryOp::kSub: return " - ";
    case BinaryOp::kMul: return " * ";
    case BinaryOp::kContains: return "contains";
    case BinaryOp::kContainsAll: return "containsAll";
    case BinaryOp::kContainsAny: return "containsAny";
    case BinaryOp::kHasTag: return "hasTag";
    case BinaryOp::kGetTag: return "getTag";
  }
  return "?";
}

bool IsMethod(BinaryOp op) { return op >= BinaryOp::kContains; }

bool IsConstructor(const std::string& fn) {
  return fn == "decimal" || fn == "ip" || fn == "datetime" || fn == "duration";
}

// Sets `e.height` from its (already built) operands.
Expr WithHeight(Expr e) {
  int h = 0;
  for (const Expr& a : e.args) h = std::max(h, a.height);
  e.height = h + 1;
  return e;
}

}  // namespace

std::string Expr::ToString() const {
  switch (kind) {
    case Kind::kBool: return bool_value ? "true" : "false";
    case Kind::kLong: return std::to_string(long_value);
    case Kind::kString: return QuoteString(text);
    case Kind::kEntity: return entity_type + "::" + QuoteString(text);
    case Kind::kVar:
      switch (var) {
        case Var::kPrincipal: return "principal";
        case Var::kAction: return "action";
        case Var::kResource: return "resource";
        case Var::kContext: return "context";
      }
      return "?";
    case Kind::kIte:
      return "(if " + args[0].ToString() + " then " + args[1].ToString() + " else " + args[2].ToString() + ")";
    case Kind::kAnd: return "(" + args[0].ToString() + " && " + args[1].ToString() + ")";
    case Kind::kOr: return "(" + args[0].ToString() + " || " + args[1].ToString() + ")";
    case Kind::kUnary:
      switch (unary) {
        case UnaryOp::kNot: return "!" + args[0].ToString();
        case UnaryOp::kNeg: return "-" + args[0].ToString();
        case UnaryOp::kIsEmpty: return args[0].ToString() + ".isEmpty()";
        case UnaryOp::kLike: return "(" + args[0].ToString() + " like " + text + ")";
        case UnaryOp::kIs: return "(" + args[0].ToString() + " is " + text + ")";
      }
      return "?";
    case Kind::kBinary:
      if (IsMethod(binary)) {
        return args[0].ToString() + "." + BinarySymbol(binary) + "(" + args[1].ToString() + ")";
      }
      return "(" + args[0].ToString() + BinarySymbol(binary) + args[1].ToString() + ")";
    case Kind::kHasAttr: return "(" + args[0].ToString() + " has " + QuoteString(text) + ")";
    case Kind::kGetAttr: return args[0].ToString() + "[" + QuoteString(text) + "]";
    case Kind::kSet: {
      std::string out = "[";
      for (std::size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + args[i].ToString();
      return out + "]";
    }
    case Kind::kRecord: {
      std::string out = "{";
      for (std::size_t i = 0; i < args.size(); ++i) {
        out += (i ? ", " : "") + QuoteString(keys[i]) + ": " + args[i].ToString();
      }
      return out + "}";
    }
    case Kind::kCall: {
      std::size_t first = 0;
      std::string out;
      if (IsConstructor(text) || args.empty()) {
        out = text + "(";
      } else {
        out = args[0].ToString() + "." + text + "(";
        first = 1;
      }
      for (std::size_t i = first; i < args.size(); ++i) out += (i > first ? ", " : "") + args[i].ToString();
      return out + ")";
    }
  }
  return "?";
}

Expr BoolLit(bool b) {
  Expr e;
  e.kind = Expr::Kind::kBool;
  e.bool_value = b;
  return e;
}
Expr LongLit(std::int64_t v) {
  Expr e;
  e.kind = Expr::Kind::kLong;
  e.long_value = v;
  return e;
}
Expr StringLit(std::string s) {
  Expr e;
  e.kind = Expr::Kind::kString;
  e.text = std::move(s);
  return e;
}
Expr EntityLit(std::string type, std::string id) {
  Expr e;
  e.kind = Expr::Kind::kEntity;
  e.entity_type = std::move(type);
  e.text = std::move(id);
  return e;
}
Expr VarExpr(Var v) {
  Expr e;
  e.kind = Expr::Kind::kVar;
  e.var = v;
  return e;
}
Expr Unary(UnaryOp op, Expr a, std::string text) {
  Expr e;
  e.kind = Expr::Kind::kUnary;
  e.unary = op;
  e.text = std::move(text);
  e.args.push_back(std::move(a));
  return WithHeight(std::move(e));
}
Expr Binary(BinaryOp op, Expr a, Expr b) {
  Expr e;
  e.kind = Expr::Kind::kBinary;
  e.binary = op;
  e.args.push_back(std::move(a));
  e.args.push_back(std::move(b));
  return WithHeight(std::move(e));
}
namespace {
Expr Node(Expr::Kind kind, std::vector<Expr> args) {
  Expr e;
  e.kind = kind;
  e.args = std::move(args);
  return WithHeight(std::move(e));
}
}  // namespace
Expr And(Expr a, Expr b) { return Node(Expr::Kind::kAnd, {std::move(a), std::move(b)}); }
Expr Or(Expr a, Expr b) { return Node(Expr::Kind::kOr, {std::move(a), std::move(b)}); }
Expr Ite(Expr c, Expr t, Expr e) { return Node(Expr::Kind::kIte, {std::move(c), std::move(t), std::move(e)}); }
Expr HasAttr(Expr a, std::string attr) {
  Expr e = Node(Expr::Kind::kHasAttr, {std::move(a)});
  e.text = std::move(attr);
  return e;
}
Expr GetAttr(Expr a, std::string attr) {
  Expr e = Node(Expr::Kind::kGetAttr, {std::move(a)});
  e.text = std::move(attr);
  return e;
}
Expr SetExpr(std::vector<Expr> elems) { return Node(Expr::Kind::kSet, std::move(elems)); }
Expr RecordExpr(std::vector<std::pair<std::string, Expr>> fields) {
  Expr e;
  e.kind = Expr::Kind::kRecord;
  for (auto& [k, v] : fields) {
    e.keys.push_back(std::move(k));
    e.args.push_back(std::move(v));
  }
  return WithHeight(std::move(e));
}
Expr Call(std::string fn, std::vector<Expr> args) {
  Expr e = Node(Expr::Kind::kCall, std::move(args));
  e.text = std::move(fn);
  return e;
}

}  // namespace domicile::cedar::validation
