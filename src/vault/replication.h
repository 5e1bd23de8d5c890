// The change stream from an enclave to its backup sites: the state of changed
// subjects exactly as the store holds it (sealed field values, the wrapped data key,
// blind-index tokens) or the fact that a subject was shredded. Never a KEK, never plaintext:
// everything shipped is read from the Store, which only ever holds opaque bytes.
// Batches are signed with the enclave's Ed25519 replication key and carry a sequence
// number; the receiver applies a batch only after every part of it verified, and
// remembers the last sequence applied per sender (replays are no-ops).
// Wire format and protocol: docs/sites.md.
#ifndef DOMICILE_VAULT_REPLICATION_H_
#define DOMICILE_VAULT_REPLICATION_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace domicile::vault {

inline constexpr size_t kMaxBatchChanges = 1024;
inline constexpr size_t kMaxBatchBytes = 32 << 20;

// One subject's state as shipped. `shred`: the subject no longer exists at the
// sender (its data key's bucket secret is destroyed there); the receiver deletes it.
struct SubjectChange {
  std::string subject;
  bool shred = false;
  store::SubjectRecord record;            // when !shred
  std::vector<store::FieldRecord> fields;  // when !shred, every field shipped
  // When !shred: every blind-index entry of the subject (keyed HMAC tokens, never
  // plaintext; entry.subject == subject), sorted. The receiver's entries of the
  // subject become exactly these.
  std::vector<store::IndexEntry> index;

  friend bool operator==(const SubjectChange&, const SubjectChange&) = default;
};

struct ReplicationBatch {
  std::string from_site;
  std::string to_site;
  uint64_t seq = 0;  // > 0, strictly increasing per (from, to)
  std::vector<SubjectChange> changes;

  friend bool operator==(const ReplicationBatch&, const ReplicationBatch&) = default;
};

// The subject's current state in `store` (a shred change when it is absent), for a
// backup target. The record, fields and index entries are three reads: a write
// racing with them marks the subject changed again, so the next shipment of it
// carries the whole newer state. (Global sites get no store state: it carries raw
// subject ids and wrapped keys; docs/sites.md, "Global sites".)
Result<SubjectChange> ReadSubjectChange(store::Store& store, std::string_view subject);

// The signed envelope: {"v":1,"payload":"<base64 batch JSON>","sig":"<base64>"},
// sig = Ed25519(seed, "domicile-replication-v1\n" || payload bytes). The batch
// JSON is format 2 (index entries shipped); a format-1 batch is refused.
Result<std::string> SignBatch(const ReplicationBatch& batch, std::string_view signing_seed);

// Verifies the envelope with `sender_public_key` (32 bytes) and parses it strictly:
// InvalidArgument for malformed input, PermissionDenied for a bad signature or a
// batch from another sender or for another site. Every change is checked as a store
// mutation would be before anything is returned.
Result<ReplicationBatch> OpenBatch(std::string_view envelope, std::string_view sender_public_key,
                                   std::string_view expected_from, std::string_view expected_to);

// Restore over HTTP from a running backup: the new enclave asks for pages of the
// backup's state with a request signed by the enclave's replication key (domain
// "domicile-replication-export-v1\n", so a batch signature never passes as a
// request, nor the reverse), fresh within kMaxExportRequestAgeMicros of the
// backup's clock. The answer is a page of changes (no signature: sealed values and
// wrapped keys authenticate under the custodian's keys at unseal).
inline constexpr int64_t kMaxExportRequestAgeMicros = 300'000'000;
inline constexpr size_t kMaxExportPage = 256;

struct ExportRequest {
  std::string from_site;  // the enclave whose copy is asked for
  std::string to_site;    // the backup asked
  std::string after;      // subjects after this id ("" = from the first)
  int64_t time_micros = 0;

  friend bool operator==(const ExportRequest&, const ExportRequest&) = default;
};
Result<std::string> SignExportRequest(const ExportRequest& request, std::string_view signing_seed);
// Like OpenBatch; also PermissionDenied for a request older or newer than
// kMaxExportRequestAgeMicros against `now_micros`.
Result<ExportRequest> OpenExportRequest(std::string_view envelope, std::string_view sender_public_key,
                                        std::string_view expected_from, std::string_view expected_to,
                                        int64_t now_micros);

struct ExportPage {
  // In subject order; a `shred` for a subject deleted between listing and reading.
  std::vector<SubjectChange> changes;
  bool more = false;  // ask again with after = the last change's subject

  friend bool operator==(const ExportPage&, const ExportPage&) = default;
};
// Up to kMaxExportPage subjects of `store` after `after`.
Result<ExportPage> ReadExportPage(store::Store& store, std::string_view after);
std::string EncodeExportPage(const ExportPage& page);
// Strict, as OpenBatch's payload parsing (InvalidArgument).
Result<ExportPage> ParseExportPage(std::string_view text);

// Applies verified batches to a backup's store. Idempotent: a batch whose seq is not
// above the sender's cursor changes nothing. Each subject change is atomic (record,
// fields, and the index entries replaced by the shipped ones, in one Mutation); the
// cursor moves after the whole batch, so a crash mid-batch means the sender's retry
// applies it again (same state). Thread-safe (batches are serialised).
class BatchApplier {
 public:
  explicit BatchApplier(store::Store* store) : store_(store) {}
  // Returns the sender's cursor after the batch (the last seq applied).
  Result<uint64_t> Apply(const ReplicationBatch& batch);
  Result<uint64_t> Cursor(std::string_view from_site);
  store::Store* store() const { return store_; }

 private:
  store::Store* const store_;
  std::mutex mu_;  // serialises Apply
};

// A Store that forwards everything to `inner` and remembers which subjects changed,
// for the shipper. Thread-safe.
//
// Deletions are durable intent first: DeleteSubject writes an outbox entry (store
// meta `replication/outbox/<subject>` = a random intent id) before it deletes, and
// refuses to delete if that write fails. The entry stays until ClearOutbox, which
// the shipper calls once every target acknowledged a shipment of the subject taken
// after the intent; MarkAll marks every subject with an outbox entry too, so a
// shred lost in a crash (deleted, not yet shipped) is shipped after the restart.
class ChangeFeed final : public store::Store {
 public:
  explicit ChangeFeed(store::Store* inner) : inner_(inner) {}

  // A changed subject, with the intent id of its unacknowledged deletion ("" if none).
  struct Taken {
    std::string subject;
    std::string outbox;

    friend bool operator==(const Taken&, const Taken&) = default;
  };

  // Loads the outbox and marks every subject, and every subject with an outbox
  // entry, changed (after a restart the sender cannot know what the receivers
  // missed, so it ships everything once).
  Status MarkAll();
  void Mark(std::string_view subject);
  // Waits up to `timeout_ms` for a change, then takes up to `max` changed subjects.
  // `*all_taken` receives marks() if nothing is left behind, else 0.
  std::vector<Taken> Take(size_t max, int timeout_ms, uint64_t* all_taken = nullptr);
  // Removes the subject's outbox entry if it still holds `intent` (a later deletion
  // of the same subject replaced it otherwise, and is kept).
  Status ClearOutbox(std::string_view subject, std::string_view intent);
  // Deletions not yet acknowledged by every target.
  size_t outbox_size() const;
  // How many changes were ever marked (a shipper is caught up when it has shipped
  // everything taken at this count).
  uint64_t marks() const;
  // Wakes a waiting Take (shutdown).
  void Wake();

  Status Apply(const store::Mutation& m) override;
  Result<std::optional<store::SubjectRecord>> GetSubject(std::string_view id) override;
  Result<std::vector<store::FieldRecord>> GetFields(std::string_view subject, std::string_view collection,
                                                    const std::vector<std::string>& fields) override;
  Result<std::vector<store::FieldRecord>> GetAllFields(std::string_view subject) override;
  Result<std::vector<std::string>> Lookup(std::string_view index, std::string_view token) override;
  Result<std::vector<store::IndexEntry>> GetIndexEntries(std::string_view subject) override;
  Status DeleteSubject(std::string_view id) override;
  Result<std::vector<std::string>> ListSubjects(std::string_view after, size_t limit) override;
  Status PutMeta(std::string_view key, std::string_view value) override;
  Result<std::optional<std::string>> GetMeta(std::string_view key) override;
  Status DeleteMeta(std::string_view key) override;
  Result<std::vector<store::MetaEntry>> ListMeta(std::string_view prefix, std::string_view after,
                                                 size_t limit) override;

 private:
  store::Store* const inner_;
  // Serialises writers of outbox entries (store meta and outbox_ together), so the
  // map always holds the intent last written to the store.
  std::mutex outbox_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string, std::less<>> changed_;                   // guarded by mu_
  std::map<std::string, std::string, std::less<>> outbox_;       // subject -> intent; guarded by mu_
  uint64_t marks_ = 0;                                           // guarded by mu_
  bool woken_ = false;                                           // guarded by mu_
};

}  // namespace domicile::vault

#endif  // DOMICILE_VAULT_REPLICATION_H_
