#include "server/http.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace domicile::server {
namespace {

TEST(HttpTest, HeadersAreCaseInsensitiveAndListsJoin) {
  HttpRequest r;
  r.headers = {{"X-Forwarded-For", "1.1.1.1"}, {"host", "h"}, {"x-forwarded-for", "2.2.2.2"}};
  EXPECT_EQ(r.Header("HOST"), "h");
  EXPECT_EQ(r.Header("x-forwarded-for"), "1.1.1.1");
  EXPECT_EQ(r.HeaderList("X-FORWARDED-FOR"), "1.1.1.1,2.2.2.2");
  EXPECT_EQ(r.HeaderCount("x-forwarded-for"), 2u);
  EXPECT_EQ(r.Header("absent"), "");
}

TEST(HttpTest, QueryParams) {
  HttpRequest r;
  r.query = "fields=phone%2Cemail&x=&flag";
  EXPECT_EQ(r.QueryParam("fields"), "phone,email");
  EXPECT_EQ(r.QueryParam("x"), "");
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_FALSE(r.QueryParam("missing").has_value());
  r.query = "fields=%zz";
  EXPECT_FALSE(r.QueryParam("fields").has_value());
}

TEST(HttpTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%2F"), "a b/");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_FALSE(PercentDecode("%").has_value());
  EXPECT_FALSE(PercentDecode("%4").has_value());
  EXPECT_FALSE(PercentDecode("%g0").has_value());
}

TEST(HttpTest, ErrorsAreJsonWithMatchingStatus) {
  HttpResponse r = HttpResponse::FromStatus(UnauthenticatedError("token expired"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["status"], 401);
  EXPECT_EQ(body["error"]["code"], "UNAUTHENTICATED");
  EXPECT_EQ(body["error"]["message"], "token expired");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(HttpResponse::FromStatus(PermissionDeniedError("no")).status, 403);
  EXPECT_EQ(HttpResponse::FromStatus(ResourceExhaustedError("slow down")).status, 429);
  EXPECT_EQ(HttpResponse::FromStatus(UnavailableError("log down")).status, 503);
  EXPECT_EQ(HttpResponse::FromStatus(Status::Ok()).status, 500);
  // Invalid UTF-8 in a message never breaks the JSON body.
  EXPECT_NO_THROW(nlohmann::json::parse(HttpResponse::Error(400, "X", "\xff\xfe").body));
}

}  // namespace
}  // namespace domicile::server
