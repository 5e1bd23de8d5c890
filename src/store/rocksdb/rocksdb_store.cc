#include "store/rocksdb/rocksdb_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "store/rocksdb/key_codec.h"

namespace domicile::store {
namespace {

namespace layout = rocksdb_layout;

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = "store: rocksdb " + std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return DataLossError(msg);
  if (s.IsNotFound()) return NotFoundError(msg);
  if (s.IsInvalidArgument() || s.IsNotSupported()) return FailedPreconditionError(msg);
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) return FailedPreconditionError(msg);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return AbortedError(msg);
  return UnavailableError(msg);
}

// The database and its two column family handles (docs/vault.md, "RocksDB
// layout"); the handles are released before the database closes.
struct OpenDb {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* records = nullptr;  // default family: format key, subjects, fields
  rocksdb::ColumnFamilyHandle* aux = nullptr;      // blind-index and reverse entries, meta

  OpenDb() = default;
  OpenDb(OpenDb&& o) noexcept
      : db(std::move(o.db)), records(std::exchange(o.records, nullptr)), aux(std::exchange(o.aux, nullptr)) {}
  ~OpenDb() {
    for (auto* h : {records, aux}) {
      if (h != nullptr) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
  }
};

class RocksDbStore final : public Store {
 public:
  RocksDbStore(OpenDb db, bool sync) : open_(std::move(db)), db_(open_.db.get()), aux_(open_.aux) {
    write_.sync = sync;
  }

  Status Apply(const Mutation& m) override {
    RETURN_IF_ERROR(ValidateMutation(m));
    std::lock_guard<std::mutex> l(StripeOf(m.subject));
    if (!m.upsert && (!m.put_fields.empty() || !m.put_index.empty() || !m.delete_index.empty())) {
      ASSIGN_OR_RETURN(bool exists, Exists(layout::SubjectKey(m.subject)));
      if (!exists) return NotFoundError("store: no such subject");
    }
    rocksdb::WriteBatch batch;
    if (m.upsert) RETURN_IF_ERROR(Put(batch, layout::SubjectKey(m.subject), layout::EncodeSubject(*m.upsert)));
    for (const auto& f : m.put_fields) {
      RETURN_IF_ERROR(Put(batch, layout::FieldKey(m.subject, f.collection, f.field), layout::EncodeField(f)));
    }
    for (const auto& e : m.delete_index) {
      RETURN_IF_ERROR(FromRocks(batch.Delete(aux_, layout::IndexKey(e.index, e.token, e.subject)), "batch"));
      RETURN_IF_ERROR(FromRocks(batch.Delete(aux_, layout::ReverseKey(e.subject, e.index, e.token)), "batch"));
    }
    for (const auto& e : m.put_index) {
      RETURN_IF_ERROR(FromRocks(batch.Put(aux_, layout::IndexKey(e.index, e.token, e.subject), ""), "batch"));
      RETURN_IF_ERROR(FromRocks(batch.Put(aux_, layout::ReverseKey(e.subject, e.index, e.token), ""), "batch"));
    }
    return FromRocks(db_->Write(write_, &batch), "write");
  }

  Result<std::optional<SubjectRecord>> GetSubject(std::string_view id) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), layout::SubjectKey(id), &value);
    if (s.IsNotFound()) return std::optional<SubjectRecord>();
    RETURN_IF_ERROR(FromRocks(s, "get"));
    ASSIGN_OR_RETURN(SubjectRecord r, layout::DecodeSubject(id, value));
    return std::optional<SubjectRecord>(std::move(r));
  }

  Result<std::vector<FieldRecord>> GetFields(std::string_view subject, std::string_view collection,
                                             const std::vector<std::string>& fields) override {
    if (fields.empty()) return ScanFields(subject, layout::FieldPrefix(subject, collection));
    std::vector<std::string> names = fields;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::vector<FieldRecord> out;
    // One snapshot, so the fields returned belong to one state of the subject.
    const rocksdb::Snapshot* snap = db_->GetSnapshot();
    rocksdb::ReadOptions ro;
    ro.snapshot = snap;
    Status status;
    for (const auto& name : names) {
      std::string value;
      rocksdb::Status s = db_->Get(ro, layout::FieldKey(subject, collection, name), &value);
      if (s.IsNotFound()) continue;
      status = FromRocks(s, "get");
      if (!status.ok()) break;
      auto f = layout::DecodeField(collection, name, value);
      if (!f.ok()) {
        status = f.status();
        break;
      }
      out.push_back(std::move(f).value());
    }
    db_->ReleaseSnapshot(snap);
    RETURN_IF_ERROR(status);
    return out;
  }

  Result<std::vector<FieldRecord>> GetAllFields(std::string_view subject) override {
    return ScanFields(subject, layout::FieldPrefix(subject));
  }

  Result<std::vector<std::string>> Lookup(std::string_view index, std::string_view token) override {
    std::vector<std::string> out;
    std::string prefix = layout::IndexPrefix(index, token);
    RETURN_IF_ERROR(Scan(aux_, prefix, [&](std::string_view key, std::string_view) -> Status {
      std::string_view suffix = key.substr(prefix.size());
      std::string subject;
      if (!layout::ConsumeComponent(&suffix, &subject) || !suffix.empty()) {
        return DataLossError("store: index key is corrupt");
      }
      out.push_back(std::move(subject));
      return Status::Ok();
    }));
    return out;
  }

  Result<std::vector<IndexEntry>> GetIndexEntries(std::string_view subject) override {
    std::vector<IndexEntry> out;
    std::string reverse = layout::ReversePrefix(subject);
    RETURN_IF_ERROR(Scan(aux_, reverse, [&](std::string_view key, std::string_view) -> Status {
      std::string_view suffix = key.substr(reverse.size());
      IndexEntry e{"", "", std::string(subject)};
      if (!layout::ConsumeComponent(&suffix, &e.index) || !layout::ConsumeComponent(&suffix, &e.token) ||
          !suffix.empty()) {
        return DataLossError("store: reverse index key is corrupt");
      }
      out.push_back(std::move(e));
      return Status::Ok();
    }));
    return out;
  }

  Status DeleteSubject(std::string_view id) override {
    if (id.empty()) return InvalidArgumentError("store: empty subject id");
    std::lock_guard<std::mutex> l(StripeOf(id));
    std::string skey = layout::SubjectKey(id);
    ASSIGN_OR_RETURN(bool exists, Exists(skey));
    if (!exists) return NotFoundError("store: no such subject");
    rocksdb::WriteBatch batch;
    RETURN_IF_ERROR(Scan(open_.records, layout::RecordPrefix(id), [&](std::string_view key, std::string_view) -> Status {
      return FromRocks(batch.Delete(rocksdb::Slice(key.data(), key.size())), "batch");
    }));
    std::string reverse = layout::ReversePrefix(id);
    RETURN_IF_ERROR(Scan(aux_, reverse, [&](std::string_view key, std::string_view) -> Status {
      std::string_view suffix = key.substr(reverse.size());
      std::string index, token;
      if (!layout::ConsumeComponent(&suffix, &index) || !layout::ConsumeComponent(&suffix, &token) ||
          !suffix.empty()) {
        return DataLossError("store: reverse index key is corrupt");
      }
      RETURN_IF_ERROR(FromRocks(batch.Delete(aux_, layout::IndexKey(index, token, id)), "batch"));
      return FromRocks(batch.Delete(aux_, layout::ReverseKey(id, index, token)), "batch");
    }));
    return FromRocks(db_->Write(write_, &batch), "write");
  }

  Result<std::vector<std::string>> ListSubjects(std::string_view after, size_t limit) override {
    std::vector<std::string> out;
    if (limit == 0) return out;
    rocksdb::ReadOptions ro;
    std::string upper(1, static_cast<char>(layout::kRecordTag + 1));
    rocksdb::Slice upper_slice(upper);
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    // Records and fields share one key range: after each subject's record, skip
    // its fields (the next key, else a seek past the subject's prefix).
    it->Seek(layout::PrefixEnd(layout::RecordPrefix(after)));
    while (it->Valid() && out.size() < limit) {
      std::string_view rest(it->key().data() + 1, it->key().size() - 1);
      std::string id;
      if (!layout::ConsumeComponent(&rest, &id) || rest.size() != 1 || rest[0] != layout::kSubjectRecordType) {
        return DataLossError("store: subject key is corrupt");
      }
      const std::string end = layout::PrefixEnd(layout::RecordPrefix(id));
      out.push_back(std::move(id));
      it->Next();
      if (it->Valid() && it->key().compare(end) < 0) it->Seek(end);
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "iterate"));
    return out;
  }

  Status PutMeta(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(ValidateMeta(key, value));
    return FromRocks(db_->Put(write_, aux_, layout::MetaKey(key), rocksdb::Slice(value.data(), value.size())), "put");
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), aux_, layout::MetaKey(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    RETURN_IF_ERROR(FromRocks(s, "get"));
    return std::optional<std::string>(std::move(value));
  }

  Status DeleteMeta(std::string_view key) override {
    RETURN_IF_ERROR(ValidateMeta(key, ""));
    return FromRocks(db_->Delete(write_, aux_, layout::MetaKey(key)), "delete");
  }

  Result<std::vector<MetaEntry>> ListMeta(std::string_view prefix, std::string_view after, size_t limit) override {
    std::vector<MetaEntry> out;
    if (limit == 0) return out;
    const std::string lower = layout::MetaKey(prefix);
    const std::string upper = PrefixUpperBound(lower);  // never "": the tag byte is below 0xFF
    const std::string start = std::max(lower, layout::MetaKey(after));
    rocksdb::ReadOptions ro;
    rocksdb::Slice upper_slice(upper);
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, aux_));
    for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
      std::string_view key(it->key().data() + 1, it->key().size() - 1);
      if (key == after) continue;
      out.push_back({std::string(key), it->value().ToString()});
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "iterate"));
    return out;
  }

 private:
  static Status Put(rocksdb::WriteBatch& batch, const std::string& key, const std::string& value) {
    return FromRocks(batch.Put(key, value), "batch");
  }

  Result<bool> Exists(const std::string& key) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return false;
    RETURN_IF_ERROR(FromRocks(s, "get"));
    return true;
  }

  // Calls fn(key, value) for every key of `family` starting with `prefix`, in key order.
  template <typename Fn>
  Status Scan(rocksdb::ColumnFamilyHandle* family, const std::string& prefix, Fn fn) {
    rocksdb::ReadOptions ro;
    std::string upper = layout::PrefixEnd(prefix);
    rocksdb::Slice upper_slice(upper);
    ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, family));
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      rocksdb::Slice k = it->key();
      RETURN_IF_ERROR(fn(std::string_view(k.data(), k.size()), std::string_view(it->value().data(), it->value().size())));
    }
    return FromRocks(it->status(), "iterate");
  }

  Result<std::vector<FieldRecord>> ScanFields(std::string_view subject, const std::string& prefix) {
    std::vector<FieldRecord> out;
    const size_t subject_prefix = layout::FieldPrefix(subject).size();
    RETURN_IF_ERROR(Scan(open_.records, prefix, [&](std::string_view key, std::string_view value) -> Status {
      std::string collection, field;
      RETURN_IF_ERROR(layout::ParseFieldKeySuffix(key.substr(subject_prefix), &collection, &field));
      ASSIGN_OR_RETURN(FieldRecord f, layout::DecodeField(collection, field, value));
      out.push_back(std::move(f));
      return Status::Ok();
    }));
    return out;
  }

  std::mutex& StripeOf(std::string_view subject) {
    return stripes_[std::hash<std::string_view>()(subject) % stripes_.size()];
  }

  const OpenDb open_;
  rocksdb::DB* const db_;                   // open_.db
  rocksdb::ColumnFamilyHandle* const aux_;  // open_.aux
  rocksdb::WriteOptions write_;  // sync (unless a bulk load): every OK'd write is in the fsynced WAL
  // Serialise Apply and DeleteSubject per subject, so "the subject exists" stays
  // true until the batch is written (no fields of a deleted subject). Each
  // guards the read-check-write of the subjects hashing to it.
  std::array<std::mutex, 64> stripes_;
};

// Moves a format-1 database's aux keys (blind-index, reverse and meta entries:
// the key range [kIndexTag, kFormat2SubjectTag) of the default family) into the aux
// family and marks it format 2 (then migrated to 3). The copies go in batches; the switch (a range
// deletion in the default family and the new format key) is one synced batch.
// A crash anywhere before it leaves format 1 with every key in place, and the
// next open starts again: copying is idempotent, since nothing else writes the
// aux family of a format-1 database.
Status MigrateFromFormat1(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* aux, const std::string& format_key) {
  constexpr size_t kBatchKeys = 10000;
  const std::string lower(1, layout::kIndexTag), upper(1, layout::kFormat2SubjectTag);
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, db->DefaultColumnFamily()));
  rocksdb::WriteBatch batch;
  for (it->Seek(lower_slice); it->Valid(); it->Next()) {
    RETURN_IF_ERROR(FromRocks(batch.Put(aux, it->key(), it->value()), "batch"));
    if (batch.Count() >= kBatchKeys) {
      RETURN_IF_ERROR(FromRocks(db->Write(rocksdb::WriteOptions(), &batch), "write"));
      batch.Clear();
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "iterate"));
  it.reset();
  RETURN_IF_ERROR(FromRocks(batch.DeleteRange(db->DefaultColumnFamily(), lower_slice, upper_slice), "batch"));
  RETURN_IF_ERROR(FromRocks(batch.Put(db->DefaultColumnFamily(), format_key, layout::kFormatVersion2), "batch"));
  rocksdb::WriteOptions synced;
  synced.sync = true;  // also syncs the WAL records of the copies above
  RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "write"));
  // Drop the moved keys and the range deletion from the record family's files
  // now, not at some later compaction: rewrite the files that overlap the range,
  // down to and including the last level (where a range deletion is dropped).
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  return FromRocks(db->CompactRange(compact, db->DefaultColumnFamily(), &lower_slice, &upper_slice), "compact");
}

// Rewrites a format-2 database's subject records and fields under their format-3
// keys (record and fields of a subject under one prefix) and marks it format 3.
// The copies go in batches; the switch (a range deletion of the format-2 keys and
// the new format key) is one synced batch. A crash before it leaves format 2 with
// every format-2 key in place and perhaps some copies, which the next attempt
// deletes first (a format-2 build may have changed the data meanwhile).
Status MigrateFromFormat2(rocksdb::DB* db, const std::string& format_key) {
  constexpr size_t kBatchKeys = 10000;
  rocksdb::ColumnFamilyHandle* records = db->DefaultColumnFamily();
  const std::string lower(1, layout::kFormat2FieldTag), upper(1, layout::kFormat2SubjectTag + 1);
  const std::string copies(1, layout::kRecordTag), copies_end(1, layout::kRecordTag + 1);
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  static_assert(layout::kFormat2FieldTag < layout::kFormat2SubjectTag && layout::kRecordTag < layout::kFormat2FieldTag);
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(FromRocks(batch.DeleteRange(records, copies, copies_end), "batch"));
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, records));
  std::string key;
  for (it->Seek(lower_slice); it->Valid(); it->Next()) {
    const rocksdb::Slice k = it->key();
    if (!layout::Format3KeyOf(std::string_view(k.data(), k.size()), &key)) {
      return DataLossError("store: format-2 record key is corrupt");
    }
    RETURN_IF_ERROR(FromRocks(batch.Put(records, key, it->value()), "batch"));
    if (batch.Count() >= kBatchKeys) {
      RETURN_IF_ERROR(FromRocks(db->Write(rocksdb::WriteOptions(), &batch), "write"));
      batch.Clear();
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "iterate"));
  it.reset();
  RETURN_IF_ERROR(FromRocks(batch.DeleteRange(records, lower_slice, upper_slice), "batch"));
  RETURN_IF_ERROR(FromRocks(batch.Put(records, format_key, layout::kFormatVersion), "batch"));
  rocksdb::WriteOptions synced;
  synced.sync = true;  // also syncs the WAL records of the copies above
  RETURN_IF_ERROR(FromRocks(db->Write(synced, &batch), "write"));
  // Compact the whole family now: the copies out of the memtables and level 0,
  // the format-2 keys and the range deletion out of the files.
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  return FromRocks(db->CompactRange(compact, records, nullptr, nullptr), "compact");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir, const RocksDbStoreOptions& options) {
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;  // the aux family of a new or format-1 database
  db_opts.paranoid_checks = true;
  rocksdb::ColumnFamilyOptions family;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);  // shared by both families
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, family}, {layout::kAuxFamily, family}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  // A database with a family this build does not know (a later format) is refused here.
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(db_opts, dir, families, &handles, &raw), "open " + dir));
  OpenDb db;
  db.db.reset(raw);
  db.records = handles[0];
  db.aux = handles[1];

  std::string format;
  const std::string format_key(layout::kFormatKey, sizeof(layout::kFormatKey) - 1);
  rocksdb::Status s = db.db->Get(rocksdb::ReadOptions(), format_key, &format);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions w;
    w.sync = true;
    RETURN_IF_ERROR(FromRocks(db.db->Put(w, format_key, layout::kFormatVersion), "put"));
  } else {
    RETURN_IF_ERROR(FromRocks(s, "get"));
    if (format != layout::kFormatVersion1 && format != layout::kFormatVersion2 && format != layout::kFormatVersion) {
      return FailedPreconditionError("store: " + dir + " holds store format " + format + ", this build reads " +
                                     layout::kFormatVersion + " (and migrates " + layout::kFormatVersion1 + " and " +
                                     layout::kFormatVersion2 + ")");
    }
    if (format == layout::kFormatVersion1) {
      RETURN_IF_ERROR(MigrateFromFormat1(db.db.get(), db.aux, format_key).Annotate("migrating " + dir + " to format 2"));
      format = layout::kFormatVersion2;
    }
    if (format == layout::kFormatVersion2) {
      RETURN_IF_ERROR(MigrateFromFormat2(db.db.get(), format_key).Annotate("migrating " + dir + " to format 3"));
    }
  }
  return std::unique_ptr<Store>(std::make_unique<RocksDbStore>(std::move(db), options.sync_writes));
}

}  // namespace domicile::store
