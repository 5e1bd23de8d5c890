#include "gateway/directory.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

namespace domicile::gateway {
namespace {

using nlohmann::json;

// A uid in entities JSON: {"type":…,"id":…}, optionally wrapped as {"__entity":{…}}.
Result<EntityUid> ParseUid(const json& value) {
  const json* v = &value;
  if (v->is_object() && v->contains("__entity")) v = &(*v)["__entity"];
  if (!v->is_object()) return InvalidArgumentError("entity uid is not an object");
  auto type = v->find("type");
  auto id = v->find("id");
  if (type == v->end() || id == v->end() || !type->is_string() || !id->is_string() ||
      type->get_ref<const std::string&>().empty()) {
    return InvalidArgumentError("entity uid needs string 'type' and 'id'");
  }
  return EntityUid{type->get<std::string>(), id->get<std::string>()};
}

}  // namespace

std::string EntityUid::ToCedar() const {
  std::string out = type + "::\"";
  for (char c : id) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

Result<Directory> Directory::Parse(std::string_view entities_json, std::vector<std::string> principal_types) {
  json entities = json::parse(entities_json.begin(), entities_json.end(), nullptr, false);
  if (entities.is_discarded() || !entities.is_array()) {
    return InvalidArgumentError("directory is not a JSON array of Cedar entities");
  }
  Directory dir;
  dir.raw_json_ = std::string(entities_json);
  std::set<EntityUid> seen;
  for (size_t i = 0; i < entities.size(); ++i) {
    const json& e = entities[i];
    const std::string where = "directory entity #" + std::to_string(i);
    if (!e.is_object() || !e.contains("uid")) return InvalidArgumentError(where + ": no uid");
    auto uid = ParseUid(e["uid"]);
    if (!uid.ok()) return uid.status().Annotate(where);
    if (!seen.insert(*uid).second) return InvalidArgumentError(where + ": duplicate uid " + uid->ToCedar());
    if (std::find(principal_types.begin(), principal_types.end(), uid->type) == principal_types.end()) continue;

    Principal p;
    p.uid = *uid;
    if (auto parents = e.find("parents"); parents != e.end()) {
      if (!parents->is_array()) return InvalidArgumentError(where + ": parents is not an array");
      for (const json& parent : *parents) {
        auto g = ParseUid(parent);
        if (!g.ok()) return g.status().Annotate(where + " parents");
        p.groups.push_back(*g);
      }
    }
    if (auto attrs = e.find("attrs"); attrs != e.end()) {
      if (!attrs->is_object()) return InvalidArgumentError(where + ": attrs is not an object");
      if (auto employer = attrs->find("employer"); employer != attrs->end()) {
        auto u = ParseUid(*employer);
        if (!u.ok()) return u.status().Annotate(where + " employer");
        p.employer = *u;
      }
      if (auto wc = attrs->find("work_country"); wc != attrs->end()) {
        if (!wc->is_string()) return InvalidArgumentError(where + ": work_country is not a string");
        p.work_country = wc->get<std::string>();
      }
      if (auto cl = attrs->find("clearance"); cl != attrs->end()) {
        if (!cl->is_number_integer()) return InvalidArgumentError(where + ": clearance is not an integer");
        p.clearance = cl->get<int64_t>();
      }
    }
    if (!dir.principals_.emplace(p.uid.id, p).second) {
      return InvalidArgumentError(where + ": principal id '" + p.uid.id + "' is used by two principal types");
    }
  }
  return dir;
}

Result<Principal> Directory::Find(std::string_view subject) const {
  auto it = principals_.find(subject);
  if (it == principals_.end()) return NotFoundError("principal is not in the directory");
  return it->second;
}

}  // namespace domicile::gateway
