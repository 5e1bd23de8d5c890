#include "gateway/audit_entry.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace domicile::gateway {
namespace {

using ordered_json = nlohmann::ordered_json;

Result<int64_t> ParseRfc3339Micros(const std::string& s) {
  std::tm tm{};
  int micros = 0;
  char z = 0;
  if (s.size() != 27 || std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c", &tm.tm_year, &tm.tm_mon,
                                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micros, &z) != 8 ||
      z != 'Z') {
    return InvalidArgumentError("audit entry time is not RFC 3339 with microseconds");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000 + micros;
}

}  // namespace

std::string FormatRfc3339Micros(int64_t unix_micros) {
  const std::time_t secs = static_cast<std::time_t>(unix_micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_micros % 1'000'000));
  return buf;
}

std::string AuditEntry::ToJson() const {
  ordered_json fields_json = ordered_json::array();
  for (const FieldDecision& f : fields) {
    fields_json.push_back({{"field", f.field},
                           {"decision", f.view == View::kNone ? "deny" : "allow"},
                           {"view", ViewName(f.view)},
                           {"policies", f.policy_ids},
                           {"errors", f.errors}});
  }
  ordered_json j = {
      {"v", kAuditEntryVersion},
      {"time", FormatRfc3339Micros(time_unix_micros)},
      {"request_id", request_id},
      {"principal", principal},
      {"authenticated_by", authenticated_by},
      {"source_ip", source_ip},
      {"source_country", source_country},
      {"action", action},
      {"subject", subject},
      {"collection", collection},
      {"fields", fields_json},
      {"purpose", purpose},
      {"justification", justification},
      {"records", records},
      {"bulk", bulk},
      {"outcome", outcome},
      {"status", http_status},
      {"reason", reason},
  };
  // The receipt is the vault's canonical JSON (its digest covers those bytes); kept as an object.
  if (!receipt.empty()) {
    ordered_json r = ordered_json::parse(receipt, nullptr, /*allow_exceptions=*/false);
    j["receipt"] = r.is_discarded() ? ordered_json(receipt) : r;
  }
  // Invalid UTF-8 cannot reach here through the validated inputs; replace rather than throw.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

Result<AuditEntry> AuditEntry::FromJson(std::string_view text) {
  ordered_json j = ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("audit entry is not a JSON object");
  try {
    if (j.at("v").get<int>() != kAuditEntryVersion) return InvalidArgumentError("unknown audit entry version");
    AuditEntry e;
    ASSIGN_OR_RETURN(e.time_unix_micros, ParseRfc3339Micros(j.at("time").get<std::string>()));
    e.request_id = j.at("request_id").get<std::string>();
    e.principal = j.at("principal").get<std::string>();
    e.authenticated_by = j.at("authenticated_by").get<std::string>();
    e.source_ip = j.at("source_ip").get<std::string>();
    e.source_country = j.at("source_country").get<std::string>();
    e.action = j.at("action").get<std::string>();
    e.subject = j.at("subject").get<std::string>();
    e.collection = j.at("collection").get<std::string>();
    for (const auto& f : j.at("fields")) {
      FieldDecision d;
      d.field = f.at("field").get<std::string>();
      auto view = ViewFromName(f.at("view").get<std::string>());
      if (!view) return InvalidArgumentError("audit entry has an unknown view");
      d.view = *view;
      if ((f.at("decision").get<std::string>() == "allow") != (d.view != View::kNone)) {
        return InvalidArgumentError("audit entry decision and view disagree");
      }
      d.policy_ids = f.at("policies").get<std::vector<std::string>>();
      d.errors = f.at("errors").get<std::vector<std::string>>();
      e.fields.push_back(std::move(d));
    }
    e.purpose = j.at("purpose").get<std::string>();
    e.justification = j.at("justification").get<std::string>();
    e.records = j.at("records").get<uint64_t>();
    e.bulk = j.value("bulk", "");
    e.outcome = j.at("outcome").get<std::string>();
    e.http_status = j.at("status").get<int>();
    e.reason = j.at("reason").get<std::string>();
    if (auto r = j.find("receipt"); r != j.end()) e.receipt = r->is_string() ? r->get<std::string>() : r->dump();
    return e;
  } catch (const nlohmann::json::exception& ex) {
    return InvalidArgumentError(std::string("malformed audit entry: ") + ex.what());
  }
}

}  // namespace domicile::gateway
