// bench_cedar: authorization latency on three workloads in the shape of the
// Cedar paper's (document sharing, GitHub-like, todo app; 5-50 entities), and
// a fourth with 1,000 policies.
// Prints per-workload median and p99 latency and decisions/s on one core for
// the compiled path (policy set parsed and entities loaded once), and side by
// side two baselines measured in the same run: parsing the policy text per
// request, and parsing the entities JSON per request (what a caller of
// cedar-wasm does on every call).
//
//   bench_cedar [--rounds N] [--export DIR]
//
// --export writes each workload as DIR/<name>/{policies.cedar, entities.json,
// requests.json, cpp.json} (requests with the decision, reasons and errors
// reached here; cpp.json the figures above) for bench/cedar-wasm/bench.mjs,
// which runs the official Cedar build on the same input and prints the ratio
// (bench/cedar_side_by_side.sh runs both).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cedar/cedar.h"

namespace {

using namespace domicile::cedar;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// One workload as data: the same policy text, entities JSON and requests are
// given to this implementation and (exported) to cedar-wasm.
struct Workload {
  const char* name;
  std::string policies;
  int slow_rounds_per_2000 = 50;  // rounds of the per-request parsing baselines
  Json entities = Json::array();
  Json requests = Json::array();  // {principal, action, resource, context}
};

Json Uid(const std::string& type, const std::string& id) { return {{"type", type}, {"id", id}}; }
Json Ref(const std::string& type, const std::string& id) { return {{"__entity", Uid(type, id)}}; }
std::string N(const char* prefix, int i) { return prefix + std::to_string(i); }

void AddEntity(Workload& w, Json uid, Json attrs, Json parents) {
  w.entities.push_back({{"uid", std::move(uid)}, {"attrs", std::move(attrs)}, {"parents", std::move(parents)}});
}

void AddRequest(Workload& w, Json principal, const std::string& action, Json resource,
                Json context = Json::object()) {
  w.requests.push_back({{"principal", std::move(principal)},
                        {"action", Uid("Action", action)},
                        {"resource", std::move(resource)},
                        {"context", std::move(context)}});
}

Workload DocumentSharing() {
  Workload w{"document-sharing", R"(
permit(principal, action == Action::"view", resource) when { resource.public };
permit(principal, action in [Action::"view", Action::"edit"], resource) when { resource.owner == principal };
permit(principal, action == Action::"view", resource) when { principal in resource.viewers };
permit(principal, action == Action::"edit", resource) when { principal in resource.editors };
forbid(principal, action, resource) when { resource has blocked && resource.blocked.contains(principal) };
forbid(principal, action == Action::"edit", resource) unless { context.authenticated };
)"};
  for (int u = 0; u < 10; ++u) AddEntity(w, Uid("User", N("u", u)), Json::object(), {Uid("Group", N("g", u % 3))});
  for (int g = 0; g < 3; ++g) AddEntity(w, Uid("Group", N("g", g)), Json::object(), Json::array());
  for (int d = 0; d < 20; ++d) {
    AddEntity(w, Uid("Document", N("d", d)),
              {{"public", d % 5 == 0},
               {"owner", Ref("User", N("u", d % 10))},
               {"viewers", Ref("Group", N("g", d % 3))},
               {"editors", Ref("Group", N("g", (d + 1) % 3))},
               {"blocked", Json::array({Ref("User", N("u", (d + 3) % 10))})}},
              Json::array());
  }
  for (int i = 0; i < 200; ++i) {
    AddRequest(w, Uid("User", N("u", i % 10)), i % 2 ? "view" : "edit", Uid("Document", N("d", i % 20)),
               {{"authenticated", i % 3 != 0}});
  }
  return w;
}

Workload GitHubLike() {
  Workload w{"github-like", R"(
permit(principal, action == Action::"pull", resource) when { principal in resource.readers };
permit(principal, action == Action::"push", resource) when { principal in resource.writers };
permit(principal, action in [Action::"pull", Action::"push", Action::"admin"], resource) when { principal in resource.admins };
permit(principal, action == Action::"pull", resource) when { resource.public };
forbid(principal, action == Action::"push", resource) when { resource.archived };
)"};
  for (int t = 0; t < 4; ++t) AddEntity(w, Uid("Team", N("t", t)), Json::object(), {Uid("Org", "o")});
  AddEntity(w, Uid("Org", "o"), Json::object(), Json::array());
  for (int u = 0; u < 20; ++u) AddEntity(w, Uid("User", N("u", u)), Json::object(), {Uid("Team", N("t", u % 4))});
  for (int r = 0; r < 20; ++r) {
    AddEntity(w, Uid("Repo", N("r", r)),
              {{"readers", Ref("Org", "o")},
               {"writers", Ref("Team", N("t", r % 4))},
               {"admins", Ref("Team", N("t", (r + 1) % 4))},
               {"public", r % 4 == 0},
               {"archived", r % 7 == 0}},
              Json::array());
  }
  const char* actions[] = {"pull", "push", "admin"};
  for (int i = 0; i < 200; ++i) {
    AddRequest(w, Uid("User", N("u", i % 20)), actions[i % 3], Uid("Repo", N("r", (i * 7) % 20)));
  }
  return w;
}

Workload TodoApp() {
  Workload w{"todo-app", R"(
permit(principal, action == Action::"CreateList", resource == Application::"TinyTodo");
permit(principal, action == Action::"GetList", resource) when { resource.owner == principal || principal in resource.readers || principal in resource.editors };
permit(principal, action in [Action::"UpdateList", Action::"CreateTask"], resource) when { resource.owner == principal || principal in resource.editors };
permit(principal, action == Action::"DeleteList", resource) when { resource.owner == principal };
forbid(principal in Team::"interns", action == Action::"DeleteList", resource);
)"};
  AddEntity(w, Uid("Application", "TinyTodo"), Json::object(), Json::array());
  AddEntity(w, Uid("Team", "interns"), Json::object(), Json::array());
  AddEntity(w, Uid("Team", "admins"), Json::object(), Json::array());
  for (int u = 0; u < 8; ++u) {
    AddEntity(w, Uid("User", N("u", u)), Json::object(), {Uid("Team", u < 3 ? "interns" : "admins")});
  }
  for (int l = 0; l < 10; ++l) {
    AddEntity(w, Uid("List", N("l", l)),
              {{"owner", Ref("User", N("u", l % 8))}, {"readers", Ref("Team", "interns")}, {"editors", Ref("Team", "admins")}},
              Json::array());
  }
  const char* actions[] = {"GetList", "UpdateList", "CreateTask", "DeleteList", "CreateList"};
  for (int i = 0; i < 200; ++i) {
    bool app = i % 5 == 4;
    AddRequest(w, Uid("User", N("u", i % 8)), actions[i % 5],
               app ? Uid("Application", "TinyTodo") : Uid("List", N("l", i % 10)));
  }
  return w;
}

// Not one of the paper's: 1,000 per-user grants (the shape template-linked
// policies take) and one group forbid, so the scope index, not evaluation,
// decides the cost; 100 users in 5 groups.
Workload PerUserGrants() {
  Workload w{"per-user-grants", "forbid(principal in Group::\"suspended\", action, resource);\n", 1};
  for (int i = 0; i < 1000; ++i) {
    w.policies += "permit(principal == User::\"" + N("u", i % 100) + "\", action == Action::\"view\", resource == Doc::\"" +
                  N("d", i) + "\");\n";
  }
  for (int g = 0; g < 4; ++g) AddEntity(w, Uid("Group", N("g", g)), Json::object(), Json::array());
  AddEntity(w, Uid("Group", "suspended"), Json::object(), Json::array());
  for (int u = 0; u < 100; ++u) {
    Json parents = {Uid("Group", N("g", u % 4))};
    if (u % 10 == 7) parents.push_back(Uid("Group", "suspended"));
    AddEntity(w, Uid("User", N("u", u)), Json::object(), parents);
  }
  for (int i = 0; i < 200; ++i) {
    // Every other request asks for a document granted to that user.
    int u = (i * 37) % 100;
    int d = i % 2 ? u + 100 * (i % 10) : (u + 1 + 100 * (i % 10)) % 1000;
    AddRequest(w, Uid("User", N("u", u)), "view", Uid("Doc", N("d", d)));
  }
  return w;
}

struct Stats {
  double median_ns, p99_ns, per_sec;
  double cpu_ns;  // process CPU time per decision (robust to a busy machine)
};

// Times every decision individually (clock overhead included) over `rounds`
// passes through the requests.
template <typename Fn>
Stats Measure(const std::vector<Request>& requests, int rounds, Fn decide) {
  std::vector<double> ns;
  ns.reserve(requests.size() * rounds);
  int allowed = 0;
  std::clock_t cpu_start = std::clock();
  auto start_all = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const Request& req : requests) {
      auto t0 = Clock::now();
      allowed += decide(req);
      auto t1 = Clock::now();
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
  }
  double total_s = std::chrono::duration<double>(Clock::now() - start_all).count();
  double cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::sort(ns.begin(), ns.end());
  if (allowed < 0) std::abort();  // keeps the decisions observable
  return Stats{ns[ns.size() / 2], ns[ns.size() * 99 / 100], static_cast<double>(ns.size()) / total_s,
               cpu_s * 1e9 / static_cast<double>(ns.size())};
}

EntityUid ToUid(const Json& j) { return EntityUid{j["type"].get<std::string>(), j["id"].get<std::string>()}; }

bool WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 2000;
  std::string export_dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--export" && i + 1 < argc) {
      export_dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: bench_cedar [--rounds N] [--export DIR]\n");
      return 2;
    }
  }
  std::printf("%-17s %8s | %10s %8s %12s %8s | %12s %12s | %13s %12s\n", "workload", "entities", "median_ns",
              "p99_ns", "decisions/s", "cpu_ns", "parse_policy", "speedup", "parse_entity", "speedup");
  std::printf("%-17s %8s | %10s %8s %12s %8s | %12s %12s | %13s %12s\n", "", "", "", "", "", "", "median_ns", "",
              "median_ns", "");
  for (const Workload& w : {DocumentSharing(), GitHubLike(), TodoApp(), PerUserGrants()}) {
    auto set = PolicySet::Parse(w.policies);
    std::string entities_json = w.entities.dump();
    auto entities = Entities::FromJson(entities_json);
    if (!set.ok() || !entities.ok()) {
      std::fprintf(stderr, "%s: %s %s\n", w.name, set.status().ToString().c_str(),
                   entities.status().ToString().c_str());
      return 1;
    }
    std::vector<Request> requests;
    for (const Json& r : w.requests) {
      Request req{ToUid(r["principal"]), ToUid(r["action"]), ToUid(r["resource"])};
      auto ctx = ParseContextJson(r["context"].dump(), nullptr, req.action);
      if (!ctx.ok()) return 1;
      req.context = *ctx;
      requests.push_back(std::move(req));
    }
    auto allow = [](const Response& r) { return r.decision == Decision::kAllow; };
    Stats fast = Measure(requests, rounds, [&](const Request& r) { return allow(Authorize(*set, *entities, r)); });
    int slow_rounds = std::max(1, w.slow_rounds_per_2000 * rounds / 2000);
    Stats parse_policies = Measure(requests, slow_rounds, [&](const Request& r) {
      return allow(Authorize(*PolicySet::Parse(w.policies), *entities, r));
    });
    Stats parse_entities = Measure(requests, slow_rounds, [&](const Request& r) {
      return allow(Authorize(*set, *Entities::FromJson(entities_json), r));
    });

    Json decided = w.requests;
    int allowed = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      Response out = Authorize(*set, *entities, requests[i]);
      allowed += allow(out);
      std::vector<std::string> errors;
      for (const PolicyError& e : out.errors) errors.push_back(e.policy_id);
      decided[i]["decision"] = allow(out) ? "allow" : "deny";
      decided[i]["reasons"] = out.reasons;
      decided[i]["errors"] = errors;
    }
    std::printf("%-17s %8zu | %10.0f %8.0f %12.0f %8.0f | %12.0f %11.1fx | %13.0f %11.1fx   (%d/%zu allowed)\n",
                w.name, entities->size(), fast.median_ns, fast.p99_ns, fast.per_sec, fast.cpu_ns, parse_policies.median_ns,
                parse_policies.median_ns / fast.median_ns, parse_entities.median_ns,
                parse_entities.median_ns / fast.median_ns, allowed, requests.size());
    std::fflush(stdout);

    if (!export_dir.empty()) {
      std::filesystem::path dir = std::filesystem::path(export_dir) / w.name;
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      Json figures = {{"median_ns", fast.median_ns},
                      {"p99_ns", fast.p99_ns},
                      {"per_sec", fast.per_sec},
                      {"cpu_ns", fast.cpu_ns},
                      {"entities_per_request_median_ns", parse_entities.median_ns}};
      if (ec || !WriteFile(dir / "policies.cedar", w.policies) || !WriteFile(dir / "entities.json", entities_json) ||
          !WriteFile(dir / "requests.json", decided.dump(1)) || !WriteFile(dir / "cpp.json", figures.dump())) {
        std::fprintf(stderr, "cannot write %s\n", dir.c_str());
        return 1;
      }
    }
  }
  return 0;
}
