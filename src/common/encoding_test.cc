#include "common/encoding.h"

#include <gtest/gtest.h>

namespace domicile {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : cases) {
    EXPECT_EQ(Base64Encode(plain), enc);
    EXPECT_EQ(*Base64Decode(enc), plain);
  }
}

TEST(Base64Test, RejectsMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zg=").ok());     // length
  EXPECT_FALSE(Base64Decode("Zh==").ok());    // non-canonical trailing bits
  EXPECT_FALSE(Base64Decode("Z===").ok());    // too much padding
  EXPECT_FALSE(Base64Decode("Zm9v!A==").ok()); // bad character
  EXPECT_FALSE(Base64Decode("Zg==Zg==").ok()); // padding in the middle
  EXPECT_FALSE(Base64Decode("-_8=").ok());     // url alphabet in std decoder
}

TEST(Base64Test, UrlAlphabetUnpadded) {
  std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(*Base64UrlDecode("-_-_"), bytes);
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(*Base64UrlDecode("Zg"), "f");
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok());
  EXPECT_FALSE(Base64UrlDecode("Z").ok());
  EXPECT_FALSE(Base64UrlDecode("+/").ok());
}

TEST(Base64Test, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(char(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    std::string s = all.substr(0, n);
    EXPECT_EQ(*Base64Decode(Base64Encode(s)), s);
    EXPECT_EQ(*Base64UrlDecode(Base64UrlEncode(s)), s);
  }
}

TEST(HexTest, EncodesAndDecodes) {
  EXPECT_EQ(HexEncode(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(*HexDecode("00ABff"), std::string("\x00\xab\xff", 3));
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

}  // namespace
}  // namespace domicile
