#include "gateway/masking.h"

#include <gtest/gtest.h>

namespace domicile::gateway {
namespace {

using nlohmann::json;

json Mask(MaskKind kind, const json& value) {
  auto r = MaskValue(kind, value);
  EXPECT_TRUE(r.ok()) << value.dump() << ": " << r.status().ToString();
  return r.value_or(json());
}

TEST(MaskTest, LastFourDigits) {
  EXPECT_EQ(Mask(MaskKind::kLastFour, "+1 415-555-0132"), "+* ***-***-0132");
  EXPECT_EQ(Mask(MaskKind::kLastFour, "4111 1111 1111 1234"), "**** **** **** 1234");
  EXPECT_EQ(Mask(MaskKind::kLastFour, 4155550132), "******0132");
  EXPECT_EQ(Mask(MaskKind::kLastFour, "12345"), "***");  // too short to keep four
  EXPECT_FALSE(MaskValue(MaskKind::kLastFour, json::array()).ok());
}

TEST(MaskTest, YearOfBirth) {
  EXPECT_EQ(Mask(MaskKind::kYear, "1987-04-12"), "1987");
  EXPECT_EQ(Mask(MaskKind::kYear, "1987"), "1987");
  EXPECT_FALSE(MaskValue(MaskKind::kYear, "12/04/1987").ok());
  EXPECT_FALSE(MaskValue(MaskKind::kYear, 1987).ok());
}

TEST(MaskTest, CityLevelCoordinates) {
  EXPECT_EQ(Mask(MaskKind::kCoordinates, json::array({37.77493, -122.41942})), json::array({37.8, -122.4}));
  EXPECT_EQ(Mask(MaskKind::kCoordinates, json{{"lat", 1.3521}, {"lon", 103.8198}}),
            (json{{"lat", 1.4}, {"lon", 103.8}}));
  EXPECT_EQ(Mask(MaskKind::kCoordinates, "37.77493,-122.41942"), "37.8,-122.4");
  EXPECT_FALSE(MaskValue(MaskKind::kCoordinates, json::array({91.0, 0.0})).ok());
  EXPECT_FALSE(MaskValue(MaskKind::kCoordinates, "37.7,-122.4;rm").ok());
  EXPECT_FALSE(MaskValue(MaskKind::kCoordinates, "nan,1").ok());
}

TEST(MaskTest, EmailHidesLocalPart) {
  EXPECT_EQ(Mask(MaskKind::kEmail, "alice.smith@example.com"), "***@example.com");
  EXPECT_FALSE(MaskValue(MaskKind::kEmail, "no-at-sign").ok());
  EXPECT_FALSE(MaskValue(MaskKind::kEmail, "@example.com").ok());
}

TEST(MaskTest, InitialKeepsFirstCharacter) {
  EXPECT_EQ(Mask(MaskKind::kInitial, "Alice"), "A.");
  EXPECT_EQ(Mask(MaskKind::kInitial, "\xc3\x89lodie"), "\xc3\x89.");  // whole UTF-8 character
  EXPECT_FALSE(MaskValue(MaskKind::kInitial, "").ok());
}

TEST(MaskTest, RedactKeepsNothing) { EXPECT_EQ(Mask(MaskKind::kRedact, "secret"), "***"); }

TEST(MaskTest, KindNames) {
  EXPECT_EQ(MaskKindFromName("last4"), MaskKind::kLastFour);
  EXPECT_FALSE(MaskKindFromName("LAST4").has_value());
}

TEST(ViewTest, NamesActionsAndOrder) {
  EXPECT_EQ(ViewName(View::kMasked), "masked");
  EXPECT_EQ(ViewFromName("pseudonym"), View::kPseudonym);
  EXPECT_FALSE(ViewFromName("all").has_value());
  EXPECT_EQ(ViewAction(View::kPlain), "read");
  EXPECT_EQ(ViewAction(View::kMasked), "read-masked");
  EXPECT_EQ(ViewAction(View::kPseudonym), "read-pseudonym");
  EXPECT_LT(View::kPseudonym, View::kMasked);
  EXPECT_LT(View::kMasked, View::kPlain);
}

TEST(PseudonymTest, StablePerKeyAndField) {
  const std::string key(32, 'k');
  const std::string other_key(32, 'o');
  auto a = Pseudonymize(key, "profile.phone", "+14155550132");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 43u);  // 32 bytes, base64url unpadded
  EXPECT_EQ(*a, *Pseudonymize(key, "profile.phone", "+14155550132"));
  EXPECT_NE(*a, *Pseudonymize(key, "profile.email", "+14155550132"));
  EXPECT_NE(*a, *Pseudonymize(other_key, "profile.phone", "+14155550132"));
  EXPECT_NE(*a, *Pseudonymize(key, "profile.phone", "+14155550133"));
  // The string "1" and the number 1 are different values.
  EXPECT_NE(*Pseudonymize(key, "f", "1"), *Pseudonymize(key, "f", 1));
  EXPECT_EQ(Pseudonymize(std::string(31, 'k'), "f", 1).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(*SubjectPseudonym(key, "u1"), *SubjectPseudonym(key, "u2"));
}

// Known answers (openssl dgst -sha256 -mac HMAC over "domicile/pseudonym/v1" 0 field 0
// json): pseudonyms already in audit logs must keep their bytes.
TEST(PseudonymTest, KnownAnswers) {
  const std::string key(32, 'k');
  EXPECT_EQ(Pseudonymize(key, "profile.phone", "+14155550132").value_or(""),
            "GcRxqf0RTd6D2g09MXNtRVQZfo-TUkPqJNfgMnFUeSI");
  EXPECT_EQ(SubjectPseudonym(key, "u1").value_or(""), "-jlRkc8rak1y-9kRFPwPJoFFHI3hXLHwMAqLTN_RxrY");
}

}  // namespace
}  // namespace domicile::gateway
