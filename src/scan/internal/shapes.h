// Hand-written matchers for the exact spans of the scanner's numeric rules. Each
// is anchored at a given position and behaves exactly like the rule's regular
// expression (RE2, leftmost-first) there: the regexes are the definition, and
// shapes_test.cc and fuzz/scan_shapes.cc compare both. They replace RE2 calls on
// the hot path (see docs/scan.md for why). Internal to the scanner. Any bytes.
#ifndef DOMICILE_SCAN_INTERNAL_SHAPES_H_
#define DOMICILE_SCAN_INTERNAL_SHAPES_H_

#include <cstddef>
#include <string_view>

namespace domicile::scan::internal {

inline bool IsDigitByte(char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline bool IsAlphaByte(char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }
inline bool IsAlnumByte(char c) { return IsDigitByte(c) || IsAlphaByte(c); }
inline bool IsHexByte(char c) {
  return IsDigitByte(c) || static_cast<unsigned char>((c | 0x20) - 'a') < 6;
}

// Each returns the end of the match starting at `s`, or 0 when there is none.
// Patterns (as regular expressions anchored at s):
//   PhoneEnd  \d[\d ().\-]{5,24}\d(?:[ ]?(?:x|ext\.?|#)[ ]?\d{1,6})?
//   CardEnd   \d(?:[ \-]?\d){11,18}
//   SsnEnd    \d{3}[ \-]?\d{2}[ \-]?\d{4}
//   Ipv4End   \d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}
//   GeoEnd    -?\d{1,2}\.\d{3,10}\s?,\s?-?\d{1,3}\.\d{3,10}
//   IbanEnd   [A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}
size_t PhoneEnd(std::string_view text, size_t s);
size_t CardEnd(std::string_view text, size_t s);
size_t SsnEnd(std::string_view text, size_t s);
size_t Ipv4End(std::string_view text, size_t s);
size_t GeoEnd(std::string_view text, size_t s);
size_t IbanEnd(std::string_view text, size_t s);

// True for the digit shapes that look like a phone number but are something
// else: AAA-GG-SSSS, dates (Y-M-D with anything after, D/M/Y), dotted quads,
// and runs with doubled separators ("  ", "..", "--", "((", "))").
bool NotPhoneShape(std::string_view s);

}  // namespace domicile::scan::internal

#endif  // DOMICILE_SCAN_INTERNAL_SHAPES_H_
