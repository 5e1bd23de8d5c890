// Our own labelled set (tests/scan/data/labelled.jsonl): positives for every
// entity and the hard negatives the issue lists (Luhn-failing 16- and 15-digit
// numbers, SSN-shaped numbers in invalid ranges, timestamps and shipping dates,
// version strings, UUIDs outside an advertising context). Each line's findings
// must be exactly its "expect" list.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "scan/scanner.h"

namespace domicile::scan {
namespace {

TEST(LabelledSetTest, ExactlyTheExpectedFindings) {
  std::ifstream in(std::string(DOMICILE_SOURCE_DIR) + "/tests/scan/data/labelled.jsonl");
  ASSERT_TRUE(in) << "labelled set missing";
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok());
  std::string line;
  int cases = 0, negatives = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    std::string text = j["text"];
    std::set<std::pair<std::string, std::string>> want, got;
    for (const auto& e : j["expect"]) want.insert({e[0].get<std::string>(), e[1].get<std::string>()});
    for (const Finding& f : (*scanner)->Scan(text)) {
      got.insert({std::string(EntityName(f.entity)), text.substr(f.offset, f.length)});
    }
    EXPECT_EQ(got, want) << j["note"] << ": " << text;
    ++cases;
    negatives += want.empty() ? 1 : 0;
  }
  EXPECT_GE(cases, 50);
  EXPECT_GE(negatives, 25);
}

}  // namespace
}  // namespace domicile::scan
