// Private to the Cedar parser: tokens, string/pattern unescaping, integer
// literals, and source positions for messages.
#ifndef DOMICILE_CEDAR_INTERNAL_LEX_H_
#define DOMICILE_CEDAR_INTERNAL_LEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cedar/ast.h"
#include "common/status.h"

namespace domicile::cedar::internal {

struct Token {
  enum class Kind { kIdent, kString, kInt, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, digits, punctuation, or the raw string body (escapes intact)
  std::size_t offset = 0;
};

// Splits policy text into tokens (comments and whitespace dropped); the last
// token is kEnd.
Result<std::vector<Token>> Lex(std::string_view text);
// "line L, column C" of a byte offset.
std::string Position(std::string_view text, std::size_t offset);
// Resolves Cedar string escapes (\n \r \t \0 \\ \' \" \xHH \u{H..}); with
// `pattern`, `\*` is also accepted (the caller handles wildcards).
Result<std::string> Unescape(std::string_view raw, bool pattern);
// A `like` pattern's raw body into literal runs and wildcards.
Result<std::vector<PatternPart>> ParsePattern(std::string_view raw);
// Decimal digits as a 64-bit integer (negated when `negative`), or an error on overflow.
Result<std::int64_t> ParseLong(std::string_view digits, bool negative);

}  // namespace domicile::cedar::internal

#endif  // DOMICILE_CEDAR_INTERNAL_LEX_H_
