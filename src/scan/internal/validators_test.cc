#include "scan/internal/validators.h"

#include <gtest/gtest.h>

namespace domicile::scan::internal {
namespace {

TEST(ValidatorsTest, Luhn) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("41x1"));
}

TEST(ValidatorsTest, CreditCardNeedsLuhnIssuerAndConsistentSeparators) {
  EXPECT_TRUE(CreditCardValid("4111 1111 1111 1111"));
  EXPECT_TRUE(CreditCardValid("4111-1111-1111-1111"));
  EXPECT_TRUE(CreditCardValid("378282246310005"));
  EXPECT_FALSE(CreditCardValid("4111-1111 1111-1111"));
  EXPECT_FALSE(CreditCardValid("4111111111111112"));  // Luhn fails
  EXPECT_FALSE(CreditCardValid("9111111111111119"));  // no such issuer
  EXPECT_FALSE(CreditCardValid("41111111111"));       // too short
}

TEST(ValidatorsTest, Imei) {
  EXPECT_TRUE(ImeiValid("490154203237518"));
  EXPECT_TRUE(ImeiValid("49-015420-323751-8"));
  EXPECT_FALSE(ImeiValid("490154203237519"));
}

TEST(ValidatorsTest, SsnRanges) {
  EXPECT_TRUE(UsSsnValid("536-22-1234"));
  EXPECT_TRUE(UsSsnValid("846-15-5715"));  // randomised issuance since 2011
  EXPECT_FALSE(UsSsnValid("000-12-3456"));
  EXPECT_FALSE(UsSsnValid("666-12-3456"));
  EXPECT_FALSE(UsSsnValid("912-12-3456"));
  EXPECT_FALSE(UsSsnValid("536-00-1234"));
  EXPECT_FALSE(UsSsnValid("536-22-0000"));
  EXPECT_FALSE(UsSsnValid("078-05-1120"));
  EXPECT_FALSE(UsSsnValid("536-22 1234"));
}

TEST(ValidatorsTest, IpAddresses) {
  EXPECT_TRUE(Ipv4Valid("192.168.0.1"));
  EXPECT_FALSE(Ipv4Valid("256.1.1.1"));
  EXPECT_FALSE(Ipv4Valid("01.2.3.4"));
  EXPECT_FALSE(Ipv4Valid("1.2.3"));
  EXPECT_TRUE(Ipv6Valid("6e40:4041:c617:e898:c11:40d2:c669:2eb4"));
  EXPECT_TRUE(Ipv6Valid("fe80::1"));
  EXPECT_FALSE(Ipv6Valid("12:20:39"));
  EXPECT_FALSE(Ipv6Valid("1:2:3:4:5:6:7:8:9"));
}

TEST(ValidatorsTest, Iban) {
  EXPECT_TRUE(IbanValid("GB82WEST12345698765432"));
  EXPECT_TRUE(IbanValid("gb82 west 1234 5698 7654 32"));
  EXPECT_TRUE(IbanValid("DE89370400440532013000"));
  EXPECT_FALSE(IbanValid("GB82WEST12345698765433"));  // checksum
  EXPECT_FALSE(IbanValid("GB82WEST1234569876543"));   // length for GB
  EXPECT_FALSE(IbanValid("ZZ82WEST12345698765432"));  // no such country
}

TEST(ValidatorsTest, Mac) {
  EXPECT_TRUE(MacValid("00:1A:2b:3C:4D:5E"));
  EXPECT_TRUE(MacValid("00-1A-2B-3C-4D-5E"));
  EXPECT_TRUE(MacValid("001a.2b3c.4d5e"));
  EXPECT_FALSE(MacValid("00:1A-2B:3C:4D:5E"));
  EXPECT_FALSE(MacValid("ff:ff:ff:ff:ff:ff"));
}

TEST(ValidatorsTest, Geo) {
  EXPECT_TRUE(GeoPairValid("52.5200, 13.4050"));
  EXPECT_TRUE(GeoPairValid("-33.8688,151.2093"));
  EXPECT_FALSE(GeoPairValid("95.1234, 13.4050"));
  EXPECT_FALSE(GeoPairValid("52.52, 13.40"));  // too imprecise to locate anyone
}

TEST(ValidatorsTest, Dates) {
  EXPECT_TRUE(DateValid("1990-05-17"));
  EXPECT_TRUE(DateValid("17/05/1990"));
  EXPECT_TRUE(DateValid("05/17/1990"));
  EXPECT_TRUE(DateValid("March 3rd, 1990"));
  EXPECT_TRUE(DateValid("3 Mar 1990"));
  EXPECT_FALSE(DateValid("1990-13-01"));
  EXPECT_FALSE(DateValid("1990-02-30"));
  EXPECT_FALSE(DateValid("1850-01-01"));
}

TEST(ValidatorsTest, Uuid) {
  EXPECT_TRUE(UuidValid("6D92078A-8246-4BA4-AE5B-76104861E7DC"));
  EXPECT_FALSE(UuidValid("00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(UuidValid("6D92078A-8246-4BA4-AE5B-76104861E7D"));
}

}  // namespace
}  // namespace domicile::scan::internal
