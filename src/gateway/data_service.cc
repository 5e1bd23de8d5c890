#include "gateway/data_service.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace domicile::gateway {
namespace {

constexpr std::string_view kActionType = "Domicile::Action";
constexpr std::string_view kFieldType = "Domicile::Field";

cedar::EntityUid ToCedarUid(const EntityUid& uid) { return {uid.type, uid.id}; }

struct Verdict {
  View view = View::kNone;
  std::vector<std::string> policy_ids;
  std::vector<std::string> errors;
};

// One decision, with policy ids named by their @id.
Verdict Decide(const DataServiceDeps& deps, const std::map<std::string, std::string, std::less<>>& names,
               const cedar::Entities& entities, const cedar::EntityUid& principal, std::string_view action,
               const cedar::EntityUid& resource, const cedar::Value& context) {
  cedar::Request req{principal, {std::string(kActionType), std::string(action)}, resource, context};
  const cedar::Response resp = cedar::Authorize(*deps.policies, entities, req, {.strict = true});
  auto name = [&](const std::string& id) {
    const auto it = names.find(id);
    return it == names.end() ? id : it->second;
  };
  Verdict verdict;
  verdict.view = resp.decision == cedar::Decision::kAllow ? View::kPlain : View::kNone;
  for (const auto& id : resp.reasons) verdict.policy_ids.push_back(name(id));
  for (const auto& e : resp.errors) verdict.errors.push_back(name(e.policy_id));
  return verdict;
}

// The most revealing view Cedar allows for `resource`; the determining policies of
// that view (or, if none is allowed, of the last refusal).
Verdict DecideView(const DataServiceDeps& deps, const std::map<std::string, std::string, std::less<>>& names, const cedar::Entities& entities, const cedar::EntityUid& principal,
                   const cedar::EntityUid& resource, const cedar::Value& context) {
  Verdict verdict;
  for (View view : {View::kPlain, View::kMasked, View::kPseudonym}) {
    verdict = Decide(deps, names, entities, principal, ViewAction(view), resource, context);
    if (verdict.view != View::kNone) {
      verdict.view = view;
      break;
    }
  }
  return verdict;
}

// Decides `action` on every field (all-or-nothing operations), recording each decision
// in `audit`. True when every field is allowed.
bool DecideEach(const DataServiceDeps& deps, const std::map<std::string, std::string, std::less<>>& names,
                const cedar::Entities& entities, const cedar::EntityUid& principal, std::string_view action,
                const std::vector<std::pair<std::string, std::string>>& fields,
                const std::vector<cedar::EntityUid>& resources, const cedar::Value& context, AuditEntry& audit) {
  bool all_allowed = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    Verdict v = Decide(deps, names, entities, principal, action, resources[i], context);
    all_allowed = all_allowed && v.view != View::kNone;
    audit.fields.push_back(
        {fields[i].first + "." + fields[i].second, v.view, std::move(v.policy_ids), std::move(v.errors)});
  }
  return all_allowed;
}

// The uid of a field's entity in the stores of EntitiesFor.
cedar::EntityUid FieldUid(std::string_view collection, std::string_view field) {
  std::string id;
  id.reserve(collection.size() + 1 + field.size());
  id.append(collection).append(".").append(field);
  return {std::string(kFieldType), std::move(id)};
}

std::vector<cedar::EntityUid> FieldUids(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<cedar::EntityUid> uids;
  uids.reserve(fields.size());
  for (const auto& [collection, field] : fields) uids.push_back(FieldUid(collection, field));
  return uids;
}

// Homes seen by one service beyond this many get a store built per request (the
// vault's sites name a handful of jurisdictions; this only bounds memory).
constexpr size_t kMaxCachedHomes = 64;

AuditEntry BaseAudit(const Principal& principal, const RequestContext& context, std::string action,
                     std::string subject_pseudonym) {
  AuditEntry audit;
  audit.time_unix_micros = context.time_unix_micros;
  audit.request_id = context.request_id;
  audit.principal = principal.uid.ToCedar();
  audit.authenticated_by = principal.authenticated_by;
  audit.source_ip = context.source_ip.ToString();
  audit.source_country = context.source_country;
  audit.action = std::move(action);
  audit.subject = std::move(subject_pseudonym);
  audit.purpose = context.purpose;
  audit.justification = context.justification;
  return audit;
}

}  // namespace

std::shared_ptr<const cedar::Entities> DataService::EntitiesFor(const std::string& home) const {
  {
    std::shared_lock<std::shared_mutex> lock(entities_mu_);
    if (auto it = entities_by_home_.find(home); it != entities_by_home_.end()) return it->second;
  }
  auto entities = std::make_shared<cedar::Entities>(*deps_.directory);
  for (const auto& [collection, spec] : deps_.vault->config().collections) {
    for (const auto& [field, unused] : spec.fields) {
      cedar::Entity e;
      e.uid = FieldUid(collection, field);
      e.attrs = {{"home", cedar::Value(home)},
                 {"category", cedar::Value(std::string(vault::CategoryName(deps_.vault->CategoryOf(collection, field))))},
                 {"collection", cedar::Value(collection)},
                 {"name", cedar::Value(field)},
                 {"field", cedar::Value(e.uid.id)}};
      entities->Add(std::move(e));
    }
  }
  entities->Finalize();
  std::unique_lock<std::shared_mutex> lock(entities_mu_);
  if (entities_by_home_.size() >= kMaxCachedHomes) return entities;
  return entities_by_home_.emplace(home, std::move(entities)).first->second;
}

DataService::DataService(DataServiceDeps deps) : deps_(std::move(deps)) {
  for (const auto& policy : deps_.policies->policies()) {
    for (const auto& [key, value] : policy.annotations) {
      if (key == "id") policy_names_[policy.id] = value;
    }
  }
}

Status DataService::Append(const AuditEntry& entry, AuditTrail& trail, bool durable) {
  trail.attempted = true;
  Result<uint64_t> index = deps_.audit(entry);
  if (!index.ok()) return UnavailableError("audit log unavailable: " + index.status().message());
  trail.index = *index;
  trail.durable = !deps_.wait_durable;
  if (durable && !trail.durable) {
    Status st = WaitDurable(*index);
    if (!st.ok()) {
      trail.index.reset();  // appended, but it will never be durable: nothing was done
      return UnavailableError("audit log unavailable: " + st.message());
    }
    trail.durable = true;
  }
  return Status::Ok();
}

Status DataService::WaitDurable(uint64_t index) const {
  return deps_.wait_durable ? deps_.wait_durable(index) : Status::Ok();
}

Result<nlohmann::json> DataService::Shape(const std::string& qualified_field, View view,
                                          const nlohmann::json& value) const {
  if (view == View::kPlain) return value;
  if (view == View::kMasked) {
    const auto mk = deps_.masks.find(qualified_field);
    Result<nlohmann::json> masked = MaskValue(mk == deps_.masks.end() ? MaskKind::kRedact : mk->second, value);
    // A value that does not fit its mask kind is fully redacted.
    return masked.ok() ? std::move(masked).value() : nlohmann::json("***");
  }
  ASSIGN_OR_RETURN(std::string pseudonym, Pseudonymize(deps_.pseudonym_key, qualified_field, value));
  return nlohmann::json(std::move(pseudonym));
}

Status DataService::RecordWhoAmI(const Principal& principal, const RequestContext& context, AuditTrail& trail) {
  AuditEntry audit = BaseAudit(principal, context, "whoami", "");
  audit.outcome = "allowed";
  audit.http_status = 200;
  return Append(audit, trail, /*durable=*/false);
}

void DataService::RecordRefusal(const Principal* principal, const RequestContext& context, std::string_view action,
                                std::string_view subject, const Status& why, int http_status, AuditTrail& trail) {
  AuditEntry audit = BaseAudit(principal != nullptr ? *principal : Principal{}, context, std::string(action), "");
  if (principal == nullptr) audit.principal = "unauthenticated";
  if (!subject.empty()) audit.subject = SubjectPseudonym(deps_.pseudonym_key, subject).value_or("");
  audit.http_status = http_status;
  audit.outcome = audit.http_status == 401 || audit.http_status == 403 ? "denied" : "error";
  audit.reason = why.message();
  // A failed append leaves trail.index empty; the caller answers with its own error.
  Append(audit, trail, /*durable=*/false).IgnoreError();
}

Result<ReadResult> DataService::Read(const Principal& principal, const RequestContext& context,
                                     const ReadRequest& request, AuditTrail& trail) {
  const auto coll = deps_.vault->config().collections.find(request.collection);
  if (coll == deps_.vault->config().collections.end()) {
    return InvalidArgumentError("unknown collection");
  }
  std::vector<std::string> fields = request.fields;
  if (fields.empty()) {
    for (const auto& [name, spec] : coll->second.fields) fields.push_back(name);
  }
  for (const auto& f : fields) {
    if (!coll->second.fields.contains(f)) return InvalidArgumentError("unknown field " + request.collection + "." + f);
  }
  // The subject record is read once: its home decides the policy, its key the read.
  ASSIGN_OR_RETURN(const vault::SubjectRef subject, deps_.vault->Subject(request.subject));
  ASSIGN_OR_RETURN(std::string subject_pseudonym, SubjectPseudonym(deps_.pseudonym_key, request.subject));
  const cedar::Value cedar_context = context.ToCedarContext();

  const std::shared_ptr<const cedar::Entities> entities = EntitiesFor(subject.home());
  const cedar::EntityUid principal_uid = ToCedarUid(principal.uid);

  ReadResult result;
  AuditEntry& audit = result.audit;
  audit = BaseAudit(principal, context, "read", subject_pseudonym);
  audit.collection = request.collection;
  size_t allowed = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    Verdict v = DecideView(deps_, policy_names_, *entities, principal_uid, FieldUid(request.collection, fields[i]),
                           cedar_context);
    if (v.view != View::kNone) ++allowed;
    audit.fields.push_back({request.collection + "." + fields[i], v.view, std::move(v.policy_ids), std::move(v.errors)});
  }
  audit.outcome = allowed == 0 ? "denied" : allowed == fields.size() ? "allowed" : "partial";
  audit.http_status = allowed == 0 ? 403 : 200;
  if (allowed == 0) audit.reason = "no requested field is allowed in any view";

  // The decision is in the log before anything is read; the answer waits until it is
  // durable (see AuditTrail::durable).
  RETURN_IF_ERROR(Append(audit, trail, /*durable=*/false));
  if (allowed == 0) return PermissionDeniedError(audit.reason);

  std::vector<std::string> to_read;
  for (const auto& d : audit.fields) {
    if (d.view != View::kNone) to_read.push_back(d.field.substr(request.collection.size() + 1));
  }
  ASSIGN_OR_RETURN(std::vector<vault::FieldValue> values, deps_.vault->Get(subject, request.collection, to_read));
  nlohmann::json out = nlohmann::json::object();
  for (const auto& d : audit.fields) {
    const std::string name = d.field.substr(request.collection.size() + 1);
    if (d.view == View::kNone) continue;  // denied fields are omitted (they are in the audit entry)
    const vault::FieldValue* fv = nullptr;
    for (const auto& v : values) {
      if (v.field == name) fv = &v;
    }
    if (fv == nullptr) continue;  // absent in the vault
    ASSIGN_OR_RETURN(nlohmann::json shaped, Shape(d.field, d.view, fv->value));
    out[name] = {{"view", std::string(ViewName(d.view))}, {"value", std::move(shaped)}};
  }
  result.body = {{"fields", std::move(out)}};
  return result;
}

Result<AuditEntry> DataService::Write(const Principal& principal, const RequestContext& context,
                                      std::string_view subject, const SubjectWrite& write, AuditTrail& trail) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [collection, values] : write.data) {
    const auto coll = deps_.vault->config().collections.find(collection);
    if (coll == deps_.vault->config().collections.end()) return InvalidArgumentError("unknown collection");
    for (const auto& [field, value] : values) {
      if (!coll->second.fields.contains(field)) return InvalidArgumentError("unknown field " + collection + "." + field);
      fields.emplace_back(collection, field);
    }
  }
  if (fields.empty()) return InvalidArgumentError("no fields to write");
  std::string home = write.home;
  Result<std::string> existing = deps_.vault->Home(subject);
  if (existing.ok()) {
    if (!home.empty() && home != *existing) return AlreadyExistsError("the subject exists with another home (a home never changes)");
    home = *existing;
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  if (home.empty()) return InvalidArgumentError("home is required for a new subject");
  ASSIGN_OR_RETURN(std::string subject_pseudonym, SubjectPseudonym(deps_.pseudonym_key, subject));
  const cedar::Value cedar_context = context.ToCedarContext();
  AuditEntry audit = BaseAudit(principal, context, "write", subject_pseudonym);
  const bool all_allowed = DecideEach(deps_, policy_names_, *EntitiesFor(home), ToCedarUid(principal.uid), "write",
                                      fields, FieldUids(fields), cedar_context, audit);
  audit.outcome = all_allowed ? "allowed" : "denied";
  audit.http_status = all_allowed ? 200 : 403;
  if (!all_allowed) audit.reason = "a field of the write is not allowed";
  RETURN_IF_ERROR(Append(audit, trail, /*durable=*/true));
  if (!all_allowed) return PermissionDeniedError(audit.reason);
  RETURN_IF_ERROR(deps_.vault->Put(subject, home, write.data));
  return audit;
}

Result<DeleteResult> DataService::Delete(const Principal& principal, const RequestContext& context,
                                         std::string_view subject, AuditTrail& trail) {
  ASSIGN_OR_RETURN(std::string home, deps_.vault->Home(subject));
  ASSIGN_OR_RETURN(std::string subject_pseudonym, SubjectPseudonym(deps_.pseudonym_key, subject));
  const cedar::Value cedar_context = context.ToCedarContext();
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [collection, spec] : deps_.vault->config().collections) {
    for (const auto& [field, unused] : spec.fields) fields.emplace_back(collection, field);
  }
  AuditEntry audit = BaseAudit(principal, context, "delete", subject_pseudonym);
  const bool all_allowed =
      !fields.empty() && DecideEach(deps_, policy_names_, *EntitiesFor(home), ToCedarUid(principal.uid), "delete",
                                    fields, FieldUids(fields), cedar_context, audit);
  audit.outcome = all_allowed ? "allowed" : "denied";
  audit.http_status = all_allowed ? 200 : 403;
  if (!all_allowed) audit.reason = "deleting the subject is not allowed for every field";
  RETURN_IF_ERROR(Append(audit, trail, /*durable=*/true));
  if (!all_allowed) return PermissionDeniedError(audit.reason);

  // The second entry records what the shred did (or that it failed); no field list.
  AuditEntry shred = BaseAudit(principal, context, "shred", subject_pseudonym);
  Result<vault::ShredReceipt> receipt = deps_.vault->Delete(subject);
  if (receipt.ok()) {
    shred.outcome = "allowed";
    shred.http_status = 200;
    shred.receipt = receipt->ToJson();
  } else {
    shred.outcome = "error";
    shred.http_status = 500;
    shred.reason = receipt.status().message();
  }
  AuditTrail shred_trail;
  Status logged = Append(shred, shred_trail, /*durable=*/true);
  if (!receipt.ok()) return receipt.status();
  if (!logged.ok()) return UnavailableError("the subject was shredded but its receipt could not be logged");
  return DeleteResult{std::move(receipt).value(), *shred_trail.index};
}

Result<LookupResult> DataService::Lookup(const Principal& principal, const RequestContext& context,
                                         const LookupRequest& request, AuditTrail& trail) {
  const vault::Collection* coll = deps_.vault->config().FindCollection(request.collection);
  if (coll == nullptr || !coll->fields.contains(request.field)) return InvalidArgumentError("unknown collection or field");
  if (coll->fields.find(request.field)->second.blind_index == vault::Normalizer::kNone) {
    return InvalidArgumentError("field " + request.collection + "." + request.field + " has no blind index");
  }
  // Decided once, on the field as held at this site (the subjects' home jurisdiction).
  const std::string home = deps_.vault->config().site().jurisdiction;
  const cedar::Value cedar_context = context.ToCedarContext();
  Verdict v = Decide(deps_, policy_names_, *EntitiesFor(home), ToCedarUid(principal.uid), "search",
                     FieldUid(request.collection, request.field), cedar_context);

  AuditEntry audit = BaseAudit(principal, context, "search", "");
  audit.collection = request.collection;
  const bool allowed = v.view != View::kNone;
  audit.fields.push_back({request.collection + "." + request.field, v.view, std::move(v.policy_ids),
                          std::move(v.errors)});
  LookupResult result;
  if (allowed) {
    // Nothing leaves before the entry is durable; the lookup only counts the matches.
    ASSIGN_OR_RETURN(result.subjects, deps_.vault->Lookup(request.collection, request.field, request.value));
  }
  audit.records = result.subjects.size();
  audit.outcome = allowed ? "allowed" : "denied";
  audit.http_status = allowed ? 200 : 403;
  if (!allowed) audit.reason = "search on this field is not allowed";
  RETURN_IF_ERROR(Append(audit, trail, /*durable=*/true));
  if (!allowed) return PermissionDeniedError(audit.reason);
  return result;
}

Result<ExportResult> DataService::Export(const Principal& principal, const RequestContext& context,
                                         const ExportRequest& request, AuditTrail& trail) {
  if (deps_.store == nullptr || deps_.export_limiter == nullptr) return UnimplementedError("export is not configured");
  const vault::Collection* coll = deps_.vault->config().FindCollection(request.collection);
  if (coll == nullptr) return InvalidArgumentError("unknown collection");
  std::vector<std::string> fields = request.fields;
  if (fields.empty()) {
    for (const auto& [name, spec] : coll->fields) fields.push_back(name);
  }
  for (const auto& f : fields) {
    if (!coll->fields.contains(f)) return InvalidArgumentError("unknown field " + request.collection + "." + f);
  }
  if (request.limit == 0 || request.limit > kMaxExportPage) return InvalidArgumentError("bad export page size");

  // Decided once per field, on the field as held at this site (an enclave holds the
  // subjects of its own jurisdiction only; a subject homed elsewhere is skipped).
  const std::string site_home = deps_.vault->config().site().jurisdiction;
  const cedar::Value cedar_context = context.ToCedarContext();
  const std::shared_ptr<const cedar::Entities> entities = EntitiesFor(site_home);
  const cedar::EntityUid principal_uid = ToCedarUid(principal.uid);
  AuditEntry audit = BaseAudit(principal, context, "export", "");
  audit.collection = request.collection;
  bool any_allowed = false, profiling = false;
  for (size_t i = 0; i < fields.size(); ++i) {
    const cedar::EntityUid resource = FieldUid(request.collection, fields[i]);
    Verdict v = Decide(deps_, policy_names_, *entities, principal_uid, "export", resource, cedar_context);
    if (v.view != View::kNone) {
      // Export allows the field; it goes out in the most revealing view reading allows.
      Verdict view = DecideView(deps_, policy_names_, *entities, principal_uid, resource, cedar_context);
      v.view = view.view;
      v.policy_ids.insert(v.policy_ids.end(), view.policy_ids.begin(), view.policy_ids.end());
      v.errors.insert(v.errors.end(), view.errors.begin(), view.errors.end());
    }
    any_allowed = any_allowed || v.view != View::kNone;
    profiling = profiling || coll->fields.at(fields[i]).category == vault::Category::kProfiling;
    audit.fields.push_back({request.collection + "." + fields[i], v.view, std::move(v.policy_ids), std::move(v.errors)});
  }

  // The page: subject ids after the cursor, of this site's jurisdiction (and `home`).
  std::vector<std::string> ids;
  std::vector<vault::SubjectRef> page;  // each record read once, for its home and then its fields
  if (any_allowed && (request.home.empty() || request.home == site_home)) {
    ASSIGN_OR_RETURN(ids, deps_.store->ListSubjects(request.cursor, request.limit));
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(vault::SubjectRef subject, deps_.vault->Subject(id));
      if (subject.home() == site_home) page.push_back(std::move(subject));
    }
  }
  audit.bulk = profiling ? "profiling" : "export";
  const uint64_t records = page.size();
  Status limited = Status::Ok();
  if (!any_allowed) {
    audit.outcome = "denied";
    audit.http_status = 403;
    audit.reason = "no requested field may be exported";
  } else if (limited = deps_.export_limiter->Acquire(audit.principal, context.purpose, records); !limited.ok()) {
    audit.outcome = "denied";
    audit.http_status = 429;
    audit.reason = limited.message();
    const double wait = deps_.export_limiter->RetryAfterSeconds(audit.principal, context.purpose, records);
    if (std::isfinite(wait) && wait > 0) trail.retry_after_seconds = static_cast<int64_t>(std::ceil(wait));
  } else {
    audit.outcome = "allowed";
    audit.http_status = 200;
    audit.records = records;
  }
  RETURN_IF_ERROR(Append(audit, trail, /*durable=*/true));
  if (audit.http_status == 403) return PermissionDeniedError(audit.reason);
  if (!limited.ok()) return limited;

  ExportResult result;
  std::vector<std::string> to_read;
  for (const FieldDecision& d : audit.fields) {
    if (d.view != View::kNone) to_read.push_back(d.field.substr(request.collection.size() + 1));
  }
  nlohmann::json out = nlohmann::json::array();
  for (const vault::SubjectRef& subject : page) {
    ASSIGN_OR_RETURN(std::vector<vault::FieldValue> values, deps_.vault->Get(subject, request.collection, to_read));
    nlohmann::json shaped = nlohmann::json::object();
    for (const auto& fv : values) {
      const std::string qualified_name = request.collection + "." + fv.field;
      const auto d = std::find_if(audit.fields.begin(), audit.fields.end(),
                                  [&](const FieldDecision& f) { return f.field == qualified_name; });
      ASSIGN_OR_RETURN(nlohmann::json value, Shape(qualified_name, d->view, fv.value));
      shaped[fv.field] = {{"view", std::string(ViewName(d->view))}, {"value", std::move(value)}};
    }
    out.push_back({{"subject", subject.id()}, {"fields", std::move(shaped)}});
  }
  result.body = {{"records", std::move(out)}};
  if (ids.size() == request.limit) result.body["next_cursor"] = ids.back();
  result.audit = std::move(audit);
  return result;
}

}  // namespace domicile::gateway
