// Cedar lexical layer: tokens, escapes, patterns, integer literals.
#include <string>
#include <string_view>
#include <vector>

#include "cedar/internal/lex.h"

namespace domicile::cedar::internal {
namespace {

bool IsIdentStart(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void AppendUtf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one escape starting at raw[i] == '\\'; advances i past it.
Status UnescapeOne(std::string_view raw, std::size_t& i, std::string& out) {
  if (i + 1 >= raw.size()) return InvalidArgumentError("dangling backslash in string");
  char c = raw[i + 1];
  i += 2;
  switch (c) {
    case 'n': out += '\n'; return Status::Ok();
    case 'r': out += '\r'; return Status::Ok();
    case 't': out += '\t'; return Status::Ok();
    case '0': out += '\0'; return Status::Ok();
    case '\\': out += '\\'; return Status::Ok();
    case '\'': out += '\''; return Status::Ok();
    case '"': out += '"'; return Status::Ok();
    case 'x': {
      if (i + 2 > raw.size() || HexValue(raw[i]) < 0 || HexValue(raw[i + 1]) < 0 || HexValue(raw[i]) > 7) {
        return InvalidArgumentError("bad \\x escape in string");
      }
      out += static_cast<char>(HexValue(raw[i]) * 16 + HexValue(raw[i + 1]));
      i += 2;
      return Status::Ok();
    }
    case 'u': {
      if (i >= raw.size() || raw[i] != '{') return InvalidArgumentError("bad \\u escape in string");
      std::uint32_t cp = 0;
      int digits = 0;
      for (++i; i < raw.size() && raw[i] != '}'; ++i, ++digits) {
        if (HexValue(raw[i]) < 0 || digits >= 6) return InvalidArgumentError("bad \\u escape in string");
        cp = cp * 16 + HexValue(raw[i]);
      }
      if (i >= raw.size() || digits == 0) return InvalidArgumentError("bad \\u escape in string");
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return InvalidArgumentError("\\u escape is not a Unicode scalar value");
      }
      ++i;
      AppendUtf8(cp, out);
      return Status::Ok();
    }
    default:
      return InvalidArgumentError(std::string("unknown escape \\") + c + " in string");
  }
}

}  // namespace

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
    std::size_t start = i;
    if (IsIdentStart(c)) {
      while (i < s.size() && (IsIdentStart(s[i]) || IsDigit(s[i]))) ++i;
      t.kind = Token::Kind::kIdent;
      t.text = std::string(s.substr(start, i - start));
    } else if (IsDigit(c)) {
      while (i < s.size() && IsDigit(s[i])) ++i;
      t.kind = Token::Kind::kInt;
      t.text = std::string(s.substr(start, i - start));
    } else if (c == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      if (i >= s.size()) return InvalidArgumentError(Position(s, start) + ": unterminated string");
      t.kind = Token::Kind::kString;
      t.text = std::string(s.substr(start + 1, i - start - 1));
      ++i;
    } else {
      static constexpr std::string_view kTwo[] = {"::", "==", "!=", "<=", ">=", "&&", "||"};
      t.kind = Token::Kind::kPunct;
      for (std::string_view two : kTwo) {
        if (s.substr(i, 2) == two) t.text = std::string(two);
      }
      if (t.text.empty()) {
        if (std::string_view("()[]{},;.:<>!-+*@?").find(c) == std::string_view::npos) {
          return InvalidArgumentError(Position(s, i) + ": unexpected character");
        }
        t.text = std::string(1, c);
      }
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
}

std::string Position(std::string_view text, std::size_t offset) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

Result<std::string> Unescape(std::string_view raw, bool pattern) {
  std::string out;
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] != '\\') {
      out += raw[i++];
    } else if (pattern && i + 1 < raw.size() && raw[i + 1] == '*') {
      out += '*';
      i += 2;
    } else {
      RETURN_IF_ERROR(UnescapeOne(raw, i, out));
    }
  }
  return out;
}

Result<std::vector<PatternPart>> ParsePattern(std::string_view raw) {
  std::vector<PatternPart> parts;
  auto literal = [&]() -> std::string& {
    if (parts.empty() || parts.back().wildcard) parts.push_back({});
    return parts.back().literal;
  };
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] == '*') {
      if (parts.empty() || !parts.back().wildcard) parts.push_back({true, ""});
      ++i;
    } else if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '*') {
      literal() += '*';
      i += 2;
    } else if (raw[i] == '\\') {
      RETURN_IF_ERROR(UnescapeOne(raw, i, literal()));
    } else {
      literal() += raw[i++];
    }
  }
  return parts;
}

Result<std::int64_t> ParseLong(std::string_view digits, bool negative) {
  std::uint64_t limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
  std::uint64_t v = 0;
  for (char c : digits) {
    std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (limit - d) / 10) return InvalidArgumentError("integer literal out of range");
    v = v * 10 + d;
  }
  return negative ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
}

}  // namespace domicile::cedar::internal
