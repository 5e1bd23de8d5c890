#include "vault/replication.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/encoding.h"
#include "crypto/ed25519.h"
#include "crypto/random.h"
#include "vault/internal/strict_json.h"

namespace domicile::vault {
namespace {

using Json = nlohmann::json;
using internal::Bytes;
using internal::OnlyKeys;
using internal::Str;
using internal::U64;

constexpr std::string_view kSigDomain = "domicile-replication-v1\n";
constexpr std::string_view kExportSigDomain = "domicile-replication-export-v1\n";
constexpr std::string_view kCursorPrefix = "replication/cursor/";
constexpr std::string_view kOutboxPrefix = "replication/outbox/";
constexpr uint64_t kBatchFormat = 2;  // 2: put changes carry the subject's index entries

std::string SignedMessage(std::string_view payload, std::string_view domain) {
  std::string m(domain);
  m.append(payload);
  return m;
}

Json ChangeToJson(const SubjectChange& c) {
  Json j = {{"subject", Base64Encode(c.subject)}, {"op", c.shred ? "shred" : "put"}};
  if (c.shred) return j;
  j["home"] = c.record.home;
  j["key_blob"] = Base64Encode(c.record.key_blob);
  j["generation"] = c.record.generation;
  Json fields = Json::array();
  for (const store::FieldRecord& f : c.fields) {
    fields.push_back({{"collection", f.collection},
                      {"field", f.field},
                      {"version", f.version},
                      {"sealed", Base64Encode(f.sealed)}});
  }
  j["fields"] = std::move(fields);
  Json index = Json::array();
  for (const store::IndexEntry& e : c.index) index.push_back({{"index", e.index}, {"token", Base64Encode(e.token)}});
  j["index"] = std::move(index);
  return j;
}

Result<SubjectChange> ChangeFromJson(const Json& j, const std::string& what) {
  SubjectChange c;
  ASSIGN_OR_RETURN(c.subject, Bytes(j, "subject", what));
  ASSIGN_OR_RETURN(std::string op, Str(j, "op", what));
  if (op == "shred") {
    RETURN_IF_ERROR(OnlyKeys(j, {"subject", "op"}, what));
    c.shred = true;
    if (c.subject.empty()) return InvalidArgumentError(what + ": empty subject");
    return c;
  }
  if (op != "put") return InvalidArgumentError(what + ".op: want put or shred");
  RETURN_IF_ERROR(OnlyKeys(j, {"subject", "op", "home", "key_blob", "generation", "fields", "index"}, what));
  c.record.id = c.subject;
  ASSIGN_OR_RETURN(c.record.home, Str(j, "home", what));
  ASSIGN_OR_RETURN(c.record.key_blob, Bytes(j, "key_blob", what));
  ASSIGN_OR_RETURN(c.record.generation, U64(j, "generation", what));
  if (c.record.home.empty() || c.record.key_blob.empty()) {
    return InvalidArgumentError(what + ": empty home or key_blob");
  }
  auto fields = j.find("fields");
  if (fields == j.end() || !fields->is_array()) return InvalidArgumentError(what + ".fields: not an array");
  for (size_t i = 0; i < fields->size(); ++i) {
    const Json& fj = (*fields)[i];
    const std::string fwhat = what + ".fields[" + std::to_string(i) + "]";
    RETURN_IF_ERROR(OnlyKeys(fj, {"collection", "field", "version", "sealed"}, fwhat));
    store::FieldRecord f;
    ASSIGN_OR_RETURN(f.collection, Str(fj, "collection", fwhat));
    ASSIGN_OR_RETURN(f.field, Str(fj, "field", fwhat));
    ASSIGN_OR_RETURN(f.version, U64(fj, "version", fwhat));
    ASSIGN_OR_RETURN(f.sealed, Bytes(fj, "sealed", fwhat));
    if (f.sealed.empty()) return InvalidArgumentError(fwhat + ": empty sealed value");
    c.fields.push_back(std::move(f));
  }
  auto index = j.find("index");
  if (index == j.end() || !index->is_array()) return InvalidArgumentError(what + ".index: not an array");
  for (size_t i = 0; i < index->size(); ++i) {
    const Json& ij = (*index)[i];
    const std::string iwhat = what + ".index[" + std::to_string(i) + "]";
    RETURN_IF_ERROR(OnlyKeys(ij, {"index", "token"}, iwhat));
    store::IndexEntry e;
    ASSIGN_OR_RETURN(e.index, Str(ij, "index", iwhat));
    ASSIGN_OR_RETURN(e.token, Bytes(ij, "token", iwhat));
    e.subject = c.subject;
    c.index.push_back(std::move(e));
  }
  return c;
}

store::Mutation ToMutation(const SubjectChange& c) {
  store::Mutation m;
  m.subject = c.subject;
  m.upsert = c.record;
  m.put_fields = c.fields;
  m.put_index = c.index;
  return m;
}

// The "changes" array of `j` (a batch or an export page, named `where` in errors): at
// most `max` changes, each well-formed and, unless a shred, a valid store mutation.
Result<std::vector<SubjectChange>> ChangesFromJson(const Json& j, const std::string& where, size_t max) {
  auto changes = j.find("changes");
  if (changes == j.end() || !changes->is_array()) return InvalidArgumentError(where + ".changes: not an array");
  if (changes->size() > max) return ResourceExhaustedError(where + ".changes: too many");
  std::vector<SubjectChange> out;
  out.reserve(changes->size());
  for (size_t i = 0; i < changes->size(); ++i) {
    const std::string what = where + ".changes[" + std::to_string(i) + "]";
    ASSIGN_OR_RETURN(SubjectChange c, ChangeFromJson((*changes)[i], what));
    if (!c.shred) RETURN_IF_ERROR(store::ValidateMutation(ToMutation(c)).Annotate(what));
    out.push_back(std::move(c));
  }
  return out;
}

Result<ReplicationBatch> ParsePayload(std::string_view payload) {
  const Json j = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("batch: not JSON");
  RETURN_IF_ERROR(OnlyKeys(j, {"v", "from", "to", "seq", "changes"}, "batch"));
  ASSIGN_OR_RETURN(uint64_t v, U64(j, "v", "batch"));
  if (v != kBatchFormat) {
    return InvalidArgumentError("batch.v: format " + std::to_string(v) + " unsupported, this site reads " +
                                std::to_string(kBatchFormat));
  }
  ReplicationBatch b;
  ASSIGN_OR_RETURN(b.from_site, Str(j, "from", "batch"));
  ASSIGN_OR_RETURN(b.to_site, Str(j, "to", "batch"));
  ASSIGN_OR_RETURN(b.seq, U64(j, "seq", "batch"));
  if (b.seq == 0) return InvalidArgumentError("batch.seq: must be > 0");
  ASSIGN_OR_RETURN(b.changes, ChangesFromJson(j, "batch", kMaxBatchChanges));
  return b;
}

// Verifies a signed envelope and returns its payload bytes.
Result<std::string> OpenEnvelope(std::string_view envelope, std::string_view public_key, std::string_view domain) {
  if (envelope.size() > kMaxBatchBytes) return ResourceExhaustedError("envelope: too large");
  const Json j = Json::parse(envelope, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgumentError("envelope: not JSON");
  RETURN_IF_ERROR(OnlyKeys(j, {"v", "payload", "sig"}, "envelope"));
  ASSIGN_OR_RETURN(uint64_t v, U64(j, "v", "envelope"));
  if (v != 1) return InvalidArgumentError("envelope.v: unsupported version");
  ASSIGN_OR_RETURN(std::string payload, Bytes(j, "payload", "envelope"));
  ASSIGN_OR_RETURN(std::string sig, Bytes(j, "sig", "envelope"));
  if (!crypto::Ed25519Verify(public_key, SignedMessage(payload, domain), sig)) {
    return PermissionDeniedError("signature does not verify with the sender's replication key");
  }
  return payload;
}

Result<std::string> SignEnvelope(const Json& payload, std::string_view seed, std::string_view domain) {
  const std::string text = payload.dump();
  ASSIGN_OR_RETURN(std::string sig, crypto::Ed25519Sign(seed, SignedMessage(text, domain)));
  return Json({{"v", 1}, {"payload", Base64Encode(text)}, {"sig", Base64Encode(sig)}}).dump();
}

}  // namespace

Result<SubjectChange> ReadSubjectChange(store::Store& store, std::string_view subject) {
  SubjectChange c;
  c.subject = std::string(subject);
  ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> rec, store.GetSubject(subject));
  if (!rec.has_value()) {
    c.shred = true;
    return c;
  }
  c.record = std::move(*rec);
  ASSIGN_OR_RETURN(c.fields, store.GetAllFields(subject));
  ASSIGN_OR_RETURN(c.index, store.GetIndexEntries(subject));
  return c;
}

Result<std::string> SignBatch(const ReplicationBatch& batch, std::string_view signing_seed) {
  Json changes = Json::array();
  for (const SubjectChange& c : batch.changes) changes.push_back(ChangeToJson(c));
  return SignEnvelope({{"v", kBatchFormat}, {"from", batch.from_site}, {"to", batch.to_site}, {"seq", batch.seq},
                       {"changes", std::move(changes)}},
                      signing_seed, kSigDomain);
}

Result<ReplicationBatch> OpenBatch(std::string_view envelope, std::string_view sender_public_key,
                                   std::string_view expected_from, std::string_view expected_to) {
  try {
    Result<std::string> payload = OpenEnvelope(envelope, sender_public_key, kSigDomain);
    if (!payload.ok()) return payload.status().Annotate("batch");
    ASSIGN_OR_RETURN(ReplicationBatch b, ParsePayload(*payload));
    if (b.from_site != expected_from || b.to_site != expected_to) {
      return PermissionDeniedError("batch: not from " + std::string(expected_from) + " to " +
                                   std::string(expected_to));
    }
    return b;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("batch: ") + e.what());
  }
}

Result<std::string> SignExportRequest(const ExportRequest& request, std::string_view signing_seed) {
  return SignEnvelope({{"v", 1},
                       {"from", request.from_site},
                       {"to", request.to_site},
                       {"after", Base64Encode(request.after)},
                       {"time_micros", request.time_micros}},
                      signing_seed, kExportSigDomain);
}

Result<ExportRequest> OpenExportRequest(std::string_view envelope, std::string_view sender_public_key,
                                        std::string_view expected_from, std::string_view expected_to,
                                        int64_t now_micros) {
  try {
    Result<std::string> payload = OpenEnvelope(envelope, sender_public_key, kExportSigDomain);
    if (!payload.ok()) return payload.status().Annotate("export request");
    const Json j = Json::parse(*payload, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return InvalidArgumentError("export request: not JSON");
    RETURN_IF_ERROR(OnlyKeys(j, {"v", "from", "to", "after", "time_micros"}, "export request"));
    ASSIGN_OR_RETURN(uint64_t v, U64(j, "v", "export request"));
    if (v != 1) return InvalidArgumentError("export request.v: unsupported version");
    ExportRequest r;
    ASSIGN_OR_RETURN(r.from_site, Str(j, "from", "export request"));
    ASSIGN_OR_RETURN(r.to_site, Str(j, "to", "export request"));
    ASSIGN_OR_RETURN(r.after, Bytes(j, "after", "export request"));
    auto t = j.find("time_micros");
    if (t == j.end() || !t->is_number_integer()) {
      return InvalidArgumentError("export request.time_micros: not an integer");
    }
    r.time_micros = t->get<int64_t>();
    if (r.from_site != expected_from || r.to_site != expected_to) {
      return PermissionDeniedError("export request: not from " + std::string(expected_from) + " to " +
                                   std::string(expected_to));
    }
    if (r.time_micros < now_micros - kMaxExportRequestAgeMicros ||
        r.time_micros > now_micros + kMaxExportRequestAgeMicros) {
      return PermissionDeniedError("export request: not fresh (signed more than 300 s from this site's clock)");
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("export request: ") + e.what());
  }
}

Result<ExportPage> ReadExportPage(store::Store& store, std::string_view after) {
  ExportPage page;
  ASSIGN_OR_RETURN(std::vector<std::string> ids, store.ListSubjects(after, kMaxExportPage + 1));
  page.more = ids.size() > kMaxExportPage;
  if (page.more) ids.pop_back();
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(SubjectChange c, ReadSubjectChange(store, id));
    page.changes.push_back(std::move(c));  // a shred: deleted since the listing
  }
  return page;
}

std::string EncodeExportPage(const ExportPage& page) {
  Json changes = Json::array();
  for (const SubjectChange& c : page.changes) changes.push_back(ChangeToJson(c));
  return Json({{"v", kBatchFormat}, {"changes", std::move(changes)}, {"more", page.more}}).dump();
}

Result<ExportPage> ParseExportPage(std::string_view text) {
  if (text.size() > kMaxBatchBytes) return ResourceExhaustedError("export page: too large");
  try {
    const Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return InvalidArgumentError("export page: not JSON");
    RETURN_IF_ERROR(OnlyKeys(j, {"v", "changes", "more"}, "export page"));
    ASSIGN_OR_RETURN(uint64_t v, U64(j, "v", "export page"));
    if (v != kBatchFormat) return InvalidArgumentError("export page.v: unsupported format");
    auto more = j.find("more");
    if (more == j.end() || !more->is_boolean()) return InvalidArgumentError("export page.more: not a boolean");
    ExportPage page;
    page.more = more->get<bool>();
    ASSIGN_OR_RETURN(page.changes, ChangesFromJson(j, "export page", kMaxExportPage));
    return page;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("export page: ") + e.what());
  }
}

Result<uint64_t> BatchApplier::Cursor(std::string_view from_site) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, store_->GetMeta(std::string(kCursorPrefix) + std::string(from_site)));
  if (!text.has_value()) return uint64_t{0};
  try {
    return static_cast<uint64_t>(std::stoull(*text));
  } catch (const std::exception&) {
    return DataLossError("replication cursor of " + std::string(from_site) + " is damaged");
  }
}

Result<uint64_t> BatchApplier::Apply(const ReplicationBatch& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(uint64_t cursor, Cursor(batch.from_site));
  if (batch.seq <= cursor) return cursor;  // a replay or a retry of an applied batch
  for (const SubjectChange& c : batch.changes) {
    if (c.shred) {
      Status st = store_->DeleteSubject(c.subject);
      if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    } else {
      // The subject's entries become exactly the shipped ones: the applier is the
      // store's only writer and batches are serialised, so nothing races this read.
      store::Mutation m = ToMutation(c);
      ASSIGN_OR_RETURN(std::vector<store::IndexEntry> held, store_->GetIndexEntries(c.subject));
      for (store::IndexEntry& e : held) {
        if (std::find(c.index.begin(), c.index.end(), e) == c.index.end()) m.delete_index.push_back(std::move(e));
      }
      RETURN_IF_ERROR(store_->Apply(m));
    }
  }
  RETURN_IF_ERROR(store_->PutMeta(std::string(kCursorPrefix) + batch.from_site, std::to_string(batch.seq)));
  return batch.seq;
}

Status ChangeFeed::MarkAll() {
  {
    std::lock_guard<std::mutex> writers(outbox_mu_);
    std::string after;
    for (;;) {
      ASSIGN_OR_RETURN(std::vector<store::MetaEntry> page, inner_->ListMeta(kOutboxPrefix, after, 1000));
      if (page.empty()) break;
      after = page.back().key;
      std::lock_guard<std::mutex> lock(mu_);
      for (store::MetaEntry& e : page) {
        std::string subject = e.key.substr(kOutboxPrefix.size());
        changed_.insert(subject);
        outbox_[std::move(subject)] = std::move(e.value);
        ++marks_;
      }
      cv_.notify_all();
    }
  }
  std::string after;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, inner_->ListSubjects(after, 1000));
    if (ids.empty()) return Status::Ok();
    after = ids.back();
    std::lock_guard<std::mutex> lock(mu_);
    changed_.insert(ids.begin(), ids.end());
    marks_ += ids.size();
    cv_.notify_all();
  }
}

void ChangeFeed::Mark(std::string_view subject) {
  std::lock_guard<std::mutex> lock(mu_);
  changed_.emplace(subject);
  ++marks_;
  cv_.notify_all();
}

uint64_t ChangeFeed::marks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return marks_;
}

std::vector<ChangeFeed::Taken> ChangeFeed::Take(size_t max, int timeout_ms, uint64_t* all_taken) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return !changed_.empty() || woken_; });
  woken_ = false;
  std::vector<Taken> out;
  while (!changed_.empty() && out.size() < max) {
    Taken t{std::move(changed_.extract(changed_.begin()).value()), ""};
    if (auto it = outbox_.find(t.subject); it != outbox_.end()) t.outbox = it->second;
    out.push_back(std::move(t));
  }
  if (all_taken != nullptr) *all_taken = changed_.empty() ? marks_ : 0;
  return out;
}

Status ChangeFeed::ClearOutbox(std::string_view subject, std::string_view intent) {
  std::lock_guard<std::mutex> writers(outbox_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = outbox_.find(subject);
    if (it == outbox_.end() || it->second != intent) return Status::Ok();  // replaced by a later deletion
  }
  RETURN_IF_ERROR(inner_->DeleteMeta(std::string(kOutboxPrefix) + std::string(subject)));
  std::lock_guard<std::mutex> lock(mu_);
  outbox_.erase(outbox_.find(subject));
  return Status::Ok();
}

size_t ChangeFeed::outbox_size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return outbox_.size();
}

void ChangeFeed::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

Status ChangeFeed::Apply(const store::Mutation& m) {
  Status st = inner_->Apply(m);
  if (st.ok()) Mark(m.subject);
  return st;
}

Status ChangeFeed::DeleteSubject(std::string_view id) {
  if (id.empty()) return InvalidArgumentError("store: empty subject id");
  ASSIGN_OR_RETURN(std::string nonce, crypto::RandomBytes(16));
  const std::string intent = HexEncode(nonce);
  {
    // The intent is durable before the delete: without it, no delete.
    std::lock_guard<std::mutex> writers(outbox_mu_);
    RETURN_IF_ERROR(inner_->PutMeta(std::string(kOutboxPrefix) + std::string(id), intent)
                        .Annotate("replication outbox"));
    std::lock_guard<std::mutex> lock(mu_);
    outbox_[std::string(id)] = intent;
  }
  Status st = inner_->DeleteSubject(id);
  // Marked whatever the outcome: the outbox entry exists either way, and the shipper
  // ships the subject's current state (a shred, or the unchanged record) and clears it.
  Mark(id);
  return st;
}

Result<std::optional<store::SubjectRecord>> ChangeFeed::GetSubject(std::string_view id) {
  return inner_->GetSubject(id);
}
Result<std::vector<store::FieldRecord>> ChangeFeed::GetFields(std::string_view subject, std::string_view collection,
                                                              const std::vector<std::string>& fields) {
  return inner_->GetFields(subject, collection, fields);
}
Result<std::vector<store::FieldRecord>> ChangeFeed::GetAllFields(std::string_view subject) {
  return inner_->GetAllFields(subject);
}
Result<std::vector<std::string>> ChangeFeed::Lookup(std::string_view index, std::string_view token) {
  return inner_->Lookup(index, token);
}
Result<std::vector<store::IndexEntry>> ChangeFeed::GetIndexEntries(std::string_view subject) {
  return inner_->GetIndexEntries(subject);
}
Result<std::vector<std::string>> ChangeFeed::ListSubjects(std::string_view after, size_t limit) {
  return inner_->ListSubjects(after, limit);
}
Status ChangeFeed::PutMeta(std::string_view key, std::string_view value) { return inner_->PutMeta(key, value); }
Result<std::optional<std::string>> ChangeFeed::GetMeta(std::string_view key) { return inner_->GetMeta(key); }
Status ChangeFeed::DeleteMeta(std::string_view key) { return inner_->DeleteMeta(key); }
Result<std::vector<store::MetaEntry>> ChangeFeed::ListMeta(std::string_view prefix, std::string_view after,
                                                           size_t limit) {
  return inner_->ListMeta(prefix, after, limit);
}

}  // namespace domicile::vault
