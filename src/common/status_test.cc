#include "common/status.h"

#include <gtest/gtest.h>

namespace domicile {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST(StatusTest, OkAndErrorsCarryCodeAndMessage) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  Status s = PermissionDeniedError("no");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.ToString(), "PERMISSION_DENIED: no");
  EXPECT_EQ(s.Annotate("read").message(), "read: no");
  EXPECT_TRUE(Status::Ok().Annotate("x").ok());
}

TEST(StatusTest, ResultPropagatesThroughMacros) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).message(), "odd");
  EXPECT_EQ(Half(3).value_or(-1), -1);
}

TEST(StatusTest, ResultFromOkStatusBecomesInternalInRelease) {
#ifdef NDEBUG
  Result<int> r{Status::Ok()};
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
#else
  GTEST_SKIP() << "asserts in debug builds";
#endif
}

}  // namespace
}  // namespace domicile
