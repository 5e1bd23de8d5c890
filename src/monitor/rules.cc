#include "monitor/rules.h"

#include <set>

#include "cedar/cedar.h"
#include "gateway/audit_entry.h"
#include "gateway/masking.h"

namespace domicile::monitor {
namespace {

constexpr std::string_view kBuiltinRules = R"cedar(
@id("foreign-access-to-home-data")
@description("A requester outside the subjects' home jurisdiction was shown protected or profiling data (plain or masked)")
permit (principal, action, resource)
when {
  context.decision == "allow" && context.source_country != resource.home &&
  (resource.category == "protected" || resource.category == "profiling") &&
  (context.view == "plain" || context.view == "masked")
};

@id("read-without-purpose")
@description("Personal data was returned for a request that stated no purpose")
permit (principal, action, resource)
when {
  context.decision == "allow" && context.purpose == "" &&
  action != Domicile::Action::"write" && action != Domicile::Action::"delete"
};

@id("bulk-profiling-read")
@description("A bulk read (export, or at least the configured number of records) returned profiling data")
permit (principal, action, resource)
when { context.decision == "allow" && context.bulk && resource.category == "profiling" };

@id("principal-not-in-directory")
@description("Data was returned to a principal that is not in the approved directory")
permit (principal, action, resource)
when { context.decision == "allow" && !context.principal_approved };
)cedar";

constexpr std::string_view kTypeField = "Domicile::Field";
constexpr std::string_view kTypeCollection = "Domicile::Collection";
constexpr std::string_view kTypeAction = "Domicile::Action";
constexpr std::string_view kTypeAnonymous = "Domicile::Anonymous";

std::string Annotation(const cedar::Policy& p, std::string_view key) {
  for (const auto& [k, v] : p.annotations) {
    if (k == key) return v;
  }
  return "";
}

// Domicile::Employee::"ana" -> {type, id}. nullopt if it is not a uid literal.
std::optional<cedar::EntityUid> ParseUid(std::string_view text) {
  size_t q = text.find("::\"");
  if (q == std::string_view::npos || q == 0 || text.size() < q + 4 || text.back() != '"') return std::nullopt;
  cedar::EntityUid uid;
  uid.type = std::string(text.substr(0, q));
  std::string_view id = text.substr(q + 3, text.size() - q - 4);
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '\\' && i + 1 < id.size()) ++i;
    else if (id[i] == '"') return std::nullopt;
    uid.id.push_back(id[i]);
  }
  return uid;
}

std::string_view CollectionOf(std::string_view field) {
  size_t dot = field.find('.');
  return dot == std::string_view::npos ? field : field.substr(0, dot);
}

}  // namespace

struct ComplianceRules::Impl {
  ComplianceConfig config;
  cedar::PolicySet rules;
  std::map<std::string, std::pair<std::string, std::string>> by_policy;  // policyN -> (@id, @description)
  cedar::Entities directory;
  // Denials per (principal, source country) in the window; the entry times.
  std::map<std::pair<std::string, std::string>, std::deque<int64_t>> denials;
  std::set<std::pair<std::string, std::string>> spiking;  // reported, not yet back under the threshold
  int64_t latest_time = 0;

  void AddPrincipal(cedar::Entities& out, const cedar::EntityUid& uid) const {
    std::vector<cedar::EntityUid> todo{uid};
    std::set<cedar::EntityUid> done;
    while (!todo.empty()) {
      cedar::EntityUid u = todo.back();
      todo.pop_back();
      if (!done.insert(u).second) continue;
      if (const cedar::Entity* e = directory.Find(u)) {
        out.Add(*e);
        todo.insert(todo.end(), e->parents.begin(), e->parents.end());
      }
    }
  }
};

std::string_view BuiltinRules() { return kBuiltinRules; }

ComplianceRules::ComplianceRules(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ComplianceRules::~ComplianceRules() = default;
size_t ComplianceRules::rule_count() const { return impl_->rules.policies().size(); }

Result<std::unique_ptr<ComplianceRules>> ComplianceRules::Create(const ComplianceConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  std::string text(kBuiltinRules);
  text += "\n";
  text += config.extra_rules;
  auto rules = cedar::PolicySet::Parse(text);
  if (!rules.ok()) return rules.status().Annotate("compliance rules");
  impl->rules = std::move(*rules);
  std::set<std::string> ids;
  for (const cedar::Policy& p : impl->rules.policies()) {
    std::string id = Annotation(p, "id");
    if (id.empty()) return InvalidArgumentError("compliance rules: every rule needs an @id annotation");
    if (p.effect == cedar::Effect::kPermit && !ids.insert(id).second) {
      return InvalidArgumentError("compliance rules: duplicate rule id " + id);
    }
    impl->by_policy[p.id] = {id, Annotation(p, "description")};
  }
  if (!config.directory_json.empty()) {
    auto dir = cedar::Entities::FromJson(config.directory_json);
    if (!dir.ok()) return dir.status().Annotate("compliance directory");
    impl->directory = std::move(*dir);
  }
  return std::unique_ptr<ComplianceRules>(new ComplianceRules(std::move(impl)));
}

void ComplianceRules::Evaluate(uint64_t index, std::string_view entry, std::vector<Violation>& out) {
  Impl& m = *impl_;
  auto parsed = gateway::AuditEntry::FromJson(entry);
  if (!parsed.ok()) {
    out.push_back(Violation{index, 0, "malformed-entry", "The log entry is not a valid audit entry: " +
                                                             parsed.status().message(), "", "", {}});
    return;
  }
  const gateway::AuditEntry& e = *parsed;
  auto base = [&](std::string rule, std::string description) {
    return Violation{index, e.time_unix_micros, std::move(rule), std::move(description), e.principal,
                     e.source_country, {}};
  };

  // Gaps and reordering inside the log's content: time must not run backwards
  // beyond the tolerance of concurrent appenders.
  const int64_t tolerance = m.config.max_time_regression_seconds * 1'000'000;
  if (m.latest_time != 0 && e.time_unix_micros + tolerance < m.latest_time) {
    out.push_back(base("entry-out-of-order", "The entry is older than an earlier entry by more than " +
                                                 std::to_string(m.config.max_time_regression_seconds) +
                                                 " s (reordered or back-dated)"));
  }
  m.latest_time = std::max(m.latest_time, e.time_unix_micros);

  // Denied-request spikes per (principal, source country).
  if (e.outcome == "denied") {
    auto key = std::make_pair(e.principal, e.source_country);
    std::deque<int64_t>& window = m.denials[key];
    window.push_back(e.time_unix_micros);
    const int64_t span = m.config.deny_spike_window_seconds * 1'000'000;
    while (!window.empty() && window.front() + span < e.time_unix_micros) window.pop_front();
    if (window.size() >= m.config.deny_spike_threshold) {
      if (m.spiking.insert(key).second) {
        out.push_back(base("denied-request-spike",
                           std::to_string(window.size()) + " denied requests from this principal and country within " +
                               std::to_string(m.config.deny_spike_window_seconds) + " s"));
      }
    } else {
      m.spiking.erase(key);
    }
  }

  // Cedar rules: one request per field decision (or one for the collection).
  cedar::Entities entities;
  cedar::EntityUid principal{std::string(kTypeAnonymous), ""};
  if (auto uid = ParseUid(e.principal)) principal = *uid;
  m.AddPrincipal(entities, principal);
  const bool approved = !e.principal.empty() && m.directory.Find(principal) != nullptr;
  if (!entities.Find(principal)) entities.Add(cedar::Entity{principal, {}, {}, {}});
  struct Item {
    std::string field;
    bool allowed;
    std::string view;
  };
  std::vector<Item> items;
  for (const gateway::FieldDecision& f : e.fields) {
    items.push_back({f.field, f.view != gateway::View::kNone, std::string(gateway::ViewName(f.view))});
  }
  if (items.empty() && !e.collection.empty()) {
    bool allowed = e.outcome == "allowed" || e.outcome == "partial";
    items.push_back({e.collection, allowed, allowed ? "plain" : "none"});
  }
  std::vector<cedar::Request> requests;
  for (const Item& it : items) {
    bool is_field = it.field.find('.') != std::string::npos;
    cedar::EntityUid res{std::string(is_field ? kTypeField : kTypeCollection), it.field};
    cedar::ValueRecord attrs{{"home", cedar::Value(m.config.home)},
                             {"category", cedar::Value(is_field ? m.config.CategoryOf(it.field) : "protected")},
                             {"collection", cedar::Value(std::string(CollectionOf(it.field)))}};
    entities.Add(cedar::Entity{res, std::move(attrs), {}, {}});
    cedar::ValueRecord ctx{
        {"source_country", cedar::Value(e.source_country)},
        {"source_ip", cedar::Value(e.source_ip)},
        {"purpose", cedar::Value(e.purpose)},
        {"justification", cedar::Value(e.justification)},
        {"decision", cedar::Value(std::string(it.allowed ? "allow" : "deny"))},
        {"view", cedar::Value(it.view)},
        {"outcome", cedar::Value(e.outcome)},
        {"records", cedar::Value(int64_t(std::min<uint64_t>(e.records, INT64_MAX)))},
        {"bulk", cedar::Value(e.action == "export" || e.records >= m.config.bulk_records)},
        {"principal_approved", cedar::Value(approved)},
        {"authenticated_by", cedar::Value(e.authenticated_by)},
        {"http_status", cedar::Value(int64_t(e.http_status))},
    };
    requests.push_back(cedar::Request{principal, cedar::EntityUid{std::string(kTypeAction), e.action}, res,
                                      cedar::Value::Record(std::move(ctx))});
  }
  entities.Finalize();
  std::map<std::string, size_t> by_rule;  // rule id -> index in out
  for (size_t i = 0; i < requests.size(); ++i) {
    cedar::Response r = cedar::Authorize(m.rules, entities, requests[i]);
    for (const cedar::PolicyError& err : r.errors) {
      auto& [id, desc] = m.by_policy[err.policy_id];
      out.push_back(base("rule-error", "rule " + id + " failed to evaluate: " + err.message));
    }
    if (r.decision != cedar::Decision::kAllow) continue;
    for (const std::string& pid : r.reasons) {
      const auto& [id, desc] = m.by_policy[pid];
      auto [it, fresh] = by_rule.emplace(id, out.size());
      if (fresh) out.push_back(base(id, desc));
      out[it->second].fields.push_back(items[i].field);
    }
  }
}

}  // namespace domicile::monitor
