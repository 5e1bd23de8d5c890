#include "scan/internal/shapes.h"

#include <algorithm>

namespace domicile::scan::internal {
namespace {

bool IsPhoneClass(char c) {
  return IsDigitByte(c) || c == ' ' || c == '(' || c == ')' || c == '.' || c == '-';
}
bool IsDateSep(char c) { return c == '-' || c == '/' || c == '.'; }
bool IsReSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// Number of digits at text[i...], at most `max`.
size_t DigitsAt(std::string_view text, size_t i, size_t max) {
  size_t d = 0;
  while (d < max && i + d < text.size() && IsDigitByte(text[i + d])) ++d;
  return d;
}

size_t YmdEnd(std::string_view text, size_t s) {
  if (DigitsAt(text, s, 5) != 4 || s + 4 >= text.size() || !IsDateSep(text[s + 4])) return 0;
  size_t j = s + 5;
  size_t d = DigitsAt(text, j, 2);
  if (d == 0 || j + d >= text.size() || !IsDateSep(text[j + d])) return 0;
  j += d + 1;
  d = DigitsAt(text, j, 2);
  return d == 0 ? 0 : j + d;
}

// D/M/Y or M/D/Y up to the year's first digit; the year is two or four digits.
size_t DmyYearAt(std::string_view text, size_t s) {
  size_t d = DigitsAt(text, s, 3);
  if (d == 0 || d > 2 || s + d >= text.size() || !IsDateSep(text[s + d])) return 0;
  size_t j = s + d + 1;
  d = DigitsAt(text, j, 3);
  if (d == 0 || d > 2 || j + d >= text.size() || !IsDateSep(text[j + d])) return 0;
  return j + d + 1;
}

}  // namespace

size_t PhoneEnd(std::string_view text, size_t s) {
  const size_t n = text.size();
  if (s >= n || !IsDigitByte(text[s])) return 0;
  const size_t limit = std::min(n, s + 1 + 24);
  size_t k = s + 1;
  while (k < limit && IsPhoneClass(text[k])) ++k;
  // The last digit at most one past the class run: \d[class]{5,24}\d.
  size_t q = k < n && IsDigitByte(text[k]) ? k : k - 1;
  while (q >= s + 6 && !IsDigitByte(text[q])) --q;
  if (q < s + 6) return 0;
  size_t e = q + 1;
  // Optional extension: [ ]?(?:x|ext\.?|#)[ ]?\d{1,6}
  size_t p = e < n && text[e] == ' ' ? e + 1 : e;
  if (p < n && (text[p] == 'x' || text[p] == '#')) {
    ++p;
  } else if (text.substr(p, 3) == "ext") {
    p += 3;
    if (p < n && text[p] == '.') ++p;
  } else {
    return e;
  }
  size_t digits_from = p < n && text[p] == ' ' ? p + 1 : p;
  size_t d = DigitsAt(text, digits_from, 6);
  return d > 0 ? digits_from + d : e;
}

size_t CardEnd(std::string_view text, size_t s) {
  const size_t n = text.size();
  if (s >= n || !IsDigitByte(text[s])) return 0;
  size_t j = s + 1;
  int reps = 0;
  while (reps < 18) {
    if (j < n && IsDigitByte(text[j])) {
      ++j;
    } else if (j + 1 < n && (text[j] == ' ' || text[j] == '-') && IsDigitByte(text[j + 1])) {
      j += 2;
    } else {
      break;
    }
    ++reps;
  }
  return reps >= 11 ? j : 0;
}

size_t SsnEnd(std::string_view text, size_t s) {
  const size_t n = text.size();
  if (DigitsAt(text, s, 3) != 3) return 0;
  size_t j = s + 3;
  if (j < n && (text[j] == ' ' || text[j] == '-')) ++j;
  if (DigitsAt(text, j, 2) != 2) return 0;
  j += 2;
  if (j < n && (text[j] == ' ' || text[j] == '-')) ++j;
  return DigitsAt(text, j, 4) == 4 ? j + 4 : 0;
}

size_t Ipv4End(std::string_view text, size_t s) {
  size_t j = s;
  for (int part = 0; part < 4; ++part) {
    size_t d = DigitsAt(text, j, 3);
    if (d == 0) return 0;
    j += d;
    if (part < 3) {
      if (j >= text.size() || text[j] != '.') return 0;
      ++j;
    }
  }
  return j;
}

size_t GeoEnd(std::string_view text, size_t s) {
  const size_t n = text.size();
  // One coordinate: -?\d{1,limit}\.\d{3,10}
  auto coordinate = [&](size_t j, size_t int_digits) -> size_t {
    if (j < n && text[j] == '-') ++j;
    size_t d = DigitsAt(text, j, int_digits);
    if (d == 0 || j + d >= n || text[j + d] != '.') return 0;
    j += d + 1;
    d = DigitsAt(text, j, 10);
    return d < 3 ? 0 : j + d;
  };
  size_t j = coordinate(s, 2);
  if (j == 0) return 0;
  if (j < n && IsReSpace(text[j])) ++j;
  if (j >= n || text[j] != ',') return 0;
  ++j;
  if (j < n && IsReSpace(text[j])) ++j;
  return coordinate(j, 3);
}

size_t IbanEnd(std::string_view text, size_t s) {
  const size_t n = text.size();
  if (s + 4 > n || !IsAlphaByte(text[s]) || !IsAlphaByte(text[s + 1]) ||
      !IsDigitByte(text[s + 2]) || !IsDigitByte(text[s + 3])) {
    return 0;
  }
  size_t j = s + 4;
  int reps = 0;
  while (reps < 30) {
    if (j < n && IsAlnumByte(text[j])) {
      ++j;
    } else if (j + 1 < n && text[j] == ' ' && IsAlnumByte(text[j + 1])) {
      j += 2;
    } else {
      break;
    }
    ++reps;
  }
  return reps >= 11 ? j : 0;
}

bool NotPhoneShape(std::string_view s) {
  if (s.size() == 11 && SsnEnd(s, 0) == 11 && s[3] == '-' && s[6] == '-') return true;
  if (YmdEnd(s, 0) != 0) return true;  // followed by anything
  if (size_t y = DmyYearAt(s, 0)) {
    size_t d = DigitsAt(s, y, 4);
    if ((d == 4 && y + 4 == s.size()) || (d >= 2 && y + 2 == s.size())) return true;
  }
  if (Ipv4End(s, 0) == s.size()) return true;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == s[i + 1] && (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')')) return true;
  }
  return false;
}

}  // namespace domicile::scan::internal
