#include "monitor/report.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "gateway/audit_entry.h"
#include "tlog/checkpoint.h"
#include "tlog/cosignature.h"
#include "tlog/proof_format.h"

namespace domicile::monitor {

using nlohmann::ordered_json;

namespace {

constexpr int kTimelineBuckets = 24;

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// Horizontal bars, one per (label, value); `colors` cycles.
std::string BarChart(const std::vector<std::pair<std::string, uint64_t>>& rows, std::string_view color) {
  if (rows.empty()) return "<p class=muted>none</p>";
  uint64_t max = 1;
  for (const auto& r : rows) max = std::max(max, r.second);
  const int row_h = 22, label_w = 220, bar_w = 400;
  std::string svg = "<svg role=img width=\"" + std::to_string(label_w + bar_w + 70) + "\" height=\"" +
                    std::to_string(rows.size() * row_h + 4) + "\">";
  for (size_t i = 0; i < rows.size(); ++i) {
    double w = double(rows[i].second) * bar_w / double(max);
    int y = int(i) * row_h;
    svg += "<text x=\"" + std::to_string(label_w - 6) + "\" y=\"" + std::to_string(y + 15) +
           "\" text-anchor=end>" + Escape(rows[i].first) + "</text>";
    svg += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" + Num(w) +
           "\" height=\"16\" fill=\"" + std::string(color) + "\"/>";
    svg += "<text x=\"" + Num(label_w + w + 6) + "\" y=\"" + std::to_string(y + 15) + "\">" +
           std::to_string(rows[i].second) + "</text>";
  }
  return svg + "</svg>";
}

// Stacked columns of allowed (green) and denied (red) requests over time.
std::string Timeline(const std::vector<std::pair<uint64_t, uint64_t>>& buckets, int64_t since, int64_t until) {
  uint64_t max = 1;
  for (const auto& b : buckets) max = std::max(max, b.first + b.second);
  const int h = 160, col = 26, left = 40;
  std::string svg = "<svg role=img width=\"" + std::to_string(left + col * buckets.size() + 10) + "\" height=\"" +
                    std::to_string(h + 40) + "\">";
  svg += "<text x=\"0\" y=\"12\">" + std::to_string(max) + "</text><text x=\"0\" y=\"" + std::to_string(h) +
         "\">0</text>";
  for (size_t i = 0; i < buckets.size(); ++i) {
    double ha = double(buckets[i].first) * h / double(max), hd = double(buckets[i].second) * h / double(max);
    int x = left + int(i) * col;
    svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + Num(h - ha) + "\" width=\"" + std::to_string(col - 4) +
           "\" height=\"" + Num(ha) + "\" fill=\"#3a7d44\"><title>allowed " + std::to_string(buckets[i].first) +
           "</title></rect>";
    svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + Num(h - ha - hd) + "\" width=\"" +
           std::to_string(col - 4) + "\" height=\"" + Num(hd) + "\" fill=\"#b3261e\"><title>denied " +
           std::to_string(buckets[i].second) + "</title></rect>";
  }
  svg += "<text x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(h + 20) + "\">" +
         Escape(gateway::FormatRfc3339Micros(since)) + "</text>";
  svg += "<text x=\"" + std::to_string(left + col * buckets.size()) + "\" y=\"" + std::to_string(h + 36) +
         "\" text-anchor=end>" + Escape(gateway::FormatRfc3339Micros(until)) + "</text>";
  return svg + "</svg>";
}

std::vector<std::pair<std::string, uint64_t>> Rows(const ordered_json& counts) {
  std::vector<std::pair<std::string, uint64_t>> rows;
  for (const auto& [k, v] : counts.items()) rows.emplace_back(k.empty() ? "(none)" : k, v.get<uint64_t>());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return rows;
}

std::string RenderHtml(const ordered_json& r, const std::vector<std::pair<uint64_t, uint64_t>>& timeline) {
  std::string h;
  h += "<!doctype html><html lang=en><head><meta charset=utf-8><title>Domicile evidence report — " +
       Escape(r["log"]["origin"].get<std::string>()) + "</title><style>";
  h += "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#1d1d1f}"
       "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
       "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px 6px;text-align:left;"
       "vertical-align:top}th{background:#f3f3f3}.muted{color:#777}.ok{color:#3a7d44;font-weight:600}"
       ".bad{color:#b3261e;font-weight:600}pre{background:#f7f7f7;padding:6px;overflow-x:auto;font-size:12px}"
       "svg text{font:12px system-ui,sans-serif}.cards{display:flex;gap:1em;flex-wrap:wrap}"
       ".card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:120px}"
       ".card b{display:block;font-size:1.5em}";
  h += "</style></head><body>";
  const auto& log = r["log"];
  h += "<h1>Evidence report</h1><p>Log <b>" + Escape(log["origin"].get<std::string>()) + "</b>, period " +
       Escape(r["period"]["since"].get<std::string>()) + " to " + Escape(r["period"]["until"].get<std::string>()) +
       " (generated " + Escape(r["generated"].get<std::string>()) + ").<br>Verified tree size " +
       std::to_string(log["verified_size"].get<uint64_t>()) + "; every figure below is computed from entries the "
       "monitor verified against checkpoints signed by the log and cosigned by a quorum of witnesses.</p>";
  const auto& c = r["counts"];
  uint64_t violations = r["violations"].size(), findings = r["integrity_findings"].size();
  h += "<div class=cards><div class=card>entries<b>" + std::to_string(c["entries"].get<uint64_t>()) +
       "</b></div><div class=card>violations<b class=" + (violations ? "bad" : "ok") + ">" +
       std::to_string(violations) + "</b></div><div class=card>integrity findings<b class=" +
       (findings ? "bad" : "ok") + ">" + std::to_string(findings) + "</b></div><div class=card>checkpoints<b>" +
       std::to_string(r["checkpoints"].size()) + "</b></div></div>";
  h += "<h2>Requests over time</h2>";
  h += Timeline(timeline, r["period"]["since_micros"].get<int64_t>(), r["period"]["until_micros"].get<int64_t>());
  h += "<h2>Decisions</h2>" + BarChart(Rows(c["by_outcome"]), "#4a6fa5");
  h += "<h2>Field decisions by subjects' jurisdiction</h2><table><tr><th>jurisdiction</th><th>allowed</th>"
       "<th>denied</th></tr>";
  for (const auto& [j, v] : c["by_jurisdiction"].items()) {
    h += "<tr><td>" + Escape(j) + "</td><td>" + std::to_string(v["allowed"].get<uint64_t>()) + "</td><td>" +
         std::to_string(v["denied"].get<uint64_t>()) + "</td></tr>";
  }
  h += "</table><h2>Requests by source country</h2>" + BarChart(Rows(c["by_source_country"]), "#7a5195");
  h += "<h2>Rule violations</h2>";
  if (violations == 0) h += "<p class=ok>No rule violations in this period.</p>";
  else {
    h += BarChart(Rows(c["violations_by_rule"]), "#b3261e");
    h += "<table><tr><th>index</th><th>time</th><th>rule</th><th>principal / country</th><th>fields</th>"
         "<th>inclusion proof</th></tr>";
    for (const auto& v : r["violations"]) {
      std::string fields;
      for (const auto& f : v["fields"]) fields += Escape(f.get<std::string>()) + "<br>";
      h += "<tr><td>" + std::to_string(v["index"].get<uint64_t>()) + "</td><td>" + Escape(v["time"].get<std::string>()) +
           "</td><td><b>" + Escape(v["rule"].get<std::string>()) + "</b><br><span class=muted>" +
           Escape(v["description"].get<std::string>()) + "</span></td><td>" +
           Escape(v["principal"].get<std::string>()) + "<br>" + Escape(v["source_country"].get<std::string>()) +
           "</td><td>" + fields + "</td><td><details><summary>tlog-proof</summary><pre>" +
           Escape(v["inclusion_proof"].get<std::string>()) + "</pre></details></td></tr>";
    }
    h += "</table>";
  }
  h += "<h2>Integrity of the log</h2>";
  if (findings == 0) h += "<p class=ok>No integrity findings: every checkpoint seen was consistent with the "
                          "previous ones, cosigned by the witness quorum, and matched the entries.</p>";
  else {
    h += "<table><tr><th>observed</th><th>kind</th><th>index</th><th>detail</th><th>evidence file</th></tr>";
    for (const auto& f : r["integrity_findings"]) {
      h += "<tr><td>" + Escape(f["observed"].get<std::string>()) + "</td><td class=bad>" +
           Escape(f["kind"].get<std::string>()) + "</td><td>" +
           (f.contains("index") ? std::to_string(f["index"].get<uint64_t>()) : "") + "</td><td>" +
           Escape(f["detail"].get<std::string>()) + "</td><td>" + Escape(f["evidence"].get<std::string>()) +
           "</td></tr>";
    }
    h += "</table>";
  }
  h += "<h2>Checkpoints and cosignatures</h2><table><tr><th>observed</th><th>size</th><th>root</th>"
       "<th>witness cosignatures</th></tr>";
  for (const auto& cp : r["checkpoints"]) {
    std::string cos;
    for (const auto& w : cp["cosignatures"]) {
      cos += Escape(w["witness"].get<std::string>()) + " at " + Escape(w["time"].get<std::string>()) + "<br>";
    }
    h += "<tr><td>" + Escape(cp["observed"].get<std::string>()) + "</td><td>" +
         std::to_string(cp["size"].get<uint64_t>()) + "</td><td><code>" + Escape(cp["root"].get<std::string>()) +
         "</code></td><td>" + cos + "</td></tr>";
  }
  h += "</table><h2>Latest checkpoint</h2><pre>" + Escape(log["checkpoint"].get<std::string>()) + "</pre>";
  h += "<p class=muted>Each inclusion proof is a c2sp.org/tlog-proof: it binds the entry (its SHA-256 leaf hash) "
       "to a checkpoint signed by the log; any tlog-proof verifier holding the log's verifier key can check it.</p>"
       "</body></html>\n";
  return h;
}

}  // namespace

Result<int64_t> ParseReportTime(std::string_view text) {
  int y, mo, d, hh = 0, mm = 0, ss = 0;
  char tail[4] = {0};
  std::string s(text);
  struct tm t = {};
  if (s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3) {
  } else if (s.size() == 20 && std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%1s", &y, &mo, &d, &hh, &mm, &ss, tail) == 7 &&
             tail[0] == 'Z') {
  } else {
    return InvalidArgumentError("time must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ: " + s);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || y < 1970) {
    return InvalidArgumentError("time out of range: " + s);
  }
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = hh;
  t.tm_min = mm;
  t.tm_sec = ss;
  return int64_t(timegm(&t)) * 1'000'000;
}

Result<EvidenceReport> BuildEvidenceReport(Monitor& monitor, const MonitorConfig& config, int64_t since,
                                           int64_t until, int64_t generated) {
  if (until <= since) return InvalidArgumentError("report: --until must be after --since");
  ASSIGN_OR_RETURN(std::vector<std::string> entries, monitor.Entries());
  ordered_json by_outcome = ordered_json::object(), by_country = ordered_json::object(),
               by_action = ordered_json::object(), by_jurisdiction = ordered_json::object();
  std::vector<std::pair<uint64_t, uint64_t>> timeline(kTimelineBuckets);
  uint64_t in_period = 0, malformed = 0;
  auto bump = [](ordered_json& obj, const std::string& key) {
    obj[key] = obj.value(key, uint64_t(0)) + 1;
  };
  for (const std::string& text : entries) {
    auto e = gateway::AuditEntry::FromJson(text);
    if (!e.ok()) {
      ++malformed;
      continue;
    }
    if (e->time_unix_micros < since || e->time_unix_micros >= until) continue;
    ++in_period;
    bump(by_outcome, e->outcome);
    bump(by_country, e->source_country);
    bump(by_action, e->action);
    ordered_json& j = by_jurisdiction[config.compliance.home];
    if (!j.contains("allowed")) j = {{"allowed", 0}, {"denied", 0}};
    for (const auto& f : e->fields) {
      const char* k = f.view == gateway::View::kNone ? "denied" : "allowed";
      j[k] = j[k].get<uint64_t>() + 1;
    }
    size_t b = size_t((e->time_unix_micros - since) * kTimelineBuckets / (until - since));
    bool denied = e->outcome == "denied" || e->outcome == "error";
    (denied ? timeline[b].second : timeline[b].first)++;
  }

  std::vector<const tlog::NoteVerifier*> log_keys;
  std::vector<std::unique_ptr<tlog::NoteVerifier>> owned;
  for (const std::string& k : config.log_keys) {
    ASSIGN_OR_RETURN(auto v, tlog::NewVerifier(k));
    log_keys.push_back(v.get());
    owned.push_back(std::move(v));
  }
  ordered_json violations = ordered_json::array(), by_rule = ordered_json::object();
  ASSIGN_OR_RETURN(std::vector<Violation> all_violations, monitor.Violations());
  for (const Violation& v : all_violations) {
    if (v.time_micros < since || v.time_micros >= until) continue;
    ASSIGN_OR_RETURN(tlog::TlogProof proof, monitor.ProveInclusion(v.index));
    tlog::Hash leaf = tlog::HashLeaf(entries.at(v.index));
    auto checked = tlog::VerifyTlogProof(proof, tlog::HashBytes(leaf), log_keys);
    if (!checked.ok()) return checked.status().Annotate("report: inclusion proof of entry " + std::to_string(v.index));
    bump(by_rule, v.rule);
    violations.push_back({{"index", v.index},
                          {"time", gateway::FormatRfc3339Micros(v.time_micros)},
                          {"rule", v.rule},
                          {"description", v.description},
                          {"principal", v.principal},
                          {"source_country", v.source_country},
                          {"fields", v.fields},
                          {"entry", entries.at(v.index)},
                          {"inclusion_proof", tlog::FormatTlogProof(proof)}});
  }
  ordered_json findings = ordered_json::array();
  ASSIGN_OR_RETURN(std::vector<Finding> all_findings, monitor.Findings());
  for (const Finding& f : all_findings) {
    if (f.observed_micros < since || f.observed_micros >= until) continue;
    ordered_json j = {{"observed", gateway::FormatRfc3339Micros(f.observed_micros)},
                      {"kind", f.kind},
                      {"detail", f.detail},
                      {"evidence", f.evidence}};
    if (f.index) j["index"] = *f.index;
    findings.push_back(std::move(j));
  }

  std::vector<std::unique_ptr<tlog::CosignatureVerifier>> witnesses;
  std::vector<const tlog::CosignatureVerifier*> witness_ptrs;
  for (const std::string& k : config.witness_keys) {
    ASSIGN_OR_RETURN(auto v, tlog::NewCosignatureVerifier(k));
    witness_ptrs.push_back(v.get());
    witnesses.push_back(std::move(v));
  }
  // The checkpoints accepted during the period, and the first one after it (it
  // covers the period's last entries).
  ordered_json checkpoints = ordered_json::array();
  const auto& records = monitor.checkpoints();
  for (size_t i = 0; i < records.size(); ++i) {
    bool in = records[i].observed_micros >= since && records[i].observed_micros < until;
    bool first_after = records[i].observed_micros >= until && (i == 0 || records[i - 1].observed_micros < until);
    if (!in && !first_after) continue;
    auto cp = tlog::ParseUnverifiedCheckpoint(records[i].note);  // verified when accepted
    auto note = tlog::ParseNote(records[i].note);
    if (!cp.ok() || !note.ok()) return DataLossError("report: a recorded checkpoint does not parse");
    ordered_json cos = ordered_json::array();
    auto verified = tlog::VerifyCosignatures(*note, witness_ptrs);
    if (verified.ok()) {
      for (const auto& c : *verified) {
        cos.push_back({{"witness", c.name}, {"time", gateway::FormatRfc3339Micros(int64_t(c.timestamp) * 1'000'000)},
                       {"line", c.line}});
      }
    }
    checkpoints.push_back({{"observed", gateway::FormatRfc3339Micros(records[i].observed_micros)},
                           {"size", cp->size},
                           {"root", Base64Encode(tlog::HashBytes(cp->root))},
                           {"cosignatures", cos},
                           {"note", records[i].note}});
  }

  ordered_json r = {
      {"format", "domicile/evidence-report@v1"},
      {"generated", gateway::FormatRfc3339Micros(generated)},
      {"period",
       {{"since", gateway::FormatRfc3339Micros(since)},
        {"until", gateway::FormatRfc3339Micros(until)},
        {"since_micros", since},
        {"until_micros", until}}},
      {"log",
       {{"origin", config.origin},
        {"verified_size", monitor.size()},
        {"checkpoint", monitor.checkpoint_note()},
        {"quorum", config.quorum},
        {"witnesses", config.witness_keys}}},
      {"counts",
       {{"entries", in_period},
        {"malformed_entries", malformed},
        {"by_outcome", by_outcome},
        {"by_action", by_action},
        {"by_jurisdiction", by_jurisdiction},
        {"by_source_country", by_country},
        {"violations_by_rule", by_rule}}},
      {"violations", violations},
      {"integrity_findings", findings},
      {"checkpoints", checkpoints},
  };
  EvidenceReport out;
  out.html = RenderHtml(r, timeline);
  out.json = r.dump(2) + "\n";
  return out;
}

}  // namespace domicile::monitor
