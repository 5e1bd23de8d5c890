#include "scan/internal/validators.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <string>

namespace domicile::scan::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || static_cast<unsigned char>((c | 0x20) - 'a') < 6; }

// True if every non-digit in `s` is the same separator, one at a time, and it is
// one of `allowed`.
bool ConsistentSeparators(std::string_view s, std::string_view allowed) {
  char sep = 0;
  bool prev_sep = true;  // no leading separator
  for (char c : s) {
    if (IsDigit(c)) {
      prev_sep = false;
      continue;
    }
    if (prev_sep || allowed.find(c) == std::string_view::npos) return false;
    if (sep != 0 && c != sep) return false;
    sep = c;
    prev_sep = true;
  }
  return !prev_sep;
}

int ParseInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

std::string DigitsOf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (IsDigit(c)) out.push_back(c);
  }
  return out;
}

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsDigit(digits[i])) return false;
    int d = digits[i] - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool CreditCardValid(std::string_view text) {
  if (!ConsistentSeparators(text, " -")) return false;
  std::string d = DigitsOf(text);
  if (d.size() < 12 || d.size() > 19 || !LuhnValid(d)) return false;
  if (d.find_first_not_of(d[0]) == std::string::npos) return false;  // 0000..., 4444...
  // Issuer identification numbers of the major networks.
  static constexpr std::string_view kPrefixes[] = {
      "4",                                        // Visa
      "51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27",  // Mastercard
      "34", "37",                                 // American Express
      "30", "36", "38", "39",                     // Diners Club
      "35", "2131", "1800",                       // JCB
      "6011", "64", "65", "62",                   // Discover, UnionPay
      "50", "56", "57", "58", "63", "67", "60",   // Maestro and others
  };
  for (std::string_view p : kPrefixes) {
    if (StartsWith(d, p)) return true;
  }
  return false;
}

bool ImeiValid(std::string_view text) {
  if (!ConsistentSeparators(text, " -")) return false;
  std::string d = DigitsOf(text);
  if (d.size() != 15 || !LuhnValid(d)) return false;
  return d.find_first_not_of(d[0]) != std::string::npos;
}

bool UsSsnValid(std::string_view text) {
  if (!ConsistentSeparators(text, " -")) return false;
  std::string d = DigitsOf(text);
  if (d.size() != 9) return false;
  if (text.size() == 11 && (text[3] != text[6] || IsDigit(text[3]))) return false;
  if (text.size() != 9 && text.size() != 11) return false;
  int area = ParseInt(std::string_view(d).substr(0, 3));
  int group = ParseInt(std::string_view(d).substr(3, 2));
  int serial = ParseInt(std::string_view(d).substr(5, 4));
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  // Numbers published in advertising and documentation, never issued to anyone.
  static constexpr std::string_view kKnownFake[] = {"078051120", "219099999", "123456789",
                                                    "111111111", "987654320"};
  for (std::string_view f : kKnownFake) {
    if (d == f) return false;
  }
  return d.find_first_not_of(d[0]) != std::string::npos;
}

bool Ipv4Valid(std::string_view text) {
  int parts = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find('.', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view octet = text.substr(i, j - i);
    if (octet.empty() || octet.size() > 3) return false;
    for (char c : octet) {
      if (!IsDigit(c)) return false;
    }
    if (octet.size() > 1 && octet[0] == '0') return false;
    if (ParseInt(octet) > 255) return false;
    ++parts;
    i = j + 1;
  }
  return parts == 4;
}

bool Ipv6Valid(std::string_view text) {
  if (text.size() < 2 || text.size() > 45) return false;
  std::string s(text);
  in6_addr addr;
  return inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

int IbanLength(std::string_view cc) {
  struct Country {
    const char* code;
    int length;
  };
  // ISO 13616 registry: country code and IBAN length.
  static constexpr Country kCountries[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
      {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
      {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
      {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22},
      {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22},
      {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
      {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"LY", 25},
      {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30},
      {"NL", 18}, {"NO", 15}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29},
      {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24},
      {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
      {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
  };
  if (cc.size() != 2) return 0;
  char a = static_cast<char>(std::toupper(static_cast<unsigned char>(cc[0])));
  char b = static_cast<char>(std::toupper(static_cast<unsigned char>(cc[1])));
  for (const Country& c : kCountries) {
    if (c.code[0] == a && c.code[1] == b) return c.length;
  }
  return 0;
}

bool IbanValid(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c == ' ') continue;
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (s.size() < 15 || IbanLength(s.substr(0, 2)) != static_cast<int>(s.size())) return false;
  if (!IsDigit(s[2]) || !IsDigit(s[3])) return false;
  std::string r = s.substr(4) + s.substr(0, 4);
  int mod = 0;
  for (char c : r) {
    int v = IsDigit(c) ? c - '0' : c - 'A' + 10;
    mod = v >= 10 ? (mod * 100 + v) % 97 : (mod * 10 + v) % 97;
  }
  return mod == 1;
}

bool MacValid(std::string_view text) {
  std::string hex;
  if (text.size() == 17) {
    char sep = text[2];
    if (sep != ':' && sep != '-') return false;
    for (size_t i = 0; i < 17; ++i) {
      if (i % 3 == 2) {
        if (text[i] != sep) return false;
      } else if (!IsHex(text[i])) {
        return false;
      } else {
        hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
      }
    }
  } else if (text.size() == 14) {
    for (size_t i = 0; i < 14; ++i) {
      if (i % 5 == 4) {
        if (text[i] != '.') return false;
      } else if (!IsHex(text[i])) {
        return false;
      } else {
        hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
      }
    }
  } else {
    return false;
  }
  return hex != "000000000000" && hex != "ffffffffffff";
}

bool GeoPairValid(std::string_view text) {
  size_t comma = text.find(',');
  if (comma == std::string_view::npos) return false;
  auto parse = [](std::string_view s, double limit) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    size_t dot = s.find('.');
    if (dot == std::string_view::npos || s.size() - dot - 1 < 3) return false;
    std::string str(s);
    char* end = nullptr;
    double v = std::strtod(str.c_str(), &end);
    return end == str.c_str() + str.size() && v >= -limit && v <= limit;
  };
  return parse(text.substr(0, comma), 90.0) && parse(text.substr(comma + 1), 180.0);
}

bool DateValid(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  // Split into numeric fields and at most one month word.
  int nums[3] = {0, 0, 0};
  int num_len[3] = {0, 0, 0};
  int n = 0;
  int month_word = 0;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (IsDigit(c)) {
      size_t j = i;
      while (j < text.size() && IsDigit(text[j])) ++j;
      if (n == 3 || j - i > 4) return false;
      num_len[n] = static_cast<int>(j - i);
      nums[n++] = ParseInt(text.substr(i, j - i));
      // Skip an ordinal suffix (1st, 2nd, 3rd, 4th).
      if (j + 2 <= text.size()) {
        std::string_view suffix = text.substr(j, 2);
        bool word_ends = j + 2 == text.size() || !std::isalpha(static_cast<unsigned char>(text[j + 2]));
        if (word_ends && (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th")) j += 2;
      }
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < text.size() && std::isalpha(static_cast<unsigned char>(text[j]))) ++j;
      std::string w;
      for (size_t k = i; k < j && k < i + 3; ++k) {
        w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[k]))));
      }
      int m = 0;
      for (size_t k = 0; k < kMonths.size(); ++k) {
        if (kMonths[k] == w) m = static_cast<int>(k) + 1;
      }
      if (m == 0 || month_word != 0) return false;
      month_word = m;
      i = j;
    } else {
      ++i;
    }
  }
  int year = 0, month = 0, day = 0;
  if (month_word != 0) {
    if (n != 2) return false;
    month = month_word;
    // "March 3, 1990" or "3 March 1990": the 4-digit field is the year.
    if (num_len[1] == 4) {
      day = nums[0];
      year = nums[1];
    } else {
      return false;
    }
  } else {
    if (n != 3) return false;
    if (num_len[0] == 4) {  // Y-M-D
      year = nums[0];
      month = nums[1];
      day = nums[2];
    } else {  // D/M/Y or M/D/Y: accept if either reading is a date.
      year = nums[2];
      if (num_len[2] == 2) year += year < 30 ? 2000 : 1900;
      if (num_len[2] != 2 && num_len[2] != 4) return false;
      month = nums[1];
      day = nums[0];
      if (month > 12) std::swap(month, day);
    }
  }
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= kDays[month - 1];
}

bool UuidValid(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
    return false;
  }
  bool nonzero = false;
  for (size_t i = 0; i < 36; ++i) {
    char c = text[i];
    if (c == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) continue;
    if (!IsHex(c)) return false;
    nonzero |= c != '0';
  }
  return nonzero;
}

}  // namespace domicile::scan::internal
