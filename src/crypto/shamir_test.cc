#include "crypto/shamir.h"

#include <gtest/gtest.h>

namespace domicile::crypto {
namespace {

TEST(ShamirTest, AnyKOfNReconstructs) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  auto shares = ShamirSplit(secret, 3, 5).value();
  ASSERT_EQ(shares.size(), 5u);
  for (int a = 0; a < 5; ++a) {
    for (int b = a + 1; b < 5; ++b) {
      for (int c = b + 1; c < 5; ++c) {
        EXPECT_EQ(ShamirCombine({shares[c], shares[a], shares[b]}).value(), secret);
      }
    }
  }
  EXPECT_EQ(ShamirCombine(shares).value(), secret);  // extra shares are fine
}

TEST(ShamirTest, FewerThanKRevealsNothingUseful) {
  const std::string secret(32, '\x42');
  auto shares = ShamirSplit(secret, 3, 5).value();
  EXPECT_EQ(ShamirCombine({shares[0], shares[1]}).status().code(), StatusCode::kInvalidArgument);
  // Two shares with a forged threshold interpolate a line: not the secret.
  Share a = shares[0], b = shares[1];
  a.threshold = b.threshold = 2;
  EXPECT_NE(ShamirCombine({a, b}).value(), secret);
}

TEST(ShamirTest, RejectsBadSets) {
  auto s1 = ShamirSplit("secret", 2, 3).value();
  auto s2 = ShamirSplit("secreT!", 2, 3).value();
  EXPECT_FALSE(ShamirCombine({s1[0], s1[0]}).ok());   // duplicate
  EXPECT_FALSE(ShamirCombine({s1[0], s2[1]}).ok());   // different splits
  EXPECT_FALSE(ShamirCombine({}).ok());
  EXPECT_FALSE(ShamirSplit("", 2, 3).ok());
  EXPECT_FALSE(ShamirSplit("x", 1, 3).ok());
  EXPECT_FALSE(ShamirSplit("x", 4, 3).ok());
  EXPECT_FALSE(ShamirSplit("x", 2, 256).ok());
}

TEST(ShamirTest, TextFormatRoundTripsAndCatchesTypos) {
  auto shares = ShamirSplit("root key bytes", 2, 3).value();
  const std::string text = FormatShare(shares[1]);
  EXPECT_EQ(text.substr(0, 9), "dss1-2-2-");
  Share back = ParseShare("  " + text + "\n").value();
  EXPECT_EQ(back.x, 2);
  EXPECT_EQ(back.y, shares[1].y);
  std::string typo = text;
  typo[10] = typo[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(ParseShare(typo).status().code(), StatusCode::kInvalidArgument);
  for (const char* bad : {"", "dss1", "dss1-2-2-zz-00000000", "dss2-2-2-00-00000000", "dss1-02-2-00-00000000",
                          "dss1-2-0-00-00000000", "dss1-2-2-00-00000000-1", "dss1-999-2-00-00000000"}) {
    EXPECT_FALSE(ParseShare(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace domicile::crypto
