#include "vault/classification_history.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/encoding.h"
#include "crypto/sha256.h"

namespace domicile::vault {
namespace {

struct State {
  std::map<std::string, Category> fields;  // "collection.field" -> category
  std::set<std::string> collections;
};

nlohmann::json ToJson(const State& s) {
  nlohmann::json j;
  j["collections"] = s.collections;
  j["fields"] = nlohmann::json::object();
  for (const auto& [f, c] : s.fields) j["fields"][f] = CategoryName(c);
  return j;
}

std::string Digest(const State& s) { return HexEncode(crypto::Sha256String(ToJson(s).dump())); }

Result<State> ParseState(const std::string& text) {
  State s;
  try {
    const auto j = nlohmann::json::parse(text);
    s.collections = j.at("collections").get<std::set<std::string>>();
    for (const auto& [f, c] : j.at("fields").items()) {
      auto cat = ParseCategory(c.get<std::string>());
      if (!cat.ok()) return DataLossError("classification state: " + cat.status().message());
      s.fields[f] = *cat;
    }
  } catch (const nlohmann::json::exception& e) {
    return DataLossError(std::string("classification state in store meta is corrupt: ") + e.what());
  }
  return s;
}

std::string CollectionOf(const std::string& field) { return field.substr(0, field.find('.')); }

}  // namespace

std::string ClassificationRecord::ToJson() const {
  nlohmann::json j;
  j["type"] = "vault.classification";
  j["previous_digest"] = previous_digest;
  j["digest"] = digest;
  j["time_micros"] = time_micros;
  j["changes"] = nlohmann::json::array();
  for (const auto& c : changes) {
    nlohmann::json e;
    e["field"] = c.field;
    e["from"] = c.added ? nlohmann::json(nullptr) : nlohmann::json(CategoryName(c.from));
    e["to"] = CategoryName(c.to);
    e["lowering"] = c.lowering;
    if (c.lowering) {
      e["approved_by"] = c.approved_by;
      e["reason"] = c.reason;
    }
    j["changes"].push_back(std::move(e));
  }
  return j.dump();
}

Result<Reconciled> ReconcileClassification(const VaultConfig& config, const std::optional<std::string>& stored,
                                           int64_t now_micros) {
  State cur;
  for (const auto& [cname, col] : config.collections) {
    cur.collections.insert(cname);
    for (const auto& [fname, spec] : col.fields) cur.fields[cname + "." + fname] = spec.category;
  }
  ClassificationRecord rec;
  rec.time_micros = now_micros;
  if (!stored) {
    rec.digest = Digest(cur);
    for (const auto& [f, c] : cur.fields) rec.changes.push_back({f, true, c, c, false, "", ""});
    return Reconciled{ToJson(cur).dump(), std::move(rec)};
  }
  ASSIGN_OR_RETURN(State prev, ParseState(*stored));
  rec.previous_digest = Digest(prev);

  State next = cur;  // keep what removed collections said
  for (const auto& c : prev.collections) {
    if (!cur.collections.count(c)) next.collections.insert(c);
  }
  for (const auto& [f, c] : prev.fields) {
    if (!cur.collections.count(CollectionOf(f))) next.fields[f] = c;
  }

  std::set<std::string> names;
  for (const auto& [f, c] : prev.fields) names.insert(f);
  for (const auto& [f, c] : next.fields) names.insert(f);
  for (const auto& f : names) {
    const std::string col = CollectionOf(f);
    ClassificationChange ch;
    ch.field = f;
    if (auto it = prev.fields.find(f); it != prev.fields.end()) {
      ch.from = it->second;
    } else if (prev.collections.count(col)) {
      ch.from = Category::kProtected;  // was unclassified, hence protected
    } else {
      ch.added = true;
    }
    auto it = next.fields.find(f);
    ch.to = it != next.fields.end() ? it->second : Category::kProtected;  // dropped => unclassified
    if (!ch.added && ch.from == ch.to) continue;
    if (!ch.added && ch.to < ch.from) {
      ch.lowering = true;
      const LoweringApproval* ok = nullptr;
      for (const auto& a : config.lowering) {
        if (a.field == f && a.from == ch.from && a.to == ch.to) ok = &a;
      }
      if (ok == nullptr) {
        return FailedPreconditionError("classification: lowering " + f + " from " +
                                       std::string(CategoryName(ch.from)) + " to " + std::string(CategoryName(ch.to)) +
                                       " needs a `lowering` entry (field, from, to, approved_by, reason)");
      }
      ch.approved_by = ok->approved_by;
      ch.reason = ok->reason;
    }
    rec.changes.push_back(std::move(ch));
  }
  rec.digest = Digest(next);
  Reconciled out{ToJson(next).dump(), std::nullopt};
  if (rec.digest != rec.previous_digest) out.record = std::move(rec);
  return out;
}

}  // namespace domicile::vault
