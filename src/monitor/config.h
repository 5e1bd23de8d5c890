// The custodian's monitor configuration: which log to follow and whose signatures
// make a checkpoint trustworthy (the log's keys, the witnesses and the quorum), where
// the monitor keeps its state, and the inputs of the compliance rules (the subjects'
// home jurisdiction, field categories, the approved directory, thresholds). Parsed
// from YAML (docs/monitor.md), validated once, then read-only.
#ifndef DOMICILE_MONITOR_CONFIG_H_
#define DOMICILE_MONITOR_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "monitor/http_client.h"

namespace domicile::monitor {

struct ComplianceConfig {
  std::string home;  // jurisdiction of the log's subjects (an enclave's jurisdiction)
  // "collection.field" -> category name; unlisted fields are "protected".
  std::map<std::string, std::string, std::less<>> categories;
  std::string directory_json;  // approved principals, Cedar entities JSON ("" = none approved)
  std::string extra_rules;     // Cedar text added to the built-in rules
  uint64_t bulk_records = 100;             // a read of at least this many records is bulk
  uint64_t deny_spike_threshold = 20;      // denials per (principal, source country) ...
  int64_t deny_spike_window_seconds = 60;  // ... within this window
  int64_t max_time_regression_seconds = 5; // entry times may go back this much (concurrent appends)

  // Category of a field ("profile.phone"); "protected" when unlisted.
  std::string CategoryOf(std::string_view field) const;
};

struct MonitorConfig {
  std::string log_url;  // tlog-tiles prefix: <log_url>/checkpoint, <log_url>/tile/...
  HttpTlsOptions log_tls;  // for an https:// log_url: CA bundle, client certificate
  std::string origin;
  std::vector<std::string> log_keys;      // note verifier keys of the log
  std::vector<std::string> witness_keys;  // cosigner verifier keys (type 0x04)
  size_t quorum = 0;                      // cosignatures needed, out of witness_keys
  std::string state_dir;
  ComplianceConfig compliance;
};

// The witness service (`domicile witness serve`): its key, state and logs.
struct WitnessServiceConfig {
  std::string key_file;   // cosigner private key (PRIVATE+KEY+name+hash+base64(0x04 || seed))
  std::string state_dir;  // latest cosigned checkpoint per log
  std::string host = "127.0.0.1";
  uint16_t port = 7380;
  struct Log {
    std::string origin;
    std::vector<std::string> keys;
  };
  std::vector<Log> logs;
};
Result<WitnessServiceConfig> ParseWitnessConfig(std::string_view yaml, const std::string& base_dir);

// Parses the YAML text; file names in it (directory, rules, vault_config) are read
// relative to `base_dir`. InvalidArgument naming the offending key on any error.
Result<MonitorConfig> ParseMonitorConfig(std::string_view yaml, const std::string& base_dir);

}  // namespace domicile::monitor

#endif  // DOMICILE_MONITOR_CONFIG_H_
