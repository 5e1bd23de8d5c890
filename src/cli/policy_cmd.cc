// `domicile policy authorize | format | run-tests`: the Cedar authorizer on
// files, the formatter, and the runner for Cedar integration-test JSON files
// (cedar-integration-tests format; counts requests, ends "N passed, N failed").
// `policy validate` lives in policy_validate_cmd.cc.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cedar/cedar.h"
#include "cedar/schema.h"
#include "cli/command.h"
#include "common/file.h"

namespace domicile::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Result<std::string> Read(const std::string& path) { return FileSystem::Default()->ReadFile(path); }

Result<cedar::Schema> ParseSchema(const std::string& text, const std::string& path) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  auto schema = first != std::string::npos && text[first] == '{' ? cedar::Schema::FromJson(text)
                                                                 : cedar::Schema::FromCedarSchema(text);
  if (!schema.ok()) return schema.status().Annotate("schema " + path);
  return schema;
}

Result<cedar::EntityUid> ParseUid(const std::string& text) {
  // TYPE::"id" as in Cedar, parsed by the policy parser's entity literal rule.
  auto set = cedar::PolicySet::Parse("permit(principal == " + text + ", action, resource);");
  if (!set.ok()) return InvalidArgumentError("bad entity uid '" + text + "' (expected Type::\"id\")");
  return set->policies()[0].principal.entities[0];
}

std::string DecisionText(cedar::Decision d) { return d == cedar::Decision::kAllow ? "ALLOW" : "DENY"; }

Status Authorize(const std::string& policies_path, const std::string& entities_path, const std::string& schema_path,
                 const std::string& principal, const std::string& action, const std::string& resource,
                 const std::string& context, bool strict) {
  std::optional<cedar::Schema> schema;
  if (!schema_path.empty()) {
    ASSIGN_OR_RETURN(std::string text, Read(schema_path));
    ASSIGN_OR_RETURN(schema, ParseSchema(text, schema_path));
  }
  const cedar::Schema* s = schema ? &*schema : nullptr;
  ASSIGN_OR_RETURN(std::string ptext, Read(policies_path));
  auto policies = cedar::PolicySet::Parse(ptext);
  if (!policies.ok()) return policies.status().Annotate("policies " + policies_path);
  ASSIGN_OR_RETURN(std::string etext, Read(entities_path));
  auto entities = cedar::Entities::FromJson(etext, s);
  if (!entities.ok()) return entities.status().Annotate("entities " + entities_path);
  cedar::Request req;
  ASSIGN_OR_RETURN(req.principal, ParseUid(principal));
  ASSIGN_OR_RETURN(req.action, ParseUid(action));
  ASSIGN_OR_RETURN(req.resource, ParseUid(resource));
  auto ctx = cedar::ParseContextJson(context.empty() ? "{}" : context, s, req.action);
  if (!ctx.ok()) return ctx.status().Annotate("context");
  req.context = std::move(*ctx);
  if (s != nullptr) RETURN_IF_ERROR(cedar::ValidateRequest(req, *s));
  cedar::Response r = cedar::Authorize(*policies, *entities, req, {.strict = strict});
  std::printf("%s\n", DecisionText(r.decision).c_str());
  for (const std::string& id : r.reasons) std::printf("reason: %s\n", id.c_str());
  for (const cedar::PolicyError& e : r.errors) std::printf("error: %s: %s\n", e.policy_id.c_str(), e.message.c_str());
  return Status::Ok();
}

// Test-file paths resolve against the current directory, then the test
// file's directory and its parents.
std::string Resolve(const std::string& rel, const fs::path& test_file) {
  std::error_code ec;
  if (fs::exists(rel, ec)) return rel;
  for (fs::path dir = test_file.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / rel, ec)) return (dir / rel).string();
    if (dir == dir.parent_path()) break;
  }
  return rel;
}

struct Counts {
  int passed = 0;
  int failed = 0;
};

Result<cedar::EntityUid> UidField(const Json& req, const char* key) {
  if (!req.contains(key) || req[key].is_null()) return cedar::EntityUid{};
  const Json& j = req[key];
  if (!j.is_object() || !j.contains("type") || !j.contains("id") || !j["type"].is_string() || !j["id"].is_string()) {
    return InvalidArgumentError(std::string("bad ") + key);
  }
  return cedar::EntityUid{j["type"].get<std::string>(), j["id"].get<std::string>()};
}

std::set<std::string> StringSet(const Json& j) {
  std::set<std::string> out;
  if (j.is_array()) {
    for (const Json& e : j) {
      if (e.is_string()) out.insert(e.get<std::string>());
      else if (e.is_object() && e.contains("policyId")) out.insert(e["policyId"].get<std::string>());
    }
  }
  return out;
}

std::string Join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& x : s) out += (out.empty() ? "" : ",") + x;
  return "[" + out + "]";
}

// Runs one test file; a file whose policies/entities/schema fail to load
// fails all its requests.
void RunTestFile(const fs::path& path, const Json& test, Counts& counts) {
  const Json& requests = test["requests"];
  int n = requests.is_array() ? static_cast<int>(requests.size()) : 0;
  auto fail_all = [&](const Status& st) {
    std::printf("FAIL %s: %s\n", path.string().c_str(), std::string(st.message()).c_str());
    counts.failed += n;
  };
  auto field = [&](const char* key) -> std::string {
    return test.contains(key) && test[key].is_string() ? Resolve(test[key].get<std::string>(), path) : "";
  };
  std::optional<cedar::Schema> schema;
  if (std::string sp = field("schema"); !sp.empty()) {
    auto text = Read(sp);
    if (!text.ok()) return fail_all(text.status());
    auto parsed = ParseSchema(*text, sp);
    if (!parsed.ok()) return fail_all(parsed.status());
    schema = std::move(*parsed);
  }
  const cedar::Schema* s = schema ? &*schema : nullptr;
  auto ptext = Read(field("policies"));
  if (!ptext.ok()) return fail_all(ptext.status());
  auto policies = cedar::PolicySet::Parse(*ptext);
  if (!policies.ok()) return fail_all(policies.status().Annotate("policies"));
  auto etext = Read(field("entities"));
  if (!etext.ok()) return fail_all(etext.status());
  auto entities = cedar::Entities::FromJson(*etext, s);
  if (!entities.ok()) return fail_all(entities.status().Annotate("entities"));
  for (const Json& rj : requests) {
    std::string desc = rj.value("description", "");
    auto fail = [&](const std::string& why) {
      std::printf("FAIL %s: %s: %s\n", path.string().c_str(), desc.c_str(), why.c_str());
      ++counts.failed;
    };
    cedar::Request req;
    auto p = UidField(rj, "principal"), a = UidField(rj, "action"), r = UidField(rj, "resource");
    if (!p.ok() || !a.ok() || !r.ok()) {
      fail("malformed request");
      continue;
    }
    req.principal = *p;
    req.action = *a;
    req.resource = *r;
    auto ctx = cedar::ParseContextJson(rj.contains("context") ? rj["context"].dump() : "{}", s, req.action);
    if (!ctx.ok()) {
      fail(std::string(ctx.status().message()));
      continue;
    }
    req.context = std::move(*ctx);
    if (s != nullptr && rj.value("validateRequest", false)) {
      if (Status st = cedar::ValidateRequest(req, *s); !st.ok()) {
        fail(std::string(st.message()));
        continue;
      }
    }
    cedar::Response resp = cedar::Authorize(*policies, *entities, req);
    std::string want = rj.value("decision", "");
    std::string got = resp.decision == cedar::Decision::kAllow ? "allow" : "deny";
    std::set<std::string> reasons(resp.reasons.begin(), resp.reasons.end()), errors;
    for (const cedar::PolicyError& e : resp.errors) errors.insert(e.policy_id);
    std::set<std::string> want_reasons = StringSet(rj.value("reason", Json::array()));
    std::set<std::string> want_errors = StringSet(rj.value("errors", Json::array()));
    if (got != want || reasons != want_reasons || errors != want_errors) {
      std::string detail;
      for (const cedar::PolicyError& e : resp.errors) detail += " " + e.policy_id + ": " + e.message + ";";
      fail("expected " + want + " " + Join(want_reasons) + " errors " + Join(want_errors) + ", got " + got + " " +
           Join(reasons) + " errors " + Join(errors) + detail);
      continue;
    }
    ++counts.passed;
  }
}

// nlohmann::json throws on fields of an unexpected type: a malformed test
// file counts as one failure instead of ending the run.
void RunTestFileChecked(const fs::path& path, const Json& test, Counts& counts) {
  try {
    RunTestFile(path, test, counts);
  } catch (const nlohmann::json::exception& e) {
    std::printf("FAIL %s: malformed test file: %s\n", path.string().c_str(), e.what());
    ++counts.failed;
  }
}

void RunTestPath(const fs::path& path, Counts& counts) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
      std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && entry.path().extension() == ".json" && !name.ends_with(".entities.json")) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      auto text = Read(f.string());
      if (!text.ok()) continue;
      Json j = Json::parse(*text, nullptr, false);
      if (j.is_object() && j.contains("requests")) RunTestFileChecked(f, j, counts);
    }
    return;
  }
  auto text = Read(path.string());
  Json j = text.ok() ? Json::parse(*text, nullptr, false) : Json();
  if (!j.is_object() || !j.contains("requests")) {
    std::printf("FAIL %s: not a test file\n", path.string().c_str());
    ++counts.failed;
    return;
  }
  RunTestFileChecked(path, j, counts);
}

void Setup(CLI::App& root) {
  auto named = [](const char* name) { return [name](CLI::App* s) { return s->get_name() == name; }; };
  auto existing = root.get_subcommands(named("policy"));
  CLI::App* policy = existing.empty() ? root.add_subcommand("policy", "Cedar policies") : existing[0];
  policy->require_subcommand(1);

  static std::string policies, entities, schema, principal, action, resource, context;
  static bool strict = false;
  auto* authorize = policy->add_subcommand("authorize", "Decide one request; prints ALLOW or DENY, reasons, errors");
  authorize->add_option("--policies", policies, "Cedar policy file")->required();
  authorize->add_option("--entities", entities, "Entities JSON file")->required();
  authorize->add_option("--schema", schema, "Schema (.cedarschema or JSON)");
  authorize->add_option("--principal", principal, "e.g. User::\"alice\"")->required();
  authorize->add_option("--action", action, "e.g. Action::\"view\"")->required();
  authorize->add_option("--resource", resource, "e.g. Photo::\"a.jpg\"")->required();
  authorize->add_option("--context", context, "Context JSON object");
  authorize->add_flag("--strict", strict, "An erroring forbid policy denies (the gateway's mode)");
  authorize->callback([] {
    if (Status st = Authorize(policies, entities, schema, principal, action, resource, context, strict); !st.ok()) {
      Fail(st);
    }
  });

  static std::string format_file;
  auto* format = policy->add_subcommand("format", "Print a policy file in canonical form");
  format->add_option("file", format_file, "Cedar policy file")->required();
  format->callback([] {
    auto text = Read(format_file);
    if (!text.ok()) return Fail(text.status());
    auto set = cedar::PolicySet::Parse(*text);
    if (!set.ok()) return Fail(set.status());
    std::printf("%s", set->ToString().c_str());
  });

  static std::vector<std::string> test_paths;
  auto* run = policy->add_subcommand("run-tests", "Run Cedar integration-test JSON files; counts requests");
  run->add_option("paths", test_paths, "Test files or directories")->required();
  run->callback([] {
    Counts counts;
    for (const std::string& p : test_paths) RunTestPath(p, counts);
    std::printf("%d passed, %d failed\n", counts.passed, counts.failed);
    if (counts.failed > 0) ExitCode() = 1;
  });
}

}  // namespace

DOMICILE_REGISTER_COMMAND(policy, Setup);

}  // namespace domicile::cli
