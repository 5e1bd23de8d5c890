// The RocksDB backend's byte layout: order-preserving keys and versioned values.
// Documented in docs/vault.md ("Storage backends"). Decoders treat stored bytes
// as untrusted: anything malformed is kDataLoss, never a crash.
#ifndef DOMICILE_STORE_ROCKSDB_KEY_CODEC_H_
#define DOMICILE_STORE_ROCKSDB_KEY_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/store.h"

namespace domicile::store::rocksdb_layout {

// Two column families. The default one holds what a record read touches (the
// format key, subjects and fields); kAuxFamily holds everything else (blind-index
// entries, their reverse entries, meta), so that the records' blocks, bloom filters
// and block-cache share are as dense as in a database of records alone.
inline constexpr char kAuxFamily[] = "aux";

// Key tags (first byte of every key).
inline constexpr char kFormatKey[] = "\x00" "format";  // default family -> kFormatVersion
inline constexpr char kFormatVersion[] = "3";
// Format 3 keeps a subject's record and its fields under one key prefix, record
// first, so that a read of the record and then the fields (every Get) finds both
// in one data block. Older formats are migrated on open (OpenRocksDbStore):
// format 1 kept every key in the default family (its aux keys, the range
// [kIndexTag, kFormat2SubjectTag), move to kAuxFamily); format 2 kept subject
// records ('s' E(subject)) and fields ('f' E(subject) E(collection) E(field))
// in two key ranges, so a read touched two blocks far apart.
inline constexpr char kFormatVersion1[] = "1";
inline constexpr char kFormatVersion2[] = "2";
inline constexpr char kRecordTag = 'd';  // default: d E(subject) 01                        -> EncodeSubject
                                         // default: d E(subject) 02 E(collection) E(field) -> EncodeField
inline constexpr char kSubjectRecordType = '\x01';
inline constexpr char kFieldRecordType = '\x02';
inline constexpr char kFormat2SubjectTag = 's';  // formats 1-2: s E(subject)
inline constexpr char kFormat2FieldTag = 'f';    // formats 1-2: f E(subject) E(collection) E(field)
inline constexpr char kIndexTag = 'i';    // aux: i E(index) E(token) E(subject)    -> ""
inline constexpr char kReverseTag = 'r';  // aux: r E(subject) E(index) E(token)    -> ""
inline constexpr char kMetaTag = 'm';     // aux: m key (raw)                        -> value (raw)

// E(x): x with every 0x00 byte written as 0x00 0xFF, then the terminator 0x00 0x01.
// Concatenations of E() sort like the tuples they encode (bytewise, unsigned), and
// E(a) is never a prefix of E(b) for a != b.
void AppendComponent(std::string* key, std::string_view x);
// Reads one E() from the front of *in and advances it. False if malformed.
bool ConsumeComponent(std::string_view* in, std::string* out);

// The smallest key greater than every key starting with `prefix` (prefix ends in
// a terminator 0x00 0x01, so bumping its last byte is enough).
std::string PrefixEnd(std::string_view prefix);

std::string RecordPrefix(std::string_view subject);  // the subject's record and all its fields
std::string SubjectKey(std::string_view subject);
std::string FieldPrefix(std::string_view subject);  // all fields of a subject
std::string FieldPrefix(std::string_view subject, std::string_view collection);
std::string FieldKey(std::string_view subject, std::string_view collection, std::string_view field);
std::string IndexPrefix(std::string_view index, std::string_view token);
std::string IndexKey(std::string_view index, std::string_view token, std::string_view subject);
std::string ReversePrefix(std::string_view subject);
std::string ReverseKey(std::string_view subject, std::string_view index, std::string_view token);
std::string MetaKey(std::string_view key);

// Format-2 keys (migration and its tests only).
std::string Format2SubjectKey(std::string_view subject);
std::string Format2FieldKey(std::string_view subject, std::string_view collection, std::string_view field);
// The format-3 key of a format-2 subject or field key. False if malformed.
bool Format3KeyOf(std::string_view format2_key, std::string* out);

// Values: one version byte (1), then the payload.
//  subject: varint len + home, varint len + key_blob, varint generation
//  field:   varint version, then the sealed bytes to the end
std::string EncodeSubject(const SubjectRecord& r);
Result<SubjectRecord> DecodeSubject(std::string_view id, std::string_view value);
std::string EncodeField(const FieldRecord& f);
Result<FieldRecord> DecodeField(std::string_view collection, std::string_view field, std::string_view value);

// Splits a field key (after FieldPrefix(subject)) into collection and field.
Status ParseFieldKeySuffix(std::string_view suffix, std::string* collection, std::string* field);

}  // namespace domicile::store::rocksdb_layout

#endif  // DOMICILE_STORE_ROCKSDB_KEY_CODEC_H_
