#include "store/memory/memory_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

namespace domicile::store {
namespace {

class MemoryStore final : public Store {
 public:
  Status Apply(const Mutation& m) override {
    RETURN_IF_ERROR(ValidateMutation(m));
    std::lock_guard<std::mutex> l(mu_);
    if (!m.upsert && !subjects_.count(m.subject) &&
        (!m.put_fields.empty() || !m.put_index.empty() || !m.delete_index.empty())) {
      return NotFoundError("store: no subject " + m.subject);
    }
    if (m.upsert) subjects_[m.subject] = *m.upsert;
    for (const auto& f : m.put_fields) fields_[{m.subject, f.collection, f.field}] = f;
    for (const auto& e : m.delete_index) {
      index_.erase({e.index, e.token, e.subject});
      by_subject_.erase({e.subject, e.index, e.token});
    }
    for (const auto& e : m.put_index) {
      index_.insert({e.index, e.token, e.subject});
      by_subject_.insert({e.subject, e.index, e.token});
    }
    return Status::Ok();
  }

  Result<std::optional<SubjectRecord>> GetSubject(std::string_view id) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = subjects_.find(std::string(id));
    if (it == subjects_.end()) return std::optional<SubjectRecord>();
    return std::optional<SubjectRecord>(it->second);
  }

  Result<std::vector<FieldRecord>> GetFields(std::string_view subject, std::string_view collection,
                                             const std::vector<std::string>& fields) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<FieldRecord> out;
    std::string s(subject), c(collection);
    for (auto it = fields_.lower_bound({s, c, ""}); it != fields_.end(); ++it) {
      const auto& [ks, kc, kf] = it->first;
      if (ks != s || kc != c) break;
      if (fields.empty() || std::find(fields.begin(), fields.end(), kf) != fields.end()) out.push_back(it->second);
    }
    return out;
  }

  Result<std::vector<FieldRecord>> GetAllFields(std::string_view subject) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<FieldRecord> out;
    std::string s(subject);
    for (auto it = fields_.lower_bound({s, "", ""}); it != fields_.end() && std::get<0>(it->first) == s; ++it) {
      out.push_back(it->second);
    }
    return out;
  }

  Result<std::vector<std::string>> Lookup(std::string_view index, std::string_view token) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    std::string i(index), t(token);
    for (auto it = index_.lower_bound({i, t, ""}); it != index_.end(); ++it) {
      if (std::get<0>(*it) != i || std::get<1>(*it) != t) break;
      out.push_back(std::get<2>(*it));
    }
    return out;
  }

  Status DeleteSubject(std::string_view id) override {
    if (id.empty()) return InvalidArgumentError("store: empty subject id");
    std::lock_guard<std::mutex> l(mu_);
    std::string s(id);
    if (!subjects_.erase(s)) return NotFoundError("store: no subject " + s);
    for (auto it = fields_.lower_bound({s, "", ""}); it != fields_.end() && std::get<0>(it->first) == s;) {
      it = fields_.erase(it);
    }
    for (auto it = by_subject_.lower_bound({s, "", ""}); it != by_subject_.end() && std::get<0>(*it) == s;) {
      index_.erase({std::get<1>(*it), std::get<2>(*it), s});
      it = by_subject_.erase(it);
    }
    return Status::Ok();
  }

  Result<std::vector<IndexEntry>> GetIndexEntries(std::string_view subject) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<IndexEntry> out;
    std::string s(subject);
    for (auto it = by_subject_.lower_bound({s, "", ""}); it != by_subject_.end() && std::get<0>(*it) == s; ++it) {
      out.push_back({std::get<1>(*it), std::get<2>(*it), s});
    }
    return out;
  }

  Result<std::vector<std::string>> ListSubjects(std::string_view after, size_t limit) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    for (auto it = subjects_.upper_bound(std::string(after)); it != subjects_.end() && out.size() < limit; ++it) {
      out.push_back(it->first);
    }
    return out;
  }

  Status PutMeta(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(ValidateMeta(key, value));
    std::lock_guard<std::mutex> l(mu_);
    meta_[std::string(key)] = std::string(value);
    return Status::Ok();
  }

  Result<std::optional<std::string>> GetMeta(std::string_view key) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = meta_.find(std::string(key));
    if (it == meta_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status DeleteMeta(std::string_view key) override {
    RETURN_IF_ERROR(ValidateMeta(key, ""));
    std::lock_guard<std::mutex> l(mu_);
    meta_.erase(std::string(key));
    return Status::Ok();
  }

  Result<std::vector<MetaEntry>> ListMeta(std::string_view prefix, std::string_view after, size_t limit) override {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<MetaEntry> out;
    const std::string start = std::max(std::string(prefix), std::string(after));
    for (auto it = meta_.lower_bound(start); it != meta_.end() && out.size() < limit; ++it) {
      if (it->first.compare(0, prefix.size(), prefix) != 0) break;
      if (it->first == after) continue;
      out.push_back({it->first, it->second});
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, SubjectRecord> subjects_;                                  // guarded by mu_
  std::map<std::tuple<std::string, std::string, std::string>, FieldRecord> fields_;  // guarded by mu_
  std::set<std::tuple<std::string, std::string, std::string>> index_;              // (index, token, subject); mu_
  std::set<std::tuple<std::string, std::string, std::string>> by_subject_;         // (subject, index, token); mu_
  std::map<std::string, std::string> meta_;                                        // guarded by mu_
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace domicile::store
