// Agreement of the validator with Cedar's own validator: every test of the
// Cedar integration tests records `shouldValidate` (the Rust validator's
// strict-mode verdict). Runs the auto-generated corpus (unpacked to a
// temporary directory) and the handwritten tests, and prints exact counts.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cedar/schema.h"
#include "cedar/validator.h"
#include "fakes/temp_dir.h"

namespace domicile::cedar {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Tally {
  int agree = 0;
  int total = 0;
  std::vector<std::string> disagreements;
};

// Runs every test file (JSON objects with "shouldValidate") under `dir`;
// paths inside a test resolve against `root`.
Tally RunTests(const fs::path& dir, const fs::path& root) {
  Tally tally;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".json" && p.string().find(".entities.json") == std::string::npos) files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    nlohmann::json test = nlohmann::json::parse(ReadFile(file), nullptr, /*allow_exceptions=*/false);
    if (!test.is_object() || !test.contains("shouldValidate") || !test["schema"].is_string()) continue;
    ++tally.total;
    const bool expected = test["shouldValidate"].get<bool>();
    auto schema = Schema::FromCedarSchema(ReadFile(root / test["schema"].get<std::string>()));
    std::string verdict;
    bool valid = false;
    if (!schema.ok()) {
      verdict = "schema: " + schema.status().message();
    } else {
      auto result = ValidatePolicyText(ReadFile(root / test["policies"].get<std::string>()), *schema);
      if (!result.ok()) {
        verdict = "policies: " + result.status().message();
      } else {
        valid = result->ok();
        for (const ValidationError& e : result->errors) verdict += e.policy_id + ": " + e.message + "; ";
      }
    }
    if (valid == expected) {
      ++tally.agree;
    } else {
      tally.disagreements.push_back(file.filename().string() + " expected " +
                                    (expected ? "valid" : "invalid") + ", got " +
                                    (valid ? "valid" : "invalid: " + verdict));
    }
  }
  return tally;
}

void Report(const char* what, const Tally& t) {
  std::printf("%s: validator agrees with shouldValidate on %d of %d tests (%.2f%%)\n", what, t.agree, t.total,
              t.total ? 100.0 * t.agree / t.total : 0.0);
  for (std::size_t i = 0; i < t.disagreements.size() && i < 25; ++i) {
    std::printf("  disagree: %s\n", t.disagreements[i].c_str());
  }
}

TEST(ValidatorCorpusTest, HandwrittenTestsAgree) {
  std::string shared = domicile::testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "shared test data not found (set DOMICILE_SHARED_DIR)";
  const fs::path root = fs::path(shared) / "testdata/cedar";
  Tally t = RunTests(root / "tests", root);
  Report("handwritten", t);
  EXPECT_GT(t.total, 20);
  EXPECT_EQ(t.agree, t.total);
}

TEST(ValidatorCorpusTest, CorpusAgreesOnAtLeast99Percent) {
  std::string shared = domicile::testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "shared test data not found (set DOMICILE_SHARED_DIR)";
  domicile::testing::TempDir tmp;
  std::string cmd = "tar xzf '" + shared + "/testdata/cedar/corpus-tests.tar.gz' -C '" + tmp.path() +
                    "' --exclude='*.entities.json'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Tally t = RunTests(tmp.path(), tmp.path());
  Report("corpus", t);
  EXPECT_GT(t.total, 7000);
  EXPECT_GE(t.agree * 100, t.total * 99) << "below the 99% target";
}

}  // namespace
}  // namespace domicile::cedar
