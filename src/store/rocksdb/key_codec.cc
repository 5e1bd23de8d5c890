#include "store/rocksdb/key_codec.h"

namespace domicile::store::rocksdb_layout {
namespace {

constexpr char kValueVersion = 1;

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool ConsumeVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    auto b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    if (shift == 63 && b > 1) return false;  // more than 64 bits
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

bool ConsumeBytes(std::string_view* in, std::string* out) {
  uint64_t n = 0;
  if (!ConsumeVarint(in, &n) || n > in->size()) return false;
  out->assign(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

std::string Key(char tag, std::initializer_list<std::string_view> parts) {
  std::string k(1, tag);
  for (auto p : parts) AppendComponent(&k, p);
  return k;
}

}  // namespace

void AppendComponent(std::string* key, std::string_view x) {
  for (char c : x) {
    key->push_back(c);
    if (c == '\0') key->push_back('\xff');
  }
  key->push_back('\0');
  key->push_back('\x01');
}

bool ConsumeComponent(std::string_view* in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in->size(); ++i) {
    char c = (*in)[i];
    if (c != '\0') {
      out->push_back(c);
      continue;
    }
    if (i + 1 >= in->size()) return false;
    char next = (*in)[++i];
    if (next == '\x01') {
      in->remove_prefix(i + 1);
      return true;
    }
    if (next != '\xff') return false;
    out->push_back('\0');
  }
  return false;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

std::string RecordPrefix(std::string_view subject) { return Key(kRecordTag, {subject}); }
std::string SubjectKey(std::string_view subject) { return RecordPrefix(subject) + kSubjectRecordType; }
std::string FieldPrefix(std::string_view subject) { return RecordPrefix(subject) + kFieldRecordType; }
std::string FieldPrefix(std::string_view subject, std::string_view collection) {
  std::string k = FieldPrefix(subject);
  AppendComponent(&k, collection);
  return k;
}
std::string FieldKey(std::string_view subject, std::string_view collection, std::string_view field) {
  std::string k = FieldPrefix(subject, collection);
  AppendComponent(&k, field);
  return k;
}
std::string Format2SubjectKey(std::string_view subject) { return Key(kFormat2SubjectTag, {subject}); }
std::string Format2FieldKey(std::string_view subject, std::string_view collection, std::string_view field) {
  return Key(kFormat2FieldTag, {subject, collection, field});
}
bool Format3KeyOf(std::string_view format2_key, std::string* out) {
  if (format2_key.empty()) return false;
  const char tag = format2_key.front();
  std::string_view rest = format2_key.substr(1);
  std::string subject;
  if ((tag != kFormat2SubjectTag && tag != kFormat2FieldTag) || !ConsumeComponent(&rest, &subject) ||
      subject.empty()) {
    return false;
  }
  if (tag == kFormat2SubjectTag) {
    if (!rest.empty()) return false;
    *out = SubjectKey(subject);
    return true;
  }
  std::string collection, field;
  std::string_view check = rest;
  if (!ConsumeComponent(&check, &collection) || !ConsumeComponent(&check, &field) || !check.empty()) return false;
  *out = FieldPrefix(subject);
  out->append(rest);  // E(collection) E(field), as they were
  return true;
}
std::string IndexPrefix(std::string_view index, std::string_view token) { return Key(kIndexTag, {index, token}); }
std::string IndexKey(std::string_view index, std::string_view token, std::string_view subject) {
  return Key(kIndexTag, {index, token, subject});
}
std::string ReversePrefix(std::string_view subject) { return Key(kReverseTag, {subject}); }
std::string ReverseKey(std::string_view subject, std::string_view index, std::string_view token) {
  return Key(kReverseTag, {subject, index, token});
}
std::string MetaKey(std::string_view key) { return std::string(1, kMetaTag).append(key); }

std::string EncodeSubject(const SubjectRecord& r) {
  std::string v(1, kValueVersion);
  AppendVarint(&v, r.home.size());
  v += r.home;
  AppendVarint(&v, r.key_blob.size());
  v += r.key_blob;
  AppendVarint(&v, r.generation);
  return v;
}

Result<SubjectRecord> DecodeSubject(std::string_view id, std::string_view value) {
  SubjectRecord r;
  r.id = std::string(id);
  if (value.empty() || value.front() != kValueVersion) return DataLossError("store: subject record: bad version");
  value.remove_prefix(1);
  if (!ConsumeBytes(&value, &r.home) || !ConsumeBytes(&value, &r.key_blob) || !ConsumeVarint(&value, &r.generation) ||
      !value.empty()) {
    return DataLossError("store: subject record is corrupt");
  }
  return r;
}

std::string EncodeField(const FieldRecord& f) {
  std::string v(1, kValueVersion);
  AppendVarint(&v, f.version);
  v += f.sealed;
  return v;
}

Result<FieldRecord> DecodeField(std::string_view collection, std::string_view field, std::string_view value) {
  FieldRecord f;
  f.collection = std::string(collection);
  f.field = std::string(field);
  if (value.empty() || value.front() != kValueVersion) return DataLossError("store: field record: bad version");
  value.remove_prefix(1);
  if (!ConsumeVarint(&value, &f.version)) return DataLossError("store: field record is corrupt");
  f.sealed = std::string(value);
  return f;
}

Status ParseFieldKeySuffix(std::string_view suffix, std::string* collection, std::string* field) {
  if (!ConsumeComponent(&suffix, collection) || !ConsumeComponent(&suffix, field) || !suffix.empty()) {
    return DataLossError("store: field key is corrupt");
  }
  return Status::Ok();
}

}  // namespace domicile::store::rocksdb_layout
