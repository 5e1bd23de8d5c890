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

namespace {

// JSON text as nlohmann::json::dump writes it (no ASCII escaping of UTF-8):
// '"', '\\' and the short escapes, other control bytes as \u00xx.
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Well-formed UTF-8 (Unicode 15, table 3-7): no overlongs, surrogates or code points
// past U+10FFFF.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (n >= s.size() - i) return false;  // truncated sequence
    if (b(i + 1) < lo || b(i + 1) > hi) return false;
    for (size_t k = 2; k <= n; ++k) {
      if (b(i + k) < 0x80 || b(i + k) > 0xbf) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string internal::AuditEntryToJsonReference(const AuditEntry& e) {
  ordered_json fields_json = ordered_json::array();
  for (const FieldDecision& f : e.fields) {
    fields_json.push_back({{"field", f.field},
                           {"decision", f.view == View::kNone ? "deny" : "allow"},
                           {"view", ViewName(f.view)},
                           {"policies", f.policy_ids},
                           {"errors", f.errors}});
  }
  ordered_json j = {
      {"v", kAuditEntryVersion},
      {"time", FormatRfc3339Micros(e.time_unix_micros)},
      {"request_id", e.request_id},
      {"principal", e.principal},
      {"authenticated_by", e.authenticated_by},
      {"source_ip", e.source_ip},
      {"source_country", e.source_country},
      {"action", e.action},
      {"subject", e.subject},
      {"collection", e.collection},
      {"fields", fields_json},
      {"purpose", e.purpose},
      {"justification", e.justification},
      {"records", e.records},
      {"bulk", e.bulk},
      {"outcome", e.outcome},
      {"status", e.http_status},
      {"reason", e.reason},
  };
  // The receipt is the vault's canonical JSON (its digest covers those bytes); kept as an object.
  if (!e.receipt.empty()) {
    ordered_json r = ordered_json::parse(e.receipt, nullptr, /*allow_exceptions=*/false);
    j["receipt"] = r.is_discarded() ? ordered_json(e.receipt) : r;
  }
  // Invalid UTF-8 cannot reach here through the validated inputs; replace rather than throw.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string AuditEntry::ToJson() const {
  // The common case written directly; receipts (re-serialized as JSON objects) and
  // text that is not UTF-8 (replaced) take the reference path.
  bool plain = receipt.empty();
  for (std::string_view text : {std::string_view(request_id), std::string_view(principal),
                                std::string_view(authenticated_by), std::string_view(source_ip),
                                std::string_view(source_country), std::string_view(action), std::string_view(subject),
                                std::string_view(collection), std::string_view(purpose),
                                std::string_view(justification), std::string_view(bulk), std::string_view(outcome),
                                std::string_view(reason)}) {
    plain = plain && IsUtf8(text);
  }
  for (const FieldDecision& f : fields) {
    plain = plain && IsUtf8(f.field);
    for (const auto& p : f.policy_ids) plain = plain && IsUtf8(p);
    for (const auto& p : f.errors) plain = plain && IsUtf8(p);
  }
  if (!plain) return internal::AuditEntryToJsonReference(*this);

  std::string out;
  out.reserve(512);
  const auto key = [&out](std::string_view k) {
    out += ',';
    AppendJsonString(out, k);
    out += ':';
  };
  const auto text = [&](std::string_view k, std::string_view value) {
    key(k);
    AppendJsonString(out, value);
  };
  const auto string_list = [&out](const std::vector<std::string>& list) {
    out += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(out, list[i]);
    }
    out += ']';
  };
  out += "{\"v\":";
  out += std::to_string(kAuditEntryVersion);
  text("time", FormatRfc3339Micros(time_unix_micros));
  text("request_id", request_id);
  text("principal", principal);
  text("authenticated_by", authenticated_by);
  text("source_ip", source_ip);
  text("source_country", source_country);
  text("action", action);
  text("subject", subject);
  text("collection", collection);
  key("fields");
  out += '[';
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldDecision& f = fields[i];
    if (i > 0) out += ',';
    out += "{\"field\":";
    AppendJsonString(out, f.field);
    out += f.view == View::kNone ? ",\"decision\":\"deny\"" : ",\"decision\":\"allow\"";
    text("view", ViewName(f.view));
    key("policies");
    string_list(f.policy_ids);
    key("errors");
    string_list(f.errors);
    out += '}';
  }
  out += ']';
  text("purpose", purpose);
  text("justification", justification);
  key("records");
  out += std::to_string(records);
  text("bulk", bulk);
  text("outcome", outcome);
  key("status");
  out += std::to_string(http_status);
  text("reason", reason);
  out += '}';
  return out;
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
