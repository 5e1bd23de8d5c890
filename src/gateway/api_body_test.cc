#include "gateway/api_body.h"

#include <gtest/gtest.h>

namespace domicile::gateway {
namespace {

TEST(SubjectWriteTest, ParsesCollectionsAndFields) {
  auto w = ParseSubjectWrite(
      R"({"home":"US","data":{"profile":{"phone":"+14155550132","birth_date":"1987-04-12"},"videos":{"caption":["a","b"]}}})");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->home, "US");
  EXPECT_EQ(w->data["profile"]["phone"], "+14155550132");
  EXPECT_EQ(w->data["videos"]["caption"].size(), 2u);
}

TEST(SubjectWriteTest, RejectsBadBodies) {
  for (const char* bad : {
           "", "null", "[]", "{", R"({"home":"US"})", R"({"home":"us","data":{"p":{"f":1}}})",
           R"({"home":"US","data":{}})", R"({"home":"US","data":{"p":{}}})", R"({"home":"US","data":{"p":[1]}})",
           R"({"home":"US","data":{"P":{"f":1}}})", R"({"home":"US","data":{"p":{"f.g":1}}})",
           R"({"home":"US","data":{"p":{"f":null}}})", R"({"home":"US","data":{"p":{"f":1}},"extra":1})",
           R"({"home":"US","data":{"p":{"f":[[[[[[[[[[1]]]]]]]]]]}}})",
       }) {
    EXPECT_EQ(ParseSubjectWrite(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  // Deep nesting is refused before the recursive parser sees it.
  EXPECT_FALSE(ParseSubjectWrite(std::string(100000, '[')).ok());
  BodyLimits small;
  small.max_fields = 1;
  EXPECT_FALSE(ParseSubjectWrite(R"({"home":"US","data":{"p":{"a":1,"b":2}}})", small).ok());
  small = {};
  small.max_value_bytes = 4;
  EXPECT_FALSE(ParseSubjectWrite(R"({"home":"US","data":{"p":{"a":"longer"}}})", small).ok());
}

TEST(FieldListTest, ParsesAndRejects) {
  EXPECT_EQ(*ParseFieldList("phone,email"), (std::vector<std::string>{"phone", "email"}));
  EXPECT_TRUE(ParseFieldList("")->empty());
  for (const char* bad : {"phone,", ",phone", "phone,,email", "phone,phone", "Phone", "a b"}) {
    EXPECT_FALSE(ParseFieldList(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseFieldList("a,b,c", 2).ok());
}

}  // namespace
}  // namespace domicile::gateway
