// Cedar text from the AST: `domicile policy format` and messages. Output
// re-parses to the same AST (binary operands are parenthesised when nested).
#include <cctype>
#include <string>

#include "cedar/cedar.h"

namespace domicile::cedar {
namespace {

std::string Quoted(const std::string& s) { return Value(s).ToString(); }

bool IsAtom(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kLiteral: case Expr::Kind::kVar: case Expr::Kind::kSet: case Expr::Kind::kRecord:
    case Expr::Kind::kGetAttr: case Expr::Kind::kCall:
      return e.kind != Expr::Kind::kLiteral || e.value.kind() != Value::Kind::kLong || e.value.AsLong() >= 0;
    default:
      return false;
  }
}

// `.name` / `has name` when the attribute is a plain identifier, else quoted.
bool IsPlainIdent(const std::string& s) {
  static const char* kReserved[] = {"true", "false", "if", "then", "else", "in", "is", "like", "has", "__cedar"};
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  for (const char* r : kReserved) {
    if (s == r) return false;
  }
  return true;
}

std::string Sub(const Expr& e) { return IsAtom(e) ? e.ToString() : "(" + e.ToString() + ")"; }

std::string Scope(const char* var, const ScopeConstraint& c) {
  std::string s = var;
  switch (c.kind) {
    case ScopeConstraint::Kind::kAny: return s;
    case ScopeConstraint::Kind::kEq: return s + " == " + c.entities[0].ToString();
    case ScopeConstraint::Kind::kIn: return s + " in " + c.entities[0].ToString();
    case ScopeConstraint::Kind::kIs: return s + " is " + c.type;
    case ScopeConstraint::Kind::kIsIn: return s + " is " + c.type + " in " + c.entities[0].ToString();
    case ScopeConstraint::Kind::kInSet: {
      s += " in [";
      for (std::size_t i = 0; i < c.entities.size(); ++i) s += (i ? ", " : "") + c.entities[i].ToString();
      return s + "]";
    }
  }
  return s;
}

}  // namespace

std::string Expr::ToString() const {
  static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*"};
  static const char* kVars[] = {"principal", "action", "resource", "context"};
  switch (kind) {
    case Kind::kLiteral: return value.ToString();
    case Kind::kVar: return kVars[static_cast<int>(var)];
    case Kind::kIf: return "if " + Sub(args[0]) + " then " + Sub(args[1]) + " else " + Sub(args[2]);
    case Kind::kAnd: return Sub(args[0]) + " && " + Sub(args[1]);
    case Kind::kOr: return Sub(args[0]) + " || " + Sub(args[1]);
    case Kind::kNot: return "!" + Sub(args[0]);
    case Kind::kNeg: return "-" + Sub(args[0]);
    case Kind::kBinary: return Sub(args[0]) + " " + kOps[static_cast<int>(op)] + " " + Sub(args[1]);
    case Kind::kHas: return Sub(args[0]) + " has " + (IsPlainIdent(name) ? name : Quoted(name));
    case Kind::kGetAttr: return Sub(args[0]) + (IsPlainIdent(name) ? "." + name : "[" + Quoted(name) + "]");
    case Kind::kLike: {
      std::string pat;
      for (const PatternPart& p : pattern) {
        if (p.wildcard) {
          pat += "*";
          continue;
        }
        std::string q = Quoted(p.literal);
        for (char c : q.substr(1, q.size() - 2)) pat += c == '*' ? std::string("\\*") : std::string(1, c);
      }
      return Sub(args[0]) + " like \"" + pat + "\"";
    }
    case Kind::kIs: return Sub(args[0]) + " is " + name + (args.size() > 1 ? " in " + Sub(args[1]) : "");
    case Kind::kSet: {
      std::string s = "[";
      for (std::size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i].ToString();
      return s + "]";
    }
    case Kind::kRecord: {
      std::string s = "{";
      for (std::size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + Quoted(keys[i]) + ": " + args[i].ToString();
      return s + "}";
    }
    case Kind::kCall: {
      std::size_t first = method ? 1 : 0;
      std::string s = (method ? Sub(args[0]) + "." : "") + name + "(";
      for (std::size_t i = first; i < args.size(); ++i) s += (i > first ? ", " : "") + args[i].ToString();
      return s + ")";
    }
  }
  return "";
}

std::string Policy::ToString() const {
  std::string s;
  for (const auto& [k, v] : annotations) s += "@" + k + "(" + Quoted(v) + ")\n";
  s += effect == Effect::kPermit ? "permit (\n" : "forbid (\n";
  s += "  " + Scope("principal", principal) + ",\n  " + Scope("action", action) + ",\n  " +
       Scope("resource", resource) + "\n)";
  for (const Condition& c : conditions) s += std::string(c.when ? "\nwhen" : "\nunless") + " { " + c.expr.ToString() + " }";
  return s + ";\n";
}

std::string PolicySet::ToString() const {
  std::string s;
  for (std::size_t i = 0; i < policies_.size(); ++i) s += (i ? "\n" : "") + policies_[i].ToString();
  return s;
}

}  // namespace domicile::cedar
