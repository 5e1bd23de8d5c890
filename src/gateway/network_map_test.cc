#include "gateway/network_map.h"

#include <gtest/gtest.h>

namespace domicile::gateway {
namespace {

IpAddress Ip(std::string_view text) {
  auto ip = IpAddress::Parse(text);
  EXPECT_TRUE(ip.ok()) << text;
  return ip.value_or(IpAddress());
}

TEST(IpAddressTest, ParsesAndFormatsCanonically) {
  EXPECT_EQ(Ip("127.0.1.9").ToString(), "127.0.1.9");
  EXPECT_EQ(Ip("2001:0db8:0:0::1").ToString(), "2001:db8::1");
  EXPECT_FALSE(Ip("2001:db8::1").is_v4());
}

TEST(IpAddressTest, V4MappedV6BecomesV4) {
  IpAddress a = Ip("::ffff:127.0.1.5");
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a, Ip("127.0.1.5"));
}

TEST(IpAddressTest, RejectsMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4x", "fe80::1%eth0", "[::1]", "::g",
                          " 1.2.3.4", "1.2.3.4 "}) {
    EXPECT_FALSE(IpAddress::Parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(IpAddress::Parse(std::string(100, '1')).ok());
}

TEST(IpPrefixTest, ParsesAndRejects) {
  auto p = IpPrefix::Parse("10.1.0.0/16");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->Contains(Ip("10.1.255.3")));
  EXPECT_FALSE(p->Contains(Ip("10.2.0.0")));
  EXPECT_FALSE(p->Contains(Ip("::1")));
  EXPECT_TRUE(IpPrefix::Parse("0.0.0.0/0").ok());
  EXPECT_TRUE(IpPrefix::Parse("2001:db8::/32").ok());
  for (const char* bad : {"10.1.0.0/33", "10.1.0.0/", "10.1.0.0/08", "10.1.0.1/16", "10.1.0.0/1a",
                          "2001:db8::/129", "::ffff:10.0.0.0/104", "/8"}) {
    EXPECT_FALSE(IpPrefix::Parse(bad).ok()) << bad;
  }
}

TEST(NetworkMapTest, LongestPrefixWins) {
  auto map = NetworkMap::ParseText(
      "# demo\n"
      "127.0.0.0/8   US\n"
      "127.0.1.0/24  SG   # engineers abroad\n"
      "127.0.1.128/25 DE\n"
      "2001:db8::/32 FR\n"
      "2001:db8:1::/48 EU\n");
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->size(), 5u);
  EXPECT_EQ(map->CountryOf(Ip("127.0.0.7")), "US");
  EXPECT_EQ(map->CountryOf(Ip("127.0.1.7")), "SG");
  EXPECT_EQ(map->CountryOf(Ip("127.0.1.200")), "DE");
  EXPECT_EQ(map->CountryOf(Ip("127.9.9.9")), "US");
  EXPECT_EQ(map->CountryOf(Ip("2001:db8:1::5")), "EU");
  EXPECT_EQ(map->CountryOf(Ip("2001:db8:2::5")), "FR");
  EXPECT_EQ(map->CountryOf(Ip("10.0.0.1")), kUnknownCountry);
  EXPECT_EQ(map->CountryOf(Ip("::ffff:127.0.1.7")), "SG");
}

TEST(NetworkMapTest, BadTextIsRejectedWithLineNumber) {
  auto dup = NetworkMap::ParseText("10.0.0.0/8 US\n10.0.0.0/8 SG\n");
  EXPECT_FALSE(dup.ok());
  auto bad_country = NetworkMap::ParseText("10.0.0.0/8 us\n");
  EXPECT_FALSE(bad_country.ok());
  auto no_country = NetworkMap::ParseText("\n\n10.0.0.0/8\n");
  ASSERT_FALSE(no_country.ok());
  EXPECT_NE(no_country.status().message().find("line 3"), std::string::npos);
  EXPECT_EQ(NetworkMap::ParseText("1.0.0.0/8 US\n2.0.0.0/8 US\n", 1).status().code(),
            StatusCode::kResourceExhausted);
}

class ForwardedForTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(proxies_.Add(*IpPrefix::Parse("10.0.0.0/24"), "PROXY").ok());
  }
  NetworkMap proxies_;
};

TEST_F(ForwardedForTest, IgnoredFromUntrustedPeer) {
  auto client = ResolveClientAddress(Ip("127.0.1.5"), "127.0.0.1", proxies_);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(*client, Ip("127.0.1.5"));
  // Even a malformed header is ignored: it is not read at all.
  EXPECT_EQ(*ResolveClientAddress(Ip("127.0.1.5"), "garbage", proxies_), Ip("127.0.1.5"));
}

TEST_F(ForwardedForTest, TakesRightMostUntrustedFromTrustedProxy) {
  // The client could have put anything on the left; only the right-most untrusted hop counts.
  auto client = ResolveClientAddress(Ip("10.0.0.2"), "127.0.0.1, 127.0.1.5, 10.0.0.3", proxies_);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(*client, Ip("127.0.1.5"));
}

TEST_F(ForwardedForTest, NoHeaderMeansThePeer) {
  EXPECT_EQ(*ResolveClientAddress(Ip("10.0.0.2"), "", proxies_), Ip("10.0.0.2"));
}

TEST_F(ForwardedForTest, MalformedNeededHopFailsClosed) {
  EXPECT_FALSE(ResolveClientAddress(Ip("10.0.0.2"), "127.0.0.1, bogus", proxies_).ok());
  EXPECT_FALSE(ResolveClientAddress(Ip("10.0.0.2"), "127.0.0.1,,", proxies_).ok());
}

}  // namespace
}  // namespace domicile::gateway
