// The storage interface behind the vault. A Store holds opaque bytes only: sealed
// field values, wrapped data keys and blind-index tokens. It never sees plaintext
// or keys, and it knows nothing about encryption; the vault does all of that.
//
// Backends (one subfolder each, one shared conformance suite in
// tests/store/conformance): in-memory (tests), RocksDB (embedded default),
// PostgreSQL 15 (scale-out).
//
// Thread-safety: every method may be called from many threads at once.
// Durability: a method that returns OK has made its change durable (or, for the
// in-memory backend, visible), and a Mutation is applied all or nothing.
#ifndef DOMICILE_STORE_STORE_H_
#define DOMICILE_STORE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::store {

// One subject (person) as the store sees it.
struct SubjectRecord {
  std::string id;        // opaque subject id chosen by the caller
  std::string home;      // home jurisdiction, e.g. "US"
  std::string key_blob;  // the subject's wrapped data key (opaque to the store)
  uint64_t generation = 0;  // bumped by the vault on every key change

  friend bool operator==(const SubjectRecord&, const SubjectRecord&) = default;
};

// One sealed field value of a subject.
struct FieldRecord {
  std::string collection;
  std::string field;
  uint64_t version = 0;  // bound into the ciphertext by the vault
  std::string sealed;    // opaque ciphertext

  friend bool operator==(const FieldRecord&, const FieldRecord&) = default;
};

// A blind-index entry: keyed token -> subject, per named index (e.g. "profile.email").
struct IndexEntry {
  std::string index;
  std::string token;  // opaque (an HMAC), never plaintext
  std::string subject;

  friend bool operator==(const IndexEntry&, const IndexEntry&) = default;
};

// A named meta value (see Store::ListMeta).
struct MetaEntry {
  std::string key;
  std::string value;

  friend bool operator==(const MetaEntry&, const MetaEntry&) = default;
};

// Changes applied atomically to one subject.
struct Mutation {
  std::string subject;                   // required; every part below belongs to it
  std::optional<SubjectRecord> upsert;   // create or replace the subject record
  std::vector<FieldRecord> put_fields;   // create or replace (collection, field)
  std::vector<IndexEntry> put_index;     // add (index, token, subject)
  std::vector<IndexEntry> delete_index;  // remove exactly these entries if present
};

// Limits every backend enforces (a compatible addition to the interface).
// Names: subject ids, collection and field names, index names, tokens, meta keys.
// Values: sealed values, key blobs, meta values. Over a limit: kResourceExhausted.
inline constexpr size_t kMaxNameBytes = 1024;
inline constexpr size_t kMaxValueBytes = 16 << 20;

// The checks Apply makes before touching anything; every backend calls it, so
// bad input gets the same specific error everywhere:
//  - kInvalidArgument: empty subject; upsert/index entry of another subject;
//    empty collection, field, index name or token;
//  - kResourceExhausted: a name or value over the limits above.
Status ValidateMutation(const Mutation& m);
// Same for PutMeta: a non-empty key within kMaxNameBytes, value within kMaxValueBytes.
Status ValidateMeta(std::string_view key, std::string_view value);

// The smallest byte string greater than every string starting with `prefix`, or
// "" when there is none (`prefix` empty or all 0xFF): an exclusive upper bound
// for prefix scans.
std::string PrefixUpperBound(std::string_view prefix);

class Store {
 public:
  virtual ~Store() = default;

  // Applies `m` all or nothing. put_fields and index changes need the subject to
  // exist (already, or through m.upsert): otherwise kNotFound and nothing changes.
  // Order inside `m`: upsert, put_fields (a later duplicate wins), delete_index,
  // put_index. Bad input: see ValidateMutation.
  virtual Status Apply(const Mutation& m) = 0;

  // The subject record, or std::nullopt when there is none.
  virtual Result<std::optional<SubjectRecord>> GetSubject(std::string_view id) = 0;

  // A subject's fields in `collection`, sorted by field name. An empty `fields`
  // means all of them; otherwise only those named (missing ones are left out).
  virtual Result<std::vector<FieldRecord>> GetFields(std::string_view subject, std::string_view collection,
                                                     const std::vector<std::string>& fields) = 0;

  // Every field of a subject, sorted by (collection, field).
  virtual Result<std::vector<FieldRecord>> GetAllFields(std::string_view subject) = 0;

  // Subjects whose entry in `index` has `token`, sorted.
  virtual Result<std::vector<std::string>> Lookup(std::string_view index, std::string_view token) = 0;

  // Every index entry of one subject, sorted by (index, token); empty for an
  // unknown subject. For shipping a subject's state to a backup and for restores.
  virtual Result<std::vector<IndexEntry>> GetIndexEntries(std::string_view subject) = 0;

  // Removes the subject record, all its fields and all its index entries, all or
  // nothing. kNotFound if there is no such subject; kInvalidArgument for "".
  virtual Status DeleteSubject(std::string_view id) = 0;

  // Subject ids in order, at most `limit` of them, starting after `after` ("" = from
  // the beginning). For exports, backups and tests.
  virtual Result<std::vector<std::string>> ListSubjects(std::string_view after, size_t limit) = 0;

  // Small named values the vault keeps beside the data (configuration history,
  // key metadata, replication cursors and outbox). GetMeta returns std::nullopt
  // when absent; DeleteMeta of an absent key is OK. ListMeta returns the entries
  // whose key starts with `prefix` and sorts after `after` ("" = from the first),
  // in key order, at most `limit` of them. Keys are bytes and sort bytewise.
  virtual Status PutMeta(std::string_view key, std::string_view value) = 0;
  virtual Result<std::optional<std::string>> GetMeta(std::string_view key) = 0;
  virtual Status DeleteMeta(std::string_view key) = 0;
  virtual Result<std::vector<MetaEntry>> ListMeta(std::string_view prefix, std::string_view after, size_t limit) = 0;
};

}  // namespace domicile::store

#endif  // DOMICILE_STORE_STORE_H_
