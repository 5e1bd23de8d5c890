// Scan reports: JSON Lines (one finding per line, the stable interface in
// ARCHITECTURE.md), a JSON summary, SARIF 2.1.0 and a readable text report
// grouped by location and entity. Reports never contain a full value: only the
// masked form (MaskValue). Memory is bounded by the number of paths, not findings.
#ifndef DOMICILE_SCAN_REPORT_H_
#define DOMICILE_SCAN_REPORT_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/source.h"

namespace domicile::scan {

enum class ReportFormat { kJsonl, kSummary, kSarif, kText };
std::optional<ReportFormat> ParseReportFormat(std::string_view name);  // jsonl|summary|sarif|text

// Thread-compatible: call from one thread (ScanPaths delivers on the caller's).
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Add(const std::string& path, const std::vector<LocatedFinding>& findings) = 0;
  virtual void AddError(const std::string& path, const Status& error) = 0;
  // Writes whatever the format keeps for the end. Call once.
  virtual void Finish(const ScanStats& stats) = 0;
};

// Writes to `out` (not owned; must outlive the reporter).
std::unique_ptr<Reporter> MakeReporter(ReportFormat format, std::FILE* out);

// A JSON string literal for arbitrary bytes (invalid UTF-8 replaced by U+FFFD).
std::string JsonQuote(std::string_view s);

}  // namespace domicile::scan

#endif  // DOMICILE_SCAN_REPORT_H_
