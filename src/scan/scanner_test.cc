#include "scan/scanner.h"

#include <gtest/gtest.h>

#include <string>

#include "scan/source.h"

namespace domicile::scan {
namespace {

std::unique_ptr<Scanner> MakeScanner() {
  auto s = Scanner::Create();
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

// "ENTITY:value" for each finding, to make expectations readable.
std::vector<std::string> Found(const Scanner& s, std::string_view text) {
  std::vector<std::string> out;
  for (const Finding& f : s.Scan(text)) {
    out.push_back(std::string(EntityName(f.entity)) + ":" +
                  std::string(text.substr(f.offset, f.length)));
  }
  return out;
}

TEST(ScannerTest, FindsEachEntity) {
  auto s = MakeScanner();
  using V = std::vector<std::string>;
  EXPECT_EQ(Found(*s, "mail jane.doe@example.co.uk now"), V{"EMAIL_ADDRESS:jane.doe@example.co.uk"});
  EXPECT_EQ(Found(*s, "card 4111 1111 1111 1111."), V{"CREDIT_CARD:4111 1111 1111 1111"});
  EXPECT_EQ(Found(*s, "ssn: 536-22-1234"), V{"US_SSN:536-22-1234"});
  EXPECT_EQ(Found(*s, "from 10.1.2.3:443"), V{"IP_ADDRESS:10.1.2.3"});
  EXPECT_EQ(Found(*s, "iban GB82 WEST 1234 5698 7654 32 paid"), V{"IBAN_CODE:GB82 WEST 1234 5698 7654 32"});
  EXPECT_EQ(Found(*s, "wlan0 hwaddr 00:1a:2b:3c:4d:5e up"), V{"MAC_ADDRESS:00:1a:2b:3c:4d:5e"});
  EXPECT_EQ(Found(*s, "location: 52.52001, 13.40495"), V{"GEO_COORDINATE:52.52001, 13.40495"});
  EXPECT_EQ(Found(*s, "IMEI 490154203237518"), V{"IMEI:490154203237518"});
  EXPECT_EQ(Found(*s, "idfa=6D92078A-8246-4BA4-AE5B-76104861E7DC"),
            V{"ADVERTISING_ID:6D92078A-8246-4BA4-AE5B-76104861E7DC"});
  EXPECT_EQ(Found(*s, "Date of birth: 17/05/1990"), V{"DATE_OF_BIRTH:17/05/1990"});
  EXPECT_EQ(Found(*s, "call me at +44 20 7946 0958 today"), V{"PHONE_NUMBER:+44 20 7946 0958"});
}

// Rules share candidate patterns (docs/scan.md); each text holds one shape
// alone, so only the shared pattern can open the window that finds it.
TEST(ScannerTest, SharedCandidatePatternsCoverEveryShape) {
  auto s = MakeScanner();
  using V = std::vector<std::string>;
  EXPECT_EQ(Found(*s, "peer 2001:db8:0:0:1:0:0:1"), V{"IP_ADDRESS:2001:db8:0:0:1:0:0:1"});
  EXPECT_EQ(Found(*s, "peer ::ffff:c000:280 up"), V{"IP_ADDRESS:::ffff:c000:280"});
  EXPECT_EQ(Found(*s, "hw 3C-22-FB-12-9A-01"), V{"MAC_ADDRESS:3C-22-FB-12-9A-01"});
  EXPECT_EQ(Found(*s, "hw 3c22.fb12.9a01"), V{"MAC_ADDRESS:3c22.fb12.9a01"});
  EXPECT_EQ(Found(*s, "from 10.0.0.1"), V{"IP_ADDRESS:10.0.0.1"});
  EXPECT_EQ(Found(*s, "at -33.8688,151.2093"), V{"GEO_COORDINATE:-33.8688,151.2093"});
  EXPECT_EQ(Found(*s, "ssn 536 22 1234"), V{"US_SSN:536 22 1234"});
  EXPECT_EQ(Found(*s, "tel (212) 555-0143"), V{"PHONE_NUMBER:(212) 555-0143"});
}

// Two entities with the same score on the same span: the same one wins whether
// the buffer holds that span alone or among many other findings.
TEST(ScannerTest, TiedFindingsResolveTheSameWayInAnyBuffer) {
  auto s = MakeScanner();
  const std::string tied = "19901-0500440532";
  auto alone = s->Scan(tied);
  ASSERT_EQ(alone.size(), 1u);
  std::string crowded;
  for (int i = 0; i < 200; ++i) crowded += "user" + std::to_string(i) + "@example.com " + tied + "\n";
  auto many = s->Scan(crowded);
  ASSERT_EQ(many.size(), 400u);
  for (const Finding& f : many) {
    if (f.entity != Entity::kEmailAddress) {
      EXPECT_EQ(f.entity, alone[0].entity) << f.offset;
    }
  }
  EXPECT_EQ(alone[0].entity, Entity::kPhoneNumber);  // listed before IMEI in docs/scan.md
}

TEST(ScannerTest, FieldNameGivesContext) {
  auto s = MakeScanner();
  auto f = s->ScanField("1990-05-17", "date_of_birth");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].entity, Entity::kDateOfBirth);
  EXPECT_TRUE(s->ScanField("1990-05-17", "shipped_at").empty());
  EXPECT_EQ(s->ScanField("6D92078A-8246-4BA4-AE5B-76104861E7DC", "gaid").size(), 1u);
}

TEST(ScannerTest, BinaryAndInvalidUtf8AreScanned) {
  auto s = MakeScanner();
  std::string text("\xff\xfe\x00\x01 bob@example.com \xc3\x28\x00", 24);
  auto f = s->Scan(text);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].offset, 5u);
  EXPECT_EQ(f[0].length, 15u);
}

TEST(ScannerTest, EntityFilterAndMinScore) {
  ScanOptions o;
  o.entities = {Entity::kEmailAddress};
  auto s = Scanner::Create(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Scan("a@example.com 536-22-1234").size(), 1u);
  o.min_score = 2;
  EXPECT_FALSE(Scanner::Create(o).ok());
}

TEST(MaskValueTest, NeverShowsTheWholeValue) {
  EXPECT_EQ(MaskValue("4111 1111 1111 1111", Entity::kCreditCard), "**** **** **** 1111");
  EXPECT_EQ(MaskValue("jane@example.com", Entity::kEmailAddress), "j***@*******.com");
  EXPECT_EQ(MaskValue("536-22-1234", Entity::kUsSsn), "***-**-**34");
  EXPECT_EQ(MaskValue("10.1.2.3", Entity::kIpAddress), "**.*.*.3");
}

}  // namespace
}  // namespace domicile::scan

namespace domicile::scan {
namespace {

// Birth dates and advertising ids are looked for near their keywords; field
// names away from the text (CSV headers, SQL columns) make them looked for
// everywhere, and JSON keys reach to the end of their line.
TEST(ScannerTest, ContextRequiredEntitiesFarFromTheirKeywords) {
  auto s = MakeScanner();
  std::string csv = "id,birthday\n";
  for (int i = 0; i < 200; ++i) {
    // Keywords in the middle of the file must not hide the dates before them.
    csv += (i % 50 == 25 ? "born" : std::to_string(1000 + i)) + ",1990-05-17\n";
  }
  size_t dates = 0;
  for (const LocatedFinding& f : ScanBuffer(*s, csv, Format::kCsv)) dates += f.finding.entity == Entity::kDateOfBirth;
  EXPECT_EQ(dates, 200u);

  std::string json = R"({"birthdays": [)";
  for (int i = 0; i < 20; ++i) json += R"("1990-05-17", )";
  json += R"("1991-06-18"]})";
  size_t in_array = 0;
  for (const LocatedFinding& f : ScanBuffer(*s, json, Format::kJsonLines)) {
    in_array += f.finding.entity == Entity::kDateOfBirth;
  }
  EXPECT_EQ(in_array, 21u);

  // As plain text, only the dates next to "born" have birth context.
  EXPECT_EQ(ScanBuffer(*s, csv, Format::kText).size(), 4u);
  std::string ids = "idfa\n" + std::string(300, 'x') + " 6D92078A-8246-4BA4-AE5B-76104861E7DC";
  EXPECT_TRUE(s->Scan(ids).empty());
  EXPECT_EQ(s->ScanField("6D92078A-8246-4BA4-AE5B-76104861E7DC and 1990-05-17", "idfa").size(), 1u);
}

}  // namespace
}  // namespace domicile::scan
