#include "scan/report.h"

#include <array>
#include <map>
#include <nlohmann/json.hpp>

namespace domicile::scan {
namespace {

using Counts = std::array<uint64_t, kEntityCount>;

std::string Score(float s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(s));
  return buf;
}

class JsonlReporter : public Reporter {
 public:
  explicit JsonlReporter(std::FILE* out) : out_(out) {}
  void Add(const std::string& path, const std::vector<LocatedFinding>& findings) override {
    std::string quoted = JsonQuote(path);
    std::string line;
    for (const LocatedFinding& f : findings) {
      line.clear();
      line += "{\"path\":" + quoted + ",\"offset\":" + std::to_string(f.finding.offset) +
              ",\"length\":" + std::to_string(f.finding.length) + ",\"entity\":\"" +
              std::string(EntityName(f.finding.entity)) + "\",\"score\":" + Score(f.finding.score) +
              "}\n";
      std::fwrite(line.data(), 1, line.size(), out_);
    }
  }
  void AddError(const std::string&, const Status&) override {}
  void Finish(const ScanStats&) override { std::fflush(out_); }

 private:
  std::FILE* out_;
};

// Counts per path and entity, plus a few masked examples for the text report.
class AggregatingReporter : public Reporter {
 public:
  AggregatingReporter(ReportFormat format, std::FILE* out) : format_(format), out_(out) {}

  void Add(const std::string& path, const std::vector<LocatedFinding>& findings) override {
    PathInfo& p = paths_[path];
    for (const LocatedFinding& f : findings) {
      int e = static_cast<int>(f.finding.entity);
      ++p.counts[e];
      ++totals_[e];
      if (p.examples[e].size() < kExamples) {
        p.examples[e].push_back(f.masked + " @" + std::to_string(f.finding.offset));
      }
    }
  }
  void AddError(const std::string& path, const Status& error) override {
    paths_[path].errors.push_back(error.ToString());
  }
  void Finish(const ScanStats& stats) override {
    format_ == ReportFormat::kText ? WriteText(stats) : WriteSummary(stats);
    std::fflush(out_);
  }

 private:
  static constexpr size_t kExamples = 3;
  struct PathInfo {
    Counts counts{};
    std::array<std::vector<std::string>, kEntityCount> examples;
    std::vector<std::string> errors;
  };

  void WriteSummary(const ScanStats& stats) {
    nlohmann::ordered_json j;
    j["sources"] = stats.sources;
    j["bytes"] = stats.bytes;
    j["findings"] = stats.findings;
    j["errors"] = stats.errors;
    nlohmann::ordered_json by_entity = nlohmann::ordered_json::object();
    for (int e = 0; e < kEntityCount; ++e) {
      if (totals_[e] > 0) by_entity[std::string(EntityName(static_cast<Entity>(e)))] = totals_[e];
    }
    j["by_entity"] = by_entity;
    nlohmann::ordered_json by_path = nlohmann::ordered_json::array();
    for (const auto& [path, info] : paths_) {
      nlohmann::ordered_json p;
      p["path"] = path;
      nlohmann::ordered_json counts = nlohmann::ordered_json::object();
      for (int e = 0; e < kEntityCount; ++e) {
        if (info.counts[e] > 0) counts[std::string(EntityName(static_cast<Entity>(e)))] = info.counts[e];
      }
      p["counts"] = counts;
      if (!info.errors.empty()) p["errors"] = info.errors;
      by_path.push_back(p);
    }
    j["by_path"] = by_path;
    std::string s = j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    std::fwrite(s.data(), 1, s.size(), out_);
  }

  void WriteText(const ScanStats& stats) {
    for (const auto& [path, info] : paths_) {
      std::fprintf(out_, "%s\n", path.c_str());
      for (int e = 0; e < kEntityCount; ++e) {
        if (info.counts[e] == 0) continue;
        std::string examples;
        for (const std::string& x : info.examples[e]) examples += (examples.empty() ? "" : ", ") + x;
        std::fprintf(out_, "  %-15s %8llu  e.g. %s\n", std::string(EntityName(static_cast<Entity>(e))).c_str(),
                     static_cast<unsigned long long>(info.counts[e]), examples.c_str());
      }
      for (const std::string& err : info.errors) std::fprintf(out_, "  error: %s\n", err.c_str());
    }
    std::fprintf(out_, "%llu findings in %llu sources (%llu bytes scanned, %llu errors)\n",
                 static_cast<unsigned long long>(stats.findings),
                 static_cast<unsigned long long>(stats.sources),
                 static_cast<unsigned long long>(stats.bytes),
                 static_cast<unsigned long long>(stats.errors));
    for (int e = 0; e < kEntityCount; ++e) {
      if (totals_[e] == 0) continue;
      std::fprintf(out_, "  %-15s %8llu\n", std::string(EntityName(static_cast<Entity>(e))).c_str(),
                   static_cast<unsigned long long>(totals_[e]));
    }
  }

  ReportFormat format_;
  std::FILE* out_;
  std::map<std::string, PathInfo> paths_;
  Counts totals_{};
};

// SARIF 2.1.0, streamed: results are written as they come, the tool description
// (which SARIF allows after them) at the end.
class SarifReporter : public Reporter {
 public:
  explicit SarifReporter(std::FILE* out) : out_(out) {
    std::fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
               "\"runs\":[{\"results\":[",
               out_);
  }
  void Add(const std::string& path, const std::vector<LocatedFinding>& findings) override {
    std::string uri = JsonQuote(path);
    for (const LocatedFinding& f : findings) {
      std::string entity(EntityName(f.finding.entity));
      std::string r = std::string(first_ ? "" : ",") + "{\"ruleId\":\"" + entity +
                      "\",\"level\":\"warning\",\"message\":{\"text\":" +
                      JsonQuote(entity + " " + f.masked + " (score " + Score(f.finding.score) + ")") +
                      "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":" + uri +
                      "},\"region\":{\"byteOffset\":" + std::to_string(f.finding.offset) +
                      ",\"byteLength\":" + std::to_string(f.finding.length) +
                      "}}}],\"properties\":{\"score\":" + Score(f.finding.score) + "}}";
      std::fwrite(r.data(), 1, r.size(), out_);
      first_ = false;
    }
  }
  void AddError(const std::string& path, const Status& error) override {
    notifications_.push_back(path + ": " + error.ToString());
  }
  void Finish(const ScanStats&) override {
    std::string s = "],\"tool\":{\"driver\":{\"name\":\"domicile-scan\",\"version\":\"0.1.0\",\"rules\":[";
    for (int e = 0; e < kEntityCount; ++e) {
      std::string name(EntityName(static_cast<Entity>(e)));
      s += std::string(e == 0 ? "" : ",") + "{\"id\":\"" + name + "\",\"shortDescription\":{\"text\":\"Personal data: " +
           name + "\"}}";
    }
    s += "]}},\"invocations\":[{\"executionSuccessful\":";
    s += notifications_.empty() ? "true" : "false";
    s += ",\"toolExecutionNotifications\":[";
    for (size_t i = 0; i < notifications_.size(); ++i) {
      s += std::string(i == 0 ? "" : ",") + "{\"level\":\"error\",\"message\":{\"text\":" +
           JsonQuote(notifications_[i]) + "}}";
    }
    s += "]}]}]}\n";
    std::fwrite(s.data(), 1, s.size(), out_);
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  bool first_ = true;
  std::vector<std::string> notifications_;
};

}  // namespace

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "jsonl") return ReportFormat::kJsonl;
  if (name == "summary") return ReportFormat::kSummary;
  if (name == "sarif") return ReportFormat::kSarif;
  if (name == "text") return ReportFormat::kText;
  return std::nullopt;
}

std::unique_ptr<Reporter> MakeReporter(ReportFormat format, std::FILE* out) {
  switch (format) {
    case ReportFormat::kJsonl:
      return std::make_unique<JsonlReporter>(out);
    case ReportFormat::kSarif:
      return std::make_unique<SarifReporter>(out);
    case ReportFormat::kSummary:
    case ReportFormat::kText:
      return std::make_unique<AggregatingReporter>(format, out);
  }
  return nullptr;
}

std::string JsonQuote(std::string_view s) {
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace domicile::scan
