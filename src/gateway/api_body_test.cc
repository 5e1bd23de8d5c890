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

TEST(LookupRequestTest, ParsesAndRejects) {
  auto r = ParseLookupRequest(R"({"collection":"profile","field":"email","value":"a@example.org"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->field, "email");
  EXPECT_EQ(r->value, "a@example.org");
  for (const char* bad : {"", "null", "[]", "{}", R"({"collection":"profile","field":"email"})",
                          R"({"collection":"profile","field":"email","value":""})",
                          R"({"collection":"profile","field":"email","value":1})",
                          R"({"collection":"profile","field":"email","value":["a"]})",
                          R"({"collection":"Profile","field":"email","value":"a"})",
                          R"({"collection":"profile","field":"email","value":"a","extra":true})"}) {
    auto bad_result = ParseLookupRequest(bad);
    EXPECT_EQ(bad_result.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(bad_result.status().message().find("a@"), std::string::npos) << "no value echoed";
  }
  EXPECT_FALSE(ParseLookupRequest(R"({"collection":"p","field":"f","value":")" + std::string(1025, 'x') + "\"}").ok());
}

TEST(ExportRequestTest, ParsesAndRejects) {
  auto r = ParseExportRequest(R"({"collection":"videos"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->limit, 100u);
  EXPECT_TRUE(r->fields.empty() && r->home.empty() && r->cursor.empty());
  r = ParseExportRequest(R"({"collection":"profile","fields":["phone","email"],"home":"US","limit":1000,"cursor":"u9"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fields, (std::vector<std::string>{"phone", "email"}));
  EXPECT_EQ(r->limit, 1000u);
  EXPECT_EQ(r->cursor, "u9");
  for (const char* bad : {"", "{}", R"({"collection":"p","limit":0})", R"({"collection":"p","limit":1001})",
                          R"({"collection":"p","limit":-1})", R"({"collection":"p","limit":1.5})",
                          R"({"collection":"p","limit":"10"})", R"({"collection":"p","fields":"a"})",
                          R"({"collection":"p","fields":["a","a"]})", R"({"collection":"p","fields":[1]})",
                          R"({"collection":"p","home":"us"})", R"({"collection":"p","cursor":7})",
                          R"({"collection":"p","fields":[["a"]]})", R"({"collection":"p","other":1})"}) {
    EXPECT_EQ(ParseExportRequest(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace domicile::gateway
