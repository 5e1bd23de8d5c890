// bench_cedar: authorization latency on three workloads in the shape of the
// Cedar paper's (document sharing, GitHub-like, todo app; 5-50 entities).
// Prints per-workload median and p99 latency and decisions/s on one core for
// the compiled path (policy set parsed once), and side by side the naive
// baseline that parses the policy text for every request.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cedar/cedar.h"

namespace {

using namespace domicile::cedar;
using Clock = std::chrono::steady_clock;

struct Workload {
  const char* name;
  std::string policies;
  Entities entities;
  std::vector<Request> requests;
};

EntityUid U(std::string t, std::string id) { return EntityUid{std::move(t), std::move(id)}; }

Workload DocumentSharing() {
  Workload w{"document-sharing", R"(
permit(principal, action == Action::"view", resource) when { resource.public };
permit(principal, action in [Action::"view", Action::"edit"], resource) when { resource.owner == principal };
permit(principal, action == Action::"view", resource) when { principal in resource.viewers };
permit(principal, action == Action::"edit", resource) when { principal in resource.editors };
forbid(principal, action, resource) when { resource has blocked && resource.blocked.contains(principal) };
forbid(principal, action == Action::"edit", resource) unless { context.authenticated };
)", {}, {}};
  for (int u = 0; u < 10; ++u) {
    w.entities.Add(Entity{U("User", "u" + std::to_string(u)), {}, {}, {U("Group", "g" + std::to_string(u % 3))}});
  }
  for (int g = 0; g < 3; ++g) w.entities.Add(Entity{U("Group", "g" + std::to_string(g)), {}, {}, {}});
  for (int d = 0; d < 20; ++d) {
    ValueRecord a;
    a["public"] = Value(d % 5 == 0);
    a["owner"] = Value(U("User", "u" + std::to_string(d % 10)));
    a["viewers"] = Value(U("Group", "g" + std::to_string(d % 3)));
    a["editors"] = Value(U("Group", "g" + std::to_string((d + 1) % 3)));
    a["blocked"] = Value::Set({Value(U("User", "u" + std::to_string((d + 3) % 10)))});
    w.entities.Add(Entity{U("Document", "d" + std::to_string(d)), a, {}, {}});
  }
  w.entities.Finalize();
  for (int i = 0; i < 200; ++i) {
    Request r{U("User", "u" + std::to_string(i % 10)), U("Action", i % 2 ? "view" : "edit"),
              U("Document", "d" + std::to_string(i % 20))};
    r.context = Value::Record({{"authenticated", Value(i % 3 != 0)}});
    w.requests.push_back(r);
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
)", {}, {}};
  for (int t = 0; t < 4; ++t) w.entities.Add(Entity{U("Team", "t" + std::to_string(t)), {}, {}, {U("Org", "o")}});
  w.entities.Add(Entity{U("Org", "o"), {}, {}, {}});
  for (int u = 0; u < 20; ++u) {
    w.entities.Add(Entity{U("User", "u" + std::to_string(u)), {}, {}, {U("Team", "t" + std::to_string(u % 4))}});
  }
  for (int r = 0; r < 20; ++r) {
    ValueRecord a;
    a["readers"] = Value(U("Org", "o"));
    a["writers"] = Value(U("Team", "t" + std::to_string(r % 4)));
    a["admins"] = Value(U("Team", "t" + std::to_string((r + 1) % 4)));
    a["public"] = Value(r % 4 == 0);
    a["archived"] = Value(r % 7 == 0);
    w.entities.Add(Entity{U("Repo", "r" + std::to_string(r)), a, {}, {}});
  }
  w.entities.Finalize();
  const char* actions[] = {"pull", "push", "admin"};
  for (int i = 0; i < 200; ++i) {
    w.requests.push_back(Request{U("User", "u" + std::to_string(i % 20)), U("Action", actions[i % 3]),
                                 U("Repo", "r" + std::to_string((i * 7) % 20))});
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
)", {}, {}};
  w.entities.Add(Entity{U("Application", "TinyTodo"), {}, {}, {}});
  w.entities.Add(Entity{U("Team", "interns"), {}, {}, {}});
  w.entities.Add(Entity{U("Team", "admins"), {}, {}, {}});
  for (int u = 0; u < 8; ++u) {
    w.entities.Add(Entity{U("User", "u" + std::to_string(u)), {}, {}, {U("Team", u < 3 ? "interns" : "admins")}});
  }
  for (int l = 0; l < 10; ++l) {
    ValueRecord a;
    a["owner"] = Value(U("User", "u" + std::to_string(l % 8)));
    a["readers"] = Value(U("Team", "interns"));
    a["editors"] = Value(U("Team", "admins"));
    w.entities.Add(Entity{U("List", "l" + std::to_string(l)), a, {}, {}});
  }
  w.entities.Finalize();
  const char* actions[] = {"GetList", "UpdateList", "CreateTask", "DeleteList", "CreateList"};
  for (int i = 0; i < 200; ++i) {
    bool app = i % 5 == 4;
    w.requests.push_back(Request{U("User", "u" + std::to_string(i % 8)), U("Action", actions[i % 5]),
                                 app ? U("Application", "TinyTodo") : U("List", "l" + std::to_string(i % 10))});
  }
  return w;
}

struct Stats {
  double median_ns, p99_ns, per_sec;
  int allowed;
};

template <typename Fn>
Stats Measure(const Workload& w, int rounds, Fn decide) {
  std::vector<double> ns;
  ns.reserve(w.requests.size() * rounds);
  int allowed = 0;
  auto start_all = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const Request& req : w.requests) {
      auto t0 = Clock::now();
      bool allow = decide(req);
      auto t1 = Clock::now();
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
      if (r == 0) allowed += allow;
    }
  }
  double total_s = std::chrono::duration<double>(Clock::now() - start_all).count();
  std::sort(ns.begin(), ns.end());
  return Stats{ns[ns.size() / 2], ns[ns.size() * 99 / 100], static_cast<double>(ns.size()) / total_s, allowed};
}

}  // namespace

int main() {
  std::printf("%-17s %8s | %12s %10s %14s | %14s %12s %10s\n", "workload", "entities", "median_ns", "p99_ns",
              "decisions/s", "naive_median", "naive_p99", "speedup");
  for (Workload w : {DocumentSharing(), GitHubLike(), TodoApp()}) {
    auto set = PolicySet::Parse(w.policies);
    if (!set.ok()) {
      std::fprintf(stderr, "%s: %s\n", w.name, set.status().ToString().c_str());
      return 1;
    }
    Stats fast = Measure(w, 2000, [&](const Request& r) {
      return Authorize(*set, w.entities, r).decision == Decision::kAllow;
    });
    Stats naive = Measure(w, 50, [&](const Request& r) {
      auto s = PolicySet::Parse(w.policies);
      return Authorize(*s, w.entities, r).decision == Decision::kAllow;
    });
    if (fast.allowed != naive.allowed) {
      std::fprintf(stderr, "%s: decisions differ\n", w.name);
      return 1;
    }
    std::printf("%-17s %8zu | %12.0f %10.0f %14.0f | %14.0f %12.0f %9.1fx   (%d/%zu allowed)\n", w.name,
                w.entities.size(), fast.median_ns, fast.p99_ns, fast.per_sec, naive.median_ns, naive.p99_ns,
                naive.median_ns / fast.median_ns, fast.allowed, w.requests.size());
  }
  return 0;
}
