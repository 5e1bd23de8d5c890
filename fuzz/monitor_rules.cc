// Fuzzes compliance-rule evaluation over one log entry (entries are written by
// the log operator, who the monitor does not trust). Invariants: no crash; an
// entry that is not an audit entry yields exactly one "malformed-entry".
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gateway/audit_entry.h"
#include "monitor/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile;
  static auto rules = [] {
    monitor::ComplianceConfig c;
    c.home = "US";
    c.categories = {{"profile.phone", "protected"}, {"videos.caption", "profiling"}};
    c.directory_json = R"([{"uid":{"type":"Domicile::Employee","id":"ana"},"attrs":{},"parents":[]}])";
    c.deny_spike_threshold = 2;
    auto r = monitor::ComplianceRules::Create(c);
    if (!r.ok()) std::abort();
    return std::move(*r);
  }();
  std::string_view entry(reinterpret_cast<const char*>(data), size);
  std::vector<monitor::Violation> out;
  rules->Evaluate(0, entry, out);
  if (!gateway::AuditEntry::FromJson(entry).ok() && (out.size() != 1 || out[0].rule != "malformed-entry")) {
    std::abort();
  }
  return 0;
}
