// Every schema of the Cedar corpus tests parses, and the JSON parser agrees
// with the .cedarschema parser on each (rendered to JSON and parsed back).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cedar/internal/schema_testing.h"
#include "cedar/schema.h"
#include "fakes/temp_dir.h"

namespace domicile::cedar {
namespace {

TEST(SchemaCorpusTest, AllCorpusSchemasParseAndBothFormatsAgree) {
  std::string shared = domicile::testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "shared test data not found (set DOMICILE_SHARED_DIR)";
  domicile::testing::TempDir tmp;
  std::string cmd = "tar xzf '" + shared + "/testdata/cedar/corpus-tests.tar.gz' -C '" + tmp.path() +
                    "' --wildcards '*.cedarschema'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

  int parsed = 0, total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(tmp.path())) {
    if (entry.path().extension() != ".cedarschema") continue;
    ++total;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto schema = Schema::FromCedarSchema(text.str());
    if (!schema.ok()) {
      ADD_FAILURE() << entry.path().filename() << ": " << schema.status().ToString();
      continue;
    }
    auto json = Schema::FromJson(testing::SchemaToJson(*schema));
    if (!json.ok()) {
      ADD_FAILURE() << entry.path().filename() << " as JSON: " << json.status().ToString();
      continue;
    }
    EXPECT_EQ(testing::DumpSchema(*schema), testing::DumpSchema(*json)) << entry.path().filename();
    ++parsed;
  }
  EXPECT_GT(total, 7000);
  EXPECT_EQ(parsed, total);
  std::printf("corpus schemas: %d of %d parse and agree across formats\n", parsed, total);
}

}  // namespace
}  // namespace domicile::cedar
