#include "scan/internal/shapes.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "scan/internal/shapes_check.h"

namespace domicile::scan::internal {
namespace {

TEST(ShapesTest, Examples) {
  EXPECT_EQ(PhoneEnd("+44 20 7946 0958 today", 1), 16u);
  EXPECT_EQ(PhoneEnd("212) 555-0123 x12 ok", 0), 17u);
  EXPECT_EQ(PhoneEnd("123 45", 0), 0u);
  EXPECT_EQ(CardEnd("4111 1111 1111 1111.", 0), 19u);
  EXPECT_EQ(CardEnd("4111-1111 1111 1", 0), 16u);  // mixed separators: the validator rejects them
  EXPECT_EQ(SsnEnd("536-22-1234", 0), 11u);
  EXPECT_EQ(Ipv4End("10.1.2.3:443", 0), 8u);
  EXPECT_EQ(Ipv4End("1234.1.2.3", 0), 0u);
  EXPECT_EQ(GeoEnd("-33.8688, 151.2093 x", 0), 18u);
  EXPECT_EQ(IbanEnd("GB82 WEST 1234 5698 7654 32 paid", 0), 32u);  // trims later by country length
  EXPECT_TRUE(NotPhoneShape("2023-12-21"));
  EXPECT_TRUE(NotPhoneShape("536-22-1234"));
  EXPECT_FALSE(NotPhoneShape("(212) 555-0123"));
}

// Every matcher agrees with its regular expression (leftmost-first, anchored) at
// every position of random strings over the bytes these shapes are made of.
TEST(ShapesTest, MatchersAgreeWithTheirRegexes) {
  ShapesCheck check;
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789012345678901234567890123456789 .-()/,x#etAZaz\t\n+:";
  for (int round = 0; round < 20000; ++round) {
    std::string text(1 + rng() % 40, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    for (size_t s = 0; s < text.size(); ++s) {
      std::string diff = check.Compare(text, s);
      ASSERT_EQ(diff, "") << "text: \"" << text << "\"";
    }
  }
}

TEST(ShapesTest, ExactlyAtTheEndOfTheBuffer) {
  ShapesCheck check;
  for (std::string_view text : {"1", "12", "123-45-678", "1.2.3.", "12.345,", "DE89", "1/2/", "555 0123 ext"}) {
    for (size_t s = 0; s < text.size(); ++s) EXPECT_EQ(check.Compare(text, s), "") << text;
  }
}

}  // namespace
}  // namespace domicile::scan::internal
