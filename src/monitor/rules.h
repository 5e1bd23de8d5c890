// Compliance rules over audit entries, written in Cedar so that custodians use the
// same language as operators. Convention: a rule is a Cedar policy whose `permit`
// means "this is a violation" (a `forbid` carves out an exception); @id names the
// rule and @description explains it. Each field decision of an entry becomes one
// Cedar request (docs/monitor.md, "Rules"). Denied-request spikes and time
// regressions are windowed counters beside Cedar.
#ifndef DOMICILE_MONITOR_RULES_H_
#define DOMICILE_MONITOR_RULES_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "monitor/config.h"

namespace domicile::monitor {

struct Violation {
  uint64_t index = 0;          // log index of the entry
  int64_t time_micros = 0;     // the entry's time
  std::string rule;            // @id
  std::string description;     // @description
  std::string principal;
  std::string source_country;
  std::vector<std::string> fields;  // the fields the rule matched ("" for entry-level rules)
};

// The built-in rule set (Cedar text).
std::string_view BuiltinRules();

// Not thread-safe: Evaluate keeps windowed state and must see entries in log order.
class ComplianceRules {
 public:
  // Parses the built-in rules plus config.extra_rules and the directory. Every
  // policy needs an @id; InvalidArgument otherwise or on a parse error.
  static Result<std::unique_ptr<ComplianceRules>> Create(const ComplianceConfig& config);
  ~ComplianceRules();

  // Appends the violations of entry `index` to `out`. An entry that is not a valid
  // audit entry is itself a violation (rule "malformed-entry"); a rule that fails to
  // evaluate is reported as "rule-error" (never silently skipped).
  void Evaluate(uint64_t index, std::string_view entry, std::vector<Violation>& out);

  // Number of rules (Cedar policies) loaded.
  size_t rule_count() const;

  struct Impl;

 private:
  explicit ComplianceRules(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace domicile::monitor

#endif  // DOMICILE_MONITOR_RULES_H_
