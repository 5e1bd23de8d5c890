// One audit entry per request: who asked, from where, why, what was decided per field
// and which policies decided it. Appended to the tlog before any data leaves (the
// lead wires that); never contains data values. The JSON encoding is one line with a
// fixed key order (docs/gateway.md, "Audit entry"), so entries are byte-stable.
#ifndef DOMICILE_GATEWAY_AUDIT_ENTRY_H_
#define DOMICILE_GATEWAY_AUDIT_ENTRY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gateway/masking.h"

namespace domicile::gateway {

inline constexpr int kAuditEntryVersion = 1;

struct FieldDecision {
  std::string field;                     // "profile.phone"
  View view = View::kNone;               // the view returned; kNone = denied
  std::vector<std::string> policy_ids;   // the determining policies
  std::vector<std::string> errors;       // policy evaluation errors (ids only, no values)
};

struct AuditEntry {
  int64_t time_unix_micros = 0;
  std::string request_id;
  std::string principal;          // Cedar uid text, e.g. Domicile::Employee::"alice"; "" if unauthenticated
  std::string authenticated_by;   // "jwt:<issuer>", "mtls", or ""
  std::string source_ip;
  std::string source_country;
  std::string action;             // whoami, read, write, delete, shred, search, export
  std::string subject;            // subject pseudonym (never the id); "" if none
  std::string collection;
  std::vector<FieldDecision> fields;
  std::string purpose;
  std::string justification;
  uint64_t records = 0;           // subjects returned (search, export)
  // Bulk access, logged as such: "" (one subject), "export", or "profiling" (an export
  // that returned profiling fields: how people get profiled).
  std::string bulk;
  std::string outcome;            // "allowed", "partial", "denied", "error"
  int http_status = 0;
  std::string reason;             // why denied or failed (status message; no data values)
  std::string receipt;            // action "shred": the vault's ShredReceipt JSON; else ""

  // {"v":1,"time":"2026-11-29T07:01:02.123456Z","request_id":…,…} on one line.
  std::string ToJson() const;
  static Result<AuditEntry> FromJson(std::string_view json);
};

namespace internal {
// The encoding through nlohmann::ordered_json, which defines the format: ToJson writes
// the same bytes without building a JSON tree (tests compare the two).
std::string AuditEntryToJsonReference(const AuditEntry& entry);
}  // namespace internal

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC).
std::string FormatRfc3339Micros(int64_t unix_micros);

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_AUDIT_ENTRY_H_
