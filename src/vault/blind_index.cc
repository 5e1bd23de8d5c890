#include "vault/blind_index.h"

#include <algorithm>

namespace domicile::vault {
namespace {
std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
}  // namespace

Result<std::string> NormalizeForIndex(Normalizer n, std::string_view value) {
  const std::string_view t = Trim(value);
  if (t.empty()) return InvalidArgumentError("blind index: empty value");
  switch (n) {
    case Normalizer::kNone:
      return InvalidArgumentError("blind index: field is not indexed");
    case Normalizer::kExact:
      return std::string(t);
    case Normalizer::kEmail: {
      std::string out(t);
      std::transform(out.begin(), out.end(), out.begin(),
                     [](unsigned char c) { return char(std::tolower(c)); });
      const size_t at = out.find('@');
      if (at == 0 || at == std::string::npos || at + 1 == out.size() || out.find('@', at + 1) != std::string::npos ||
          std::any_of(out.begin(), out.end(), [](unsigned char c) { return std::isspace(c); })) {
        return InvalidArgumentError("blind index: not an email address");
      }
      return out;
    }
    case Normalizer::kPhone: {
      std::string out;
      size_t digits = 0;
      for (size_t i = 0; i < t.size(); ++i) {
        const char c = t[i];
        if (c >= '0' && c <= '9') {
          out.push_back(c);
          ++digits;
        } else if (c == '+' && out.empty()) {
          out.push_back(c);
        } else if (c != ' ' && c != '(' && c != ')' && c != '-' && c != '.' && c != '/') {
          return InvalidArgumentError("blind index: not a phone number");
        }
      }
      if (out.rfind("00", 0) == 0) {
        out.replace(0, 2, "+");
        digits -= 2;
      }
      if (digits < 6 || digits > 15) return InvalidArgumentError("blind index: phone number needs 6 to 15 digits");
      return out;
    }
  }
  return InvalidArgumentError("blind index: unknown normaliser");
}

}  // namespace domicile::vault
