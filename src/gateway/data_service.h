// The gateway's data path, independent of HTTP: decides every field of a request by
// Cedar (strict mode), records the decision in the audit log before it reads, writes
// or shreds in the vault, and shapes each value into its allowed view. Read, write, delete (crypto-shredding), lookup by blind index and
// rate-limited bulk export; see docs/gateway.md.
#ifndef DOMICILE_GATEWAY_DATA_SERVICE_H_
#define DOMICILE_GATEWAY_DATA_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cedar/cedar.h"
#include "gateway/api_body.h"
#include "common/status.h"
#include "gateway/audit_entry.h"
#include "gateway/directory.h"
#include "gateway/masking.h"
#include "gateway/rate_limiter.h"
#include "gateway/request_context.h"
#include "store/store.h"
#include "vault/vault.h"

namespace domicile::gateway {

// Appends one audit entry to the log and returns its index (tlog Appender::Submit of
// entry.ToJson()). The entry is durable only once DataServiceDeps::wait_durable(index)
// returns OK, or at once when wait_durable is empty.
using AuditSink = std::function<Result<uint64_t>(const AuditEntry& entry)>;
// Blocks until the entry at `index` is durable; the log's error if it never will be.
using AuditWait = std::function<Status(uint64_t index)>;

// What a request left in the audit log: set by every operation that tried to append.
// `attempted` without `index` means the append failed (the operation answered 503).
// `durable` false with an index: the entry is appended but the caller must make sure
// it is durable (DataService::WaitDurable, or asynchronously) before answering.
struct AuditTrail {
  bool attempted = false;
  std::optional<uint64_t> index;
  bool durable = false;
  // Set with a ResourceExhausted answer (export limit): when to try again.
  std::optional<int64_t> retry_after_seconds;
};

// Everything outlives the service; all are used read-only except the vault and sink.
struct DataServiceDeps {
  const cedar::PolicySet* policies = nullptr;
  const cedar::Entities* directory = nullptr;  // the directory as Cedar entities
  vault::Vault* vault = nullptr;
  store::Store* store = nullptr;               // the vault's store: lists subject ids for export
  ExportLimiter* export_limiter = nullptr;     // export rate and volume per (principal, purpose)
  AuditSink audit;
  AuditWait wait_durable;                      // empty: `audit` returns durable indices
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

struct DeleteResult {
  vault::ShredReceipt receipt;
  uint64_t receipt_index = 0;  // log index of the "shred" entry carrying the receipt
};

struct LookupResult {
  std::vector<std::string> subjects;
};

struct ExportResult {
  nlohmann::json body;  // {"records":[{"subject":…,"fields":{…}}],"next_cursor":…}
  AuditEntry audit;
};

// Thread-safe if the vault and sink are.
//
// Durability: operations that change data (write, delete) or release data without an
// answer the caller could still withhold (lookup, export) wait until their entry is
// durable before acting. Read, whoami and refusals only append: their entry precedes
// the vault read, and the caller writes the response only after WaitDurable(index)
// (the server does it for many requests at once, see server/durability_waiter.h).
class DataService {
 public:
  explicit DataService(DataServiceDeps deps);

  // Per field the most revealing allowed view (plain > masked > pseudonym). The audit
  // entry is appended (not yet durable: see above) before the vault is read:
  // Unavailable (and no data) if the append fails. PermissionDenied if no field is allowed in any view (also logged);
  // NotFound for an unknown subject; InvalidArgument for an unknown collection/field.
  Result<ReadResult> Read(const Principal& principal, const RequestContext& context, const ReadRequest& request,
                          AuditTrail& trail);

  // Writes every field of `write` or none: each field is decided with action `write`
  // on the subject's home (its existing home; `write.home` for a new subject, and
  // AlreadyExists (HTTP 409) if they differ). Audit entry first (Unavailable if it fails),
  // then vault.Put. PermissionDenied (logged) if any field is refused.
  Result<AuditEntry> Write(const Principal& principal, const RequestContext& context, std::string_view subject,
                           const SubjectWrite& write, AuditTrail& trail);

  // Crypto-shreds a subject. Every classified field is decided with action `delete`
  // (all must be allowed, else PermissionDenied, logged). The decision entry is
  // appended first (its index in `trail`), then the vault destroys the subject's key,
  // then a second entry, action "shred", carries the ShredReceipt (or the failure).
  // NotFound for an unknown subject; Unavailable if either entry cannot be appended.
  Result<DeleteResult> Delete(const Principal& principal, const RequestContext& context, std::string_view subject,
                              AuditTrail& trail);

  // Subjects whose blind-indexed field equals the value, decided once with action
  // `search` on the field at this site's jurisdiction; the entry (with the number of
  // matches) is durable before the ids are returned. InvalidArgument if the field has
  // no blind index or the value does not normalise.
  Result<LookupResult> Lookup(const Principal& principal, const RequestContext& context,
                              const LookupRequest& request, AuditTrail& trail);

  // One page of a collection. A field is exported if action `export` is allowed on it
  // (decided per home jurisdiction), in the most revealing view the read actions allow.
  // The page costs one request and one record per subject returned from the export
  // limiter of (principal, purpose): ResourceExhausted (HTTP 429, logged, with
  // trail.retry_after_seconds) when short. The entry says bulk "export", or
  // "profiling" when profiling fields were asked for (returned or refused).
  Result<ExportResult> Export(const Principal& principal, const RequestContext& context,
                              const ExportRequest& request, AuditTrail& trail);

  // Logs an identity check (GET /v1/whoami): no subject, no data, outcome allowed.
  Status RecordWhoAmI(const Principal& principal, const RequestContext& context, AuditTrail& trail);

  // Logs a request refused before any decision: unauthenticated (`principal` null,
  // logged as "unauthenticated"), malformed, or about an unknown subject or field.
  // `subject` is the requested subject id ("" if none), logged as its pseudonym;
  // `why` and `http_status` are the answer the requester gets.
  void RecordRefusal(const Principal* principal, const RequestContext& context, std::string_view action,
                     std::string_view subject, const Status& why, int http_status, AuditTrail& trail);

  // Blocks until the entry at `index` is durable (OK at once without wait_durable).
  Status WaitDurable(uint64_t index) const;

 private:
  // Appends `entry` and records the outcome in `trail`; with `durable`, also waits
  // until it is durable. Unavailable on failure.
  Status Append(const AuditEntry& entry, AuditTrail& trail, bool durable);
  // The directory plus one Domicile::Field per classified field, as held for a subject
  // homed in `home` (uid "collection.field"); built once per home and shared.
  std::shared_ptr<const cedar::Entities> EntitiesFor(const std::string& home) const;
  // The value in `view` (masked with the field's mask, or a pseudonym).
  Result<nlohmann::json> Shape(const std::string& qualified_field, View view, const nlohmann::json& value) const;

  DataServiceDeps deps_;
  // Cedar's positional policy ids ("policy3") -> the policy's @id, for the audit log.
  std::map<std::string, std::string, std::less<>> policy_names_;
  mutable std::shared_mutex entities_mu_;
  // guarded by entities_mu_: EntitiesFor by home, at most kMaxCachedHomes.
  mutable std::map<std::string, std::shared_ptr<const cedar::Entities>, std::less<>> entities_by_home_;
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_DATA_SERVICE_H_
