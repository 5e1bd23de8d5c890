#include "gateway/directory.h"

#include <gtest/gtest.h>

namespace domicile::gateway {
namespace {

constexpr char kEntities[] = R"([
  {"uid": {"type": "Domicile::Group", "id": "tns"}, "attrs": {}, "parents": []},
  {"uid": {"type": "Domicile::Employee", "id": "ana"},
   "attrs": {"employer": {"__entity": {"type": "Domicile::Employer", "id": "acme-us"}},
             "work_country": "US", "clearance": 3},
   "parents": [{"type": "Domicile::Group", "id": "tns"}]},
  {"uid": {"type": "Domicile::Service", "id": "ingest"}, "attrs": {"employer": {"type": "Domicile::Employer", "id": "acme-us"}}}
])";

TEST(DirectoryTest, FindsPrincipalsWithAttributes) {
  auto dir = Directory::Parse(kEntities);
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(dir->size(), 2u);
  auto ana = dir->Find("ana");
  ASSERT_TRUE(ana.ok());
  EXPECT_EQ(ana->uid.ToCedar(), "Domicile::Employee::\"ana\"");
  EXPECT_EQ(ana->work_country, "US");
  EXPECT_EQ(ana->clearance, 3);
  ASSERT_TRUE(ana->employer.has_value());
  EXPECT_EQ(ana->employer->id, "acme-us");
  ASSERT_EQ(ana->groups.size(), 1u);
  EXPECT_EQ(ana->groups[0].id, "tns");
  auto ingest = dir->Find("ingest");
  ASSERT_TRUE(ingest.ok());
  EXPECT_EQ(ingest->uid.type, "Domicile::Service");
  EXPECT_EQ(ingest->employer->id, "acme-us");
}

TEST(DirectoryTest, GroupsAreNotPrincipalsAndUnknownIsNotFound) {
  auto dir = Directory::Parse(kEntities);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->Find("tns").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(dir->Find("nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(dir->raw_json(), kEntities);
}

TEST(DirectoryTest, RejectsMalformed) {
  for (const char* bad : {
           "", "{}", "[1]", R"([{"attrs":{}}])", R"([{"uid":{"type":"Domicile::Employee"}}])",
           R"([{"uid":{"type":"Domicile::Employee","id":"a"},"attrs":{"clearance":"high"}}])",
           R"([{"uid":{"type":"Domicile::Employee","id":"a"},"attrs":{"work_country":7}}])",
           R"([{"uid":{"type":"Domicile::Employee","id":"a"},"parents":{}}])",
           R"([{"uid":{"type":"Domicile::Employee","id":"a"}},{"uid":{"type":"Domicile::Employee","id":"a"}}])",
           R"([{"uid":{"type":"Domicile::Employee","id":"a"}},{"uid":{"type":"Domicile::Service","id":"a"}}])",
       }) {
    EXPECT_FALSE(Directory::Parse(bad).ok()) << bad;
  }
}

TEST(EntityUidTest, EscapesQuotes) {
  EXPECT_EQ((EntityUid{"T", "a\"b\\c"}).ToCedar(), R"(T::"a\"b\\c")");
}

}  // namespace
}  // namespace domicile::gateway
