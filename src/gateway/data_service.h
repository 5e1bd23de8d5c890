// The gateway's data path, independent of HTTP: decides every field of a request by
// Cedar (strict mode), records the decision in the audit log, and only once the
// entry is durable reads the vault and shapes each value into its allowed view.
// Implemented so far: reads (GET /v1/subjects/{id}/{collection}); see docs/gateway.md.
#ifndef DOMICILE_GATEWAY_DATA_SERVICE_H_
#define DOMICILE_GATEWAY_DATA_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cedar/cedar.h"
#include "gateway/api_body.h"
#include "common/status.h"
#include "gateway/audit_entry.h"
#include "gateway/directory.h"
#include "gateway/masking.h"
#include "gateway/request_context.h"
#include "vault/vault.h"

namespace domicile::gateway {

// Appends one audit entry and returns its log index once durable (tlog Appender::Append
// of entry.ToJson()).
using AuditSink = std::function<Result<uint64_t>(const AuditEntry& entry)>;

// What a request left in the audit log: set by every operation that tried to append.
// `attempted` without `index` means the append failed (the operation answered 503).
struct AuditTrail {
  bool attempted = false;
  std::optional<uint64_t> index;
};

// Everything outlives the service; all are used read-only except the vault and sink.
struct DataServiceDeps {
  const cedar::PolicySet* policies = nullptr;
  const cedar::Entities* directory = nullptr;  // the directory as Cedar entities
  vault::Vault* vault = nullptr;
  AuditSink audit;
  std::string pseudonym_key;                   // >= 32 bytes
  std::map<std::string, MaskKind, std::less<>> masks;  // "collection.field"; default redact
};

struct ReadRequest {
  std::string subject;
  std::string collection;
  std::vector<std::string> fields;  // empty: every classified field of the collection
};

struct ReadResult {
  nlohmann::json body;  // {"fields":{name:{"view":…,"value":…}}}; denied/absent fields omitted
  AuditEntry audit;     // as appended
};

// Thread-safe if the vault and sink are.
class DataService {
 public:
  explicit DataService(DataServiceDeps deps);

  // Per field the most revealing allowed view (plain > masked > pseudonym). The audit
  // entry is appended before the vault is read: Unavailable (and no data) if the
  // append fails. PermissionDenied if no field is allowed in any view (also logged);
  // NotFound for an unknown subject; InvalidArgument for an unknown collection/field.
  Result<ReadResult> Read(const Principal& principal, const RequestContext& context, const ReadRequest& request,
                          AuditTrail& trail);

  // Writes every field of `write` or none: each field is decided with action `write`
  // on the subject's home (its existing home; `write.home` for a new subject, and
  // AlreadyExists (HTTP 409) if they differ). Audit entry first (Unavailable if it fails),
  // then vault.Put. PermissionDenied (logged) if any field is refused.
  Result<AuditEntry> Write(const Principal& principal, const RequestContext& context, std::string_view subject,
                           const SubjectWrite& write, AuditTrail& trail);

  // Logs an identity check (GET /v1/whoami): no subject, no data, outcome allowed.
  Status RecordWhoAmI(const Principal& principal, const RequestContext& context, AuditTrail& trail);

  // Logs a request refused before any decision: unauthenticated (`principal` null,
  // logged as "unauthenticated"), malformed, or about an unknown subject or field.
  // `subject` is the requested subject id ("" if none), logged as its pseudonym;
  // `why` and `http_status` are the answer the requester gets.
  void RecordRefusal(const Principal* principal, const RequestContext& context, std::string_view action,
                     std::string_view subject, const Status& why, int http_status, AuditTrail& trail);

 private:
  // Appends `entry` and records the outcome in `trail`; Unavailable on failure.
  Status Append(const AuditEntry& entry, AuditTrail& trail);

  DataServiceDeps deps_;
  // Cedar's positional policy ids ("policy3") -> the policy's @id, for the audit log.
  std::map<std::string, std::string, std::less<>> policy_names_;
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_DATA_SERVICE_H_
