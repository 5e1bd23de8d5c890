#include "server/router.h"

#include <gtest/gtest.h>

namespace domicile::server {
namespace {

HttpResponse Echo(const HttpRequest& r) {
  std::string body;
  for (const auto& [k, v] : r.params) body += k + "=" + v + ";";
  return HttpResponse::Json(200, body);
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/v1/subjects/{id}/{collection}", Echo);
    router_.Add("PUT", "/v1/subjects/{id}", Echo);
    router_.Add("DELETE", "/v1/subjects/{id}", Echo);
    router_.Add("GET", "/log/tile/{path...}", Echo);
    router_.Add("GET", "/healthz", Echo);
  }
  HttpResponse Call(std::string_view method, std::string_view path, std::string* route = nullptr) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    std::string ignored;
    return router_.Dispatch(r, route != nullptr ? route : &ignored);
  }
  Router router_;
};

TEST_F(RouterTest, MatchesParamsAndDecodes) {
  std::string route;
  HttpResponse r = Call("GET", "/v1/subjects/u%201/profile", &route);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "collection=profile;id=u 1;");
  EXPECT_EQ(route, "/v1/subjects/{id}/{collection}");
  EXPECT_EQ(Call("GET", "/log/tile/0/x001/234.p/5").body, "path=0/x001/234.p/5;");
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

TEST_F(RouterTest, NotFoundAndMethodNotAllowed) {
  std::string route;
  EXPECT_EQ(Call("GET", "/v1/subjects/u1/profile/extra", &route).status, 404);
  EXPECT_EQ(route, "unmatched");
  EXPECT_EQ(Call("GET", "/v1/subjects//profile").status, 404);
  EXPECT_EQ(Call("GET", "/healthz/").status, 404);
  HttpResponse r = Call("POST", "/v1/subjects/u1");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "PUT, DELETE");
}

TEST_F(RouterTest, BadTargetsAre400) {
  EXPECT_EQ(Call("GET", "/v1/subjects/%zz/profile").status, 400);
  EXPECT_EQ(Call("GET", "/v1/subjects/a%2Fb/profile").status, 400);  // no '/' smuggled into an id
  EXPECT_EQ(Call("GET", "/v1/subjects/a%00b/profile").status, 400);
  EXPECT_EQ(Call("GET", "*").status, 400);
  EXPECT_EQ(Call("GET", "").status, 400);
}

}  // namespace
}  // namespace domicile::server
