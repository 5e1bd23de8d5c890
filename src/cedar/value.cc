// Values: construction, the total order behind `==` and sets, Cedar syntax.
#include <algorithm>
#include <cstdio>
#include <string>

#include "cedar/ast.h"

namespace domicile::cedar {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      default:
        if (c < 0x20) {
          char buf[12];
          std::snprintf(buf, sizeof buf, "\\u{%x}", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string ExtToString(const ExtValue& e) {
  char buf[64];
  switch (e.kind) {
    case ExtValue::Kind::kIpAddr: {
      std::string s;
      if (!e.v6) {
        std::snprintf(buf, sizeof buf, "%d.%d.%d.%d", e.bytes[0], e.bytes[1], e.bytes[2], e.bytes[3]);
        s = buf;
      } else {
        for (int i = 0; i < 16; i += 2) {
          std::snprintf(buf, sizeof buf, "%s%x", i ? ":" : "", (e.bytes[i] << 8) | e.bytes[i + 1]);
          s += buf;
        }
      }
      return "ip(\"" + s + "/" + std::to_string(e.prefix) + "\")";
    }
    case ExtValue::Kind::kDecimal: {
      std::uint64_t mag = e.number < 0 ? 0 - static_cast<std::uint64_t>(e.number) : e.number;
      std::snprintf(buf, sizeof buf, "%s%llu.%04llu", e.number < 0 ? "-" : "",
                    static_cast<unsigned long long>(mag / 10000), static_cast<unsigned long long>(mag % 10000));
      return "decimal(\"" + std::string(buf) + "\")";
    }
    case ExtValue::Kind::kDatetime:
      return "datetime(\"" + std::to_string(e.number) + "ms since epoch\")";
    case ExtValue::Kind::kDuration:
      return "duration(\"" + std::to_string(e.number) + "ms\")";
  }
  return "";
}

}  // namespace

std::string EntityUid::ToString() const { return type + "::" + Quote(id); }

Value Value::Set(ValueSet elems) {
  std::sort(elems.begin(), elems.end(), [](const Value& a, const Value& b) { return Compare(a, b) < 0; });
  elems.erase(std::unique(elems.begin(), elems.end()), elems.end());
  Value v;
  v.v_ = std::make_shared<const ValueSet>(std::move(elems));
  return v;
}

Value Value::Record(ValueRecord fields) {
  Value v;
  v.v_ = std::make_shared<const ValueRecord>(std::move(fields));
  return v;
}

int Compare(const Value& a, const Value& b) {
  if (a.v_.index() != b.v_.index()) return a.v_.index() < b.v_.index() ? -1 : 1;
  auto sign = [](auto c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); };
  switch (a.kind()) {
    case Value::Kind::kBool: return sign(static_cast<int>(a.AsBool()) - static_cast<int>(b.AsBool()));
    case Value::Kind::kLong: return a.AsLong() < b.AsLong() ? -1 : (a.AsLong() > b.AsLong() ? 1 : 0);
    case Value::Kind::kString: return sign(a.AsString().compare(b.AsString()));
    case Value::Kind::kEntity: return sign(a.AsEntity() <=> b.AsEntity());
    case Value::Kind::kExt: return sign(a.AsExt() <=> b.AsExt());
    case Value::Kind::kSet: {
      const ValueSet& x = a.AsSet();
      const ValueSet& y = b.AsSet();
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (int c = Compare(x[i], y[i])) return c;
      }
      return sign(static_cast<long long>(x.size()) - static_cast<long long>(y.size()));
    }
    case Value::Kind::kRecord: {
      const ValueRecord& x = a.AsRecord();
      const ValueRecord& y = b.AsRecord();
      auto i = x.begin();
      auto j = y.begin();
      for (; i != x.end() && j != y.end(); ++i, ++j) {
        if (int c = sign(i->first.compare(j->first))) return c;
        if (int c = Compare(i->second, j->second)) return c;
      }
      return (i == x.end() ? 0 : 1) - (j == y.end() ? 0 : 1);
    }
  }
  return 0;
}

std::string Value::ToString() const {
  switch (kind()) {
    case Kind::kBool: return AsBool() ? "true" : "false";
    case Kind::kLong: return std::to_string(AsLong());
    case Kind::kString: return Quote(AsString());
    case Kind::kEntity: return AsEntity().ToString();
    case Kind::kExt: return ExtToString(AsExt());
    case Kind::kSet: {
      std::string s = "[";
      for (const Value& v : AsSet()) s += (s.size() > 1 ? ", " : "") + v.ToString();
      return s + "]";
    }
    case Kind::kRecord: {
      std::string s = "{";
      for (const auto& [k, v] : AsRecord()) s += (s.size() > 1 ? ", " : "") + Quote(k) + ": " + v.ToString();
      return s + "}";
    }
  }
  return "";
}

const char* KindName(Value::Kind k) {
  static const char* kNames[] = {"bool", "long", "string", "entity", "set", "record", "extension"};
  return kNames[static_cast<int>(k)];
}

}  // namespace domicile::cedar
