#include "gateway/request_context.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cedar/cedar.h"

namespace domicile::gateway {
namespace {

class RequestContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    map_ = *NetworkMap::ParseText("127.0.0.0/24 US\n127.0.1.0/24 SG\n");
    ASSERT_TRUE(proxies_.Add(*IpPrefix::Parse("127.0.0.250/32"), "PROXY").ok());
  }
  RequestInputs Inputs(std::string_view peer) {
    RequestInputs in;
    in.request_id = "r1";
    in.time_unix_micros = 1'700'000'000'000'000;
    in.peer = *IpAddress::Parse(peer);
    return in;
  }
  NetworkMap map_, proxies_;
};

TEST_F(RequestContextTest, CountryComesFromThePeer) {
  auto in = Inputs("127.0.1.4");
  in.purpose_header = "fraud-investigation";
  in.justification_header = "Ticket T-1234: chargeback review";
  auto ctx = BuildRequestContext(in, {&map_, &proxies_});
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(ctx->source_country, "SG");
  EXPECT_EQ(ctx->source_ip.ToString(), "127.0.1.4");
  EXPECT_EQ(ctx->purpose, "fraud-investigation");
  EXPECT_EQ(ctx->justification, "Ticket T-1234: chargeback review");
}

TEST_F(RequestContextTest, SpoofedForwardedForChangesNothing) {
  auto in = Inputs("127.0.1.4");
  in.x_forwarded_for = "127.0.0.1";
  auto ctx = BuildRequestContext(in, {&map_, &proxies_});
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->source_country, "SG");
  EXPECT_EQ(ctx->source_ip.ToString(), "127.0.1.4");
}

TEST_F(RequestContextTest, TrustedProxyForwardsTheClient) {
  auto in = Inputs("127.0.0.250");
  in.x_forwarded_for = "127.0.1.9";
  auto ctx = BuildRequestContext(in, {&map_, &proxies_});
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->source_country, "SG");
}

TEST_F(RequestContextTest, UnmappedSourceIsUnknown) {
  auto ctx = BuildRequestContext(Inputs("10.1.2.3"), {&map_, nullptr});
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->source_country, kUnknownCountry);
  EXPECT_EQ(ctx->purpose, "");
}

TEST_F(RequestContextTest, BadHeadersAreInvalidArgument) {
  for (std::string_view purpose : {std::string_view("Fraud"), std::string_view("a b"), std::string_view("x\n"), std::string_view("\0", 1)}) {
    auto in = Inputs("127.0.0.1");
    in.purpose_header = purpose;
    EXPECT_EQ(BuildRequestContext(in, {&map_, nullptr}).status().code(), StatusCode::kInvalidArgument) << purpose;
  }
  const std::string long_purpose(65, 'a');
  auto in = Inputs("127.0.0.1");
  in.purpose_header = long_purpose;
  EXPECT_FALSE(BuildRequestContext(in, {&map_, nullptr}).ok());
  const std::string long_just(513, 'a');
  in = Inputs("127.0.0.1");
  in.justification_header = long_just;
  EXPECT_FALSE(BuildRequestContext(in, {&map_, nullptr}).ok());
  in.justification_header = "caf\xc3\xa9";
  EXPECT_FALSE(BuildRequestContext(in, {&map_, nullptr}).ok());
  in.justification_header = "tab\there";
  EXPECT_FALSE(BuildRequestContext(in, {&map_, nullptr}).ok());
  EXPECT_TRUE(ValidatePurpose(std::string(64, 'a')).ok());
  EXPECT_TRUE(ValidateJustification(std::string(512, '~')).ok());
}

TEST_F(RequestContextTest, CedarContextJson) {
  auto in = Inputs("127.0.0.1");
  in.purpose_header = "support";
  auto ctx = *BuildRequestContext(in, {&map_, nullptr});
  auto j = nlohmann::json::parse(ctx.ToCedarContextJson());
  EXPECT_EQ(j["source_ip"]["__extn"]["fn"], "ip");
  EXPECT_EQ(j["source_ip"]["__extn"]["arg"], "127.0.0.1");
  EXPECT_EQ(j["source_country"], "US");
  EXPECT_EQ(j["purpose"], "support");
  EXPECT_EQ(j["time"], 1'700'000'000);
}

TEST(CedarContextTest, CedarValueEqualsTheParsedJson) {
  for (const char* ip : {"127.0.0.5", "10.1.2.3", "0.0.0.0", "::1", "2001:db8::7", "::ffff:192.0.2.9", "fe80::1:2:3:4"}) {
    RequestContext c;
    c.request_id = "r";
    c.time_unix_micros = 1'700'000'123'999'999;
    c.source_ip = IpAddress::Parse(ip).value();
    c.source_country = "US";
    c.purpose = std::string(ip).size() % 2 ? "investigation" : "";
    c.justification = "T-1 \"quoted\" \\ ok";
    auto parsed = cedar::ParseContextJson(c.ToCedarContextJson(), nullptr, {"Domicile::Action", "read"});
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_TRUE(c.ToCedarContext() == *parsed) << ip << ": " << c.ToCedarContext().ToString() << " vs "
                                               << parsed->ToString();
  }
}

}  // namespace
}  // namespace domicile::gateway
