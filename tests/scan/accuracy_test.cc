// Accuracy on the shared synthetic PII dataset (synth_dataset_v2.json, from the
// presidio-research project): precision, recall and F2 per entity type that the
// dataset shares with the scanner. A prediction counts as a true positive when it
// overlaps a labelled span of the same entity; each labelled span is matched at
// most once. Prints the table; asserts F2 >= 0.95 for each entity.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/temp_dir.h"
#include "scan/scanner.h"

namespace domicile::scan {
namespace {

struct Counts {
  int tp = 0, fp = 0, fn = 0;
  double Precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
  double F2() const {
    double p = Precision(), r = Recall();
    return p + r == 0 ? 0 : 5 * p * r / (4 * p + r);
  }
};

struct Span {
  size_t begin, end;
  std::string entity;
};

TEST(AccuracyTest, SynthDatasetV2) {
  std::string shared = domicile::testing::SharedDir();
  std::string path = shared + "/testdata/pii/data/synth_dataset_v2.json";
  std::ifstream in(path);
  if (shared.empty() || !in) GTEST_SKIP() << "shared test data absent: " << path;
  nlohmann::json data = nlohmann::json::parse(in);
  const std::vector<std::string> kEvaluated = {"CREDIT_CARD", "EMAIL_ADDRESS", "IBAN_CODE",
                                               "IP_ADDRESS",  "PHONE_NUMBER",  "US_SSN"};
  auto evaluated = [&](const std::string& e) {
    return std::find(kEvaluated.begin(), kEvaluated.end(), e) != kEvaluated.end();
  };
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok()) << scanner.status().ToString();
  std::map<std::string, Counts> counts;
  bool verbose = std::getenv("DOMICILE_SCAN_EVAL_VERBOSE") != nullptr;
  for (const auto& record : data) {
    std::string text = record["full_text"];
    std::vector<Span> gold;
    for (const auto& s : record["spans"]) {
      std::string e = s["entity_type"];
      if (evaluated(e)) gold.push_back({s["start_position"], s["end_position"], e});
    }
    // The dataset counts code points; the scanner reports bytes.
    std::vector<size_t> char_at(text.size() + 1, 0);
    for (size_t i = 0, n = 0; i <= text.size(); ++i) {
      char_at[i] = n;
      if (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++n;
    }
    std::vector<bool> used(gold.size(), false);
    for (const Finding& f : (*scanner)->Scan(text)) {
      std::string e(EntityName(f.entity));
      if (!evaluated(e)) continue;
      size_t b = char_at[f.offset], end = char_at[f.offset + f.length];
      bool matched = false;
      for (size_t i = 0; i < gold.size(); ++i) {
        if (!used[i] && gold[i].entity == e && b < gold[i].end && gold[i].begin < end) {
          used[i] = matched = true;
          break;
        }
      }
      counts[e].tp += matched ? 1 : 0;
      counts[e].fp += matched ? 0 : 1;
      if (!matched && verbose) {
        std::printf("FP %s [%s] in %s\n", e.c_str(), text.substr(f.offset, f.length).c_str(),
                    text.c_str());
      }
    }
    for (size_t i = 0; i < gold.size(); ++i) {
      if (used[i]) continue;
      counts[gold[i].entity].fn++;
      if (verbose) {
        std::printf("FN %s in %s\n", gold[i].entity.c_str(), text.c_str());
      }
    }
  }
  std::printf("%-14s %5s %5s %5s %9s %7s %6s\n", "entity", "TP", "FP", "FN", "precision",
              "recall", "F2");
  for (const std::string& e : kEvaluated) {
    const Counts& c = counts[e];
    std::printf("%-14s %5d %5d %5d %9.3f %7.3f %6.3f\n", e.c_str(), c.tp, c.fp, c.fn,
                c.Precision(), c.Recall(), c.F2());
  }
  for (const std::string& e : kEvaluated) {
    EXPECT_GE(counts[e].F2(), 0.95) << e;
  }
}

}  // namespace
}  // namespace domicile::scan
