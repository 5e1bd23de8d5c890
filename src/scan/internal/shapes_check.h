// The regular expressions the hand-written matchers of shapes.h stand for, and a
// check that compares both at one position. Shared by shapes_test.cc and the
// fuzz target fuzz/scan_shapes.cc (a differential test: any disagreement is a bug).
#ifndef DOMICILE_SCAN_INTERNAL_SHAPES_CHECK_H_
#define DOMICILE_SCAN_INTERNAL_SHAPES_CHECK_H_

#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scan/internal/shapes.h"

namespace domicile::scan::internal {

class ShapesCheck {
 public:
  ShapesCheck() {
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    auto add = [&](const char* name, const char* pattern, size_t (*fn)(std::string_view, size_t)) {
      shapes_.push_back({name, std::make_unique<RE2>(pattern, o), fn});
    };
    add("phone", R"(\d[\d ().\-]{5,24}\d(?:[ ]?(?:x|ext\.?|#)[ ]?\d{1,6})?)", PhoneEnd);
    add("card", R"(\d(?:[ \-]?\d){11,18})", CardEnd);
    add("ssn", R"(\d{3}[ \-]?\d{2}[ \-]?\d{4})", SsnEnd);
    add("ipv4", R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})", Ipv4End);
    add("geo", R"(-?\d{1,2}\.\d{3,10}\s?,\s?-?\d{1,3}\.\d{3,10})", GeoEnd);
    add("iban", R"([A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30})", IbanEnd);
    not_phone_ = std::make_unique<RE2>(
        R"(\d{3}-\d{2}-\d{4}|\d{4}[\-/.]\d{1,2}[\-/.]\d{1,2}.*|\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|.*(?:  |\.\.|--|\(\(|\)\)).*)",
        o);
  }

  // "" if every matcher agrees with its regex at `s`; otherwise what differs.
  std::string Compare(std::string_view text, size_t s) const {
    for (const Shape& shape : shapes_) {
      re2::StringPiece m;
      size_t want = shape.re->Match(re2::StringPiece(text.data(), text.size()), s, text.size(),
                                    RE2::ANCHOR_START, &m, 1)
                        ? s + m.size()
                        : 0;
      if (want == s) want = 0;  // no pattern matches empty
      size_t got = shape.fn(text, s);
      if (got != want) {
        return std::string(shape.name) + " at " + std::to_string(s) + ": regex " + std::to_string(want) +
               ", matcher " + std::to_string(got);
      }
    }
    // The regex's '.' stops at a line break; phone candidates never hold one.
    std::string_view rest = text.substr(s);
    if (rest.find('\n') != std::string_view::npos) return "";
    bool want = RE2::FullMatch(re2::StringPiece(rest.data(), rest.size()), *not_phone_);
    if (NotPhoneShape(rest) != want) return "not-phone at " + std::to_string(s);
    return "";
  }

 private:
  struct Shape {
    const char* name;
    std::unique_ptr<RE2> re;
    size_t (*fn)(std::string_view, size_t);
  };
  std::vector<Shape> shapes_;
  std::unique_ptr<RE2> not_phone_;
};

}  // namespace domicile::scan::internal

#endif  // DOMICILE_SCAN_INTERNAL_SHAPES_CHECK_H_
