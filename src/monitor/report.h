// The evidence report for a period: what the log says happened (counts by
// decision, jurisdiction and source country, a timeline), every compliance
// violation with an inclusion proof a reader can check offline, the integrity
// findings, and the checkpoints and witness cosignatures covering the period.
// JSON for machines, and one self-contained HTML page (inline CSS and SVG, no
// external assets) for people.
#ifndef DOMICILE_MONITOR_REPORT_H_
#define DOMICILE_MONITOR_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "monitor/config.h"
#include "monitor/monitor.h"

namespace domicile::monitor {

struct EvidenceReport {
  std::string json;
  std::string html;
};

// Entries whose time is in [since, until) (microseconds since the epoch).
// Inclusion proofs are against the monitor's latest accepted checkpoint and are
// verified before they are written.
Result<EvidenceReport> BuildEvidenceReport(Monitor& monitor, const MonitorConfig& config, int64_t since_micros,
                                           int64_t until_micros, int64_t generated_micros);

// "2026-11-29" (midnight UTC) or "2026-11-29T10:00:00Z" -> microseconds since the epoch.
Result<int64_t> ParseReportTime(std::string_view text);

}  // namespace domicile::monitor

#endif  // DOMICILE_MONITOR_REPORT_H_
