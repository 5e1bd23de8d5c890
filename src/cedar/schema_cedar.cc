// Schema::FromCedarSchema: a hand-written lexer and recursive-descent parser
// for the human-readable schema format
// (https://docs.cedarpolicy.com/schema/human-readable-schema-grammar.html).
// It only builds a RawSchema; names are resolved by SchemaBuilder.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cedar/internal/lex.h"
#include "cedar/internal/schema_raw.h"
#include "cedar/schema.h"

namespace domicile::cedar {
namespace {

struct Token {
  enum class Kind { kIdent, kString, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, unescaped string, or punctuation ("::", "{", ...)
  int line = 1;
  int column = 1;
};

// Returns the byte offset of the first invalid UTF-8 sequence, or npos.
std::size_t FindInvalidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<Token> Next() {
    SkipSpaceAndComments();
    Token tok;
    tok.line = line_;
    tok.column = column_;
    if (pos_ >= text_.size()) return tok;
    char c = text_[pos_];
    if (IsIdentStart(c)) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && (IsIdentStart(text_[pos_]) || IsDigit(text_[pos_]))) Advance();
      tok.kind = Token::Kind::kIdent;
      tok.text = std::string(text_.substr(start, pos_ - start));
      return tok;
    }
    if (c == '"') {
      tok.kind = Token::Kind::kString;
      ASSIGN_OR_RETURN(tok.text, LexString());
      return tok;
    }
    tok.kind = Token::Kind::kPunct;
    if (c == ':' && pos_ + 1 < text_.size() && text_[pos_ + 1] == ':') {
      Advance();
      Advance();
      tok.text = "::";
      return tok;
    }
    static constexpr std::string_view kPunct = "{}[]()<>,;:?=@";
    if (kPunct.find(c) == std::string_view::npos) {
      return Error(tok, "unexpected character");
    }
    Advance();
    tok.text = std::string(1, c);
    return tok;
  }

  static Status Error(const Token& at, std::string_view what) {
    return InvalidArgumentError("cedarschema " + std::to_string(at.line) + ":" +
                                std::to_string(at.column) + ": " + std::string(what));
  }

 private:
  static bool IsIdentStart(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  void Advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
      ++column_;
    }
    ++pos_;
  }

  void SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        Advance();
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') Advance();
      } else if (text_.substr(pos_).starts_with("\xC2\xA0") ||       // no-break space
                 text_.substr(pos_).starts_with("\xE2\x80\xA8") ||   // line separator
                 text_.substr(pos_).starts_with("\xE2\x80\xA9") ||   // paragraph separator
                 text_.substr(pos_).starts_with("\xEF\xBB\xBF")) {   // byte order mark
        Advance();
        while (pos_ < text_.size() && (static_cast<unsigned char>(text_[pos_]) & 0xC0) == 0x80) {
          Advance();
        }
      } else {
        return;
      }
    }
  }

  // A string literal; escapes are decoded as in policies (internal::Unescape).
  Result<std::string> LexString() {
    Token at;
    at.line = line_;
    at.column = column_;
    Advance();  // opening quote
    std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) Advance();
      Advance();
    }
    if (pos_ >= text_.size()) return Error(at, "unterminated string");
    std::string_view raw = text_.substr(start, pos_ - start);
    Advance();  // closing quote
    auto s = internal::Unescape(raw, /*pattern=*/false);
    if (!s.ok()) return Error(at, s.status().message());
    return s;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) {}

  Result<RawSchema> Parse() {
    RETURN_IF_ERROR(Bump());
    RawSchema schema;
    schema.namespaces.emplace_back();  // the empty namespace collects top-level declarations
    while (tok_.kind != Token::Kind::kEnd) {
      RETURN_IF_ERROR(SkipAnnotations());
      if (IsKeyword("namespace")) {
        RETURN_IF_ERROR(Bump());
        RawNamespace ns;
        ASSIGN_OR_RETURN(ns.name, ParsePath());
        RETURN_IF_ERROR(Expect("{"));
        while (!IsPunct("}")) {
          if (tok_.kind == Token::Kind::kEnd) return Error("unterminated namespace `" + ns.name + "`");
          RETURN_IF_ERROR(ParseDecl(ns));
        }
        RETURN_IF_ERROR(Bump());
        schema.namespaces.push_back(std::move(ns));
      } else {
        RETURN_IF_ERROR(ParseDecl(schema.namespaces.front()));
      }
    }
    return schema;
  }

 private:
  Status Bump() {
    ASSIGN_OR_RETURN(tok_, lexer_.Next());
    return Status::Ok();
  }
  bool IsPunct(std::string_view p) const { return tok_.kind == Token::Kind::kPunct && tok_.text == p; }
  bool IsKeyword(std::string_view k) const { return tok_.kind == Token::Kind::kIdent && tok_.text == k; }
  Status Error(std::string_view what) const {
    std::string found = tok_.kind == Token::Kind::kEnd ? "end of input"
                        : tok_.kind == Token::Kind::kString ? "a string"
                                                            : "`" + tok_.text + "`";
    return Lexer::Error(tok_, std::string(what) + " (found " + found + ")");
  }
  Status Expect(std::string_view p) {
    if (!IsPunct(p)) return Error("expected `" + std::string(p) + "`");
    return Bump();
  }
  Result<std::string> ExpectIdent(std::string_view what) {
    if (tok_.kind != Token::Kind::kIdent) return Error("expected " + std::string(what));
    std::string s = std::move(tok_.text);
    RETURN_IF_ERROR(Bump());
    return s;
  }
  Result<std::string> ExpectString(std::string_view what) {
    if (tok_.kind != Token::Kind::kString) return Error("expected " + std::string(what));
    std::string s = std::move(tok_.text);
    RETURN_IF_ERROR(Bump());
    return s;
  }
  // Name := IDENT | STR
  Result<std::string> ParseName(std::string_view what) {
    if (tok_.kind == Token::Kind::kString) return ExpectString(what);
    return ExpectIdent(what);
  }

  // Annotations carry documentation only; they are checked for syntax and dropped.
  Status SkipAnnotations() {
    while (IsPunct("@")) {
      RETURN_IF_ERROR(Bump());
      ASSIGN_OR_RETURN(std::string name, ExpectIdent("an annotation name"));
      if (IsPunct("(")) {
        RETURN_IF_ERROR(Bump());
        ASSIGN_OR_RETURN(std::string value, ExpectString("an annotation value"));
        RETURN_IF_ERROR(Expect(")"));
      }
    }
    return Status::Ok();
  }

  Result<std::string> ParsePath() {
    ASSIGN_OR_RETURN(std::string path, ExpectIdent("a name"));
    while (IsPunct("::")) {
      RETURN_IF_ERROR(Bump());
      ASSIGN_OR_RETURN(std::string part, ExpectIdent("a name after `::`"));
      path += "::" + part;
    }
    return path;
  }

  Status ParseDecl(RawNamespace& ns) {
    RETURN_IF_ERROR(SkipAnnotations());
    if (IsKeyword("entity")) return ParseEntity(ns);
    if (IsKeyword("action")) return ParseAction(ns);
    if (IsKeyword("type")) return ParseCommonType(ns);
    return Error("expected `entity`, `action`, `type` or `namespace`");
  }

  // EntOrTyps := Path | '[' [Path {',' Path}] ']'
  Result<std::vector<std::string>> ParseEntityTypeList() {
    std::vector<std::string> out;
    if (!IsPunct("[")) {
      ASSIGN_OR_RETURN(std::string p, ParsePath());
      out.push_back(std::move(p));
      return out;
    }
    RETURN_IF_ERROR(Bump());
    while (!IsPunct("]")) {
      ASSIGN_OR_RETURN(std::string p, ParsePath());
      out.push_back(std::move(p));
      if (!IsPunct(",")) break;
      RETURN_IF_ERROR(Bump());
    }
    RETURN_IF_ERROR(Expect("]"));
    return out;
  }

  Status ParseEntity(RawNamespace& ns) {
    RETURN_IF_ERROR(Bump());
    std::vector<std::string> names;
    do {
      if (!names.empty()) RETURN_IF_ERROR(Bump());
      ASSIGN_OR_RETURN(std::string n, ExpectIdent("an entity type name"));
      names.push_back(std::move(n));
    } while (IsPunct(","));
    RawEntityType proto;
    if (IsKeyword("enum")) {
      RETURN_IF_ERROR(Bump());
      proto.is_enum = true;
      RETURN_IF_ERROR(Expect("["));
      do {
        if (!proto.enum_ids.empty()) RETURN_IF_ERROR(Bump());
        ASSIGN_OR_RETURN(std::string id, ExpectString("an enum value string"));
        proto.enum_ids.push_back(std::move(id));
      } while (IsPunct(","));
      RETURN_IF_ERROR(Expect("]"));
    } else {
      if (IsKeyword("in")) {
        RETURN_IF_ERROR(Bump());
        ASSIGN_OR_RETURN(proto.member_of, ParseEntityTypeList());
      }
      if (IsPunct("=")) {
        RETURN_IF_ERROR(Bump());
        if (!IsPunct("{")) return Error("expected a record type after `=`");
      }
      if (IsPunct("{")) {
        ASSIGN_OR_RETURN(RawType shape, ParseType(0));
        proto.shape = std::move(shape);
      }
      if (IsKeyword("tags")) {
        RETURN_IF_ERROR(Bump());
        ASSIGN_OR_RETURN(RawType tags, ParseType(0));
        proto.tags = std::move(tags);
      }
    }
    RETURN_IF_ERROR(Expect(";"));
    for (std::string& n : names) {
      RawEntityType e = proto;
      e.name = std::move(n);
      ns.entity_types.push_back(std::move(e));
    }
    return Status::Ok();
  }

  // Ref := Path '::' STR | Name
  Result<RawActionRef> ParseActionRef() {
    RawActionRef ref;
    if (tok_.kind == Token::Kind::kString) {
      ASSIGN_OR_RETURN(ref.id, ExpectString("an action name"));
      return ref;
    }
    ASSIGN_OR_RETURN(std::string path, ExpectIdent("an action name"));
    bool qualified = false;
    while (IsPunct("::")) {
      RETURN_IF_ERROR(Bump());
      if (tok_.kind == Token::Kind::kString) {
        ref.type = std::move(path);
        ASSIGN_OR_RETURN(ref.id, ExpectString("an action id"));
        return ref;
      }
      ASSIGN_OR_RETURN(std::string part, ExpectIdent("a name or action id after `::`"));
      path += "::" + part;
      qualified = true;
    }
    if (qualified) return Error("a qualified action reference must end in a string (NS::Action::\"id\")");
    ref.id = std::move(path);
    return ref;
  }

  Status ParseAction(RawNamespace& ns) {
    RETURN_IF_ERROR(Bump());
    std::vector<std::string> names;
    do {
      if (!names.empty()) RETURN_IF_ERROR(Bump());
      ASSIGN_OR_RETURN(std::string n, ParseName("an action name"));
      names.push_back(std::move(n));
    } while (IsPunct(","));
    RawAction proto;
    if (IsKeyword("in")) {
      RETURN_IF_ERROR(Bump());
      if (IsPunct("[")) {
        RETURN_IF_ERROR(Bump());
        while (!IsPunct("]")) {
          ASSIGN_OR_RETURN(RawActionRef ref, ParseActionRef());
          proto.member_of.push_back(std::move(ref));
          if (!IsPunct(",")) break;
          RETURN_IF_ERROR(Bump());
        }
        RETURN_IF_ERROR(Expect("]"));
      } else {
        ASSIGN_OR_RETURN(RawActionRef ref, ParseActionRef());
        proto.member_of.push_back(std::move(ref));
      }
    }
    if (IsKeyword("appliesTo")) RETURN_IF_ERROR(ParseAppliesTo(proto));
    RETURN_IF_ERROR(Expect(";"));
    for (std::string& n : names) {
      RawAction a = proto;
      a.id = std::move(n);
      ns.actions.push_back(std::move(a));
    }
    return Status::Ok();
  }

  // AppliesTo := 'appliesTo' '{' AppDecls '}'; principal and resource are
  // required, and an empty list means the action applies to no request.
  Status ParseAppliesTo(RawAction& a) {
    RETURN_IF_ERROR(Bump());
    RETURN_IF_ERROR(Expect("{"));
    a.has_applies_to = true;
    bool principal = false, resource = false, context = false;
    while (!IsPunct("}")) {
      ASSIGN_OR_RETURN(std::string key, ExpectIdent("`principal`, `resource` or `context`"));
      RETURN_IF_ERROR(Expect(":"));
      if (key == "principal" && !principal) {
        principal = true;
        ASSIGN_OR_RETURN(a.principal_types, ParseEntityTypeList());
      } else if (key == "resource" && !resource) {
        resource = true;
        ASSIGN_OR_RETURN(a.resource_types, ParseEntityTypeList());
      } else if (key == "context" && !context) {
        context = true;
        ASSIGN_OR_RETURN(RawType t, ParseType(0));
        if (t.kind != RawType::Kind::kRecord && t.kind != RawType::Kind::kName) {
          return Error("context must be a record type or a common type name");
        }
        a.context = std::move(t);
      } else {
        return Lexer::Error(tok_, "unexpected or repeated `" + key + "` in appliesTo");
      }
      if (!IsPunct(",")) break;
      RETURN_IF_ERROR(Bump());
    }
    if (!principal || !resource) return Error("appliesTo needs both `principal` and `resource`");
    return Expect("}");
  }

  Status ParseCommonType(RawNamespace& ns) {
    RETURN_IF_ERROR(Bump());
    RawCommonType c;
    ASSIGN_OR_RETURN(c.name, ExpectIdent("a common type name"));
    RETURN_IF_ERROR(Expect("="));
    ASSIGN_OR_RETURN(c.type, ParseType(0));
    RETURN_IF_ERROR(Expect(";"));
    ns.common_types.push_back(std::move(c));
    return Status::Ok();
  }

  // Type := Path | 'Set' '<' Type '>' | '{' [AttrDecls] '}'
  Result<RawType> ParseType(int depth) {
    if (depth > kMaxSchemaTypeDepth) {
      return Error("types nest deeper than " + std::to_string(kMaxSchemaTypeDepth) + " levels");
    }
    RawType t;
    if (IsPunct("{")) {
      RETURN_IF_ERROR(Bump());
      t.kind = RawType::Kind::kRecord;
      while (!IsPunct("}")) {
        RETURN_IF_ERROR(SkipAnnotations());
        ASSIGN_OR_RETURN(std::string name, ParseName("an attribute name"));
        RawAttribute attr;
        if (IsPunct("?")) {
          attr.required = false;
          RETURN_IF_ERROR(Bump());
        }
        RETURN_IF_ERROR(Expect(":"));
        ASSIGN_OR_RETURN(attr.type, ParseType(depth + 1));
        t.attributes.emplace_back(std::move(name), std::move(attr));
        if (!IsPunct(",")) break;
        RETURN_IF_ERROR(Bump());
      }
      RETURN_IF_ERROR(Expect("}"));
      return t;
    }
    ASSIGN_OR_RETURN(std::string path, ParsePath());
    if (path == "Set" && IsPunct("<")) {
      RETURN_IF_ERROR(Bump());
      ASSIGN_OR_RETURN(RawType elem, ParseType(depth + 1));
      RETURN_IF_ERROR(Expect(">"));
      t.kind = RawType::Kind::kSet;
      t.element = std::make_shared<const RawType>(std::move(elem));
      return t;
    }
    t.kind = RawType::Kind::kName;
    t.name = std::move(path);
    return t;
  }

  Lexer lexer_;
  Token tok_;
};

}  // namespace

Result<Schema> Schema::FromCedarSchema(std::string_view text) {
  if (std::size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    return InvalidArgumentError("cedarschema: invalid UTF-8 at byte " + std::to_string(bad));
  }
  Parser parser(text);
  ASSIGN_OR_RETURN(RawSchema raw, parser.Parse());
  return SchemaBuilder::Build(raw);
}

}  // namespace domicile::cedar
