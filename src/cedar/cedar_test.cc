#include "cedar/cedar.h"

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace domicile::cedar {
namespace {

EntityUid Uid(std::string type, std::string id) { return EntityUid{std::move(type), std::move(id)}; }

class CedarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Entities::FromJson(R"([
      {"uid": {"type": "User", "id": "alice"}, "parents": [{"type": "Group", "id": "staff"}],
       "attrs": {"age": 30, "ip": {"__extn": {"fn": "ip", "arg": "10.1.2.3"}}, "big": 9223372036854775807},
       "tags": {"home": "EU"}},
      {"uid": {"type": "Group", "id": "staff"}, "parents": [{"type": "Group", "id": "all"}]},
      {"uid": {"type": "Group", "id": "all"}}
    ])");
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    entities_ = std::move(*e);
    request_.principal = Uid("User", "alice");
    request_.action = Uid("Action", "view");
    request_.resource = Uid("Doc", "d");
  }

  Result<Value> Eval(const std::string& expr) {
    auto set = PolicySet::Parse("permit(principal, action, resource) when { " + expr + " };");
    if (!set.ok()) return set.status();
    return Evaluate(set->policies()[0].conditions[0].expr, entities_, request_);
  }

  Response Decide(const std::string& policies, bool strict = false) {
    auto set = PolicySet::Parse(policies);
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    return Authorize(*set, entities_, request_, {.strict = strict});
  }

  Entities entities_;
  Request request_;
};

TEST_F(CedarTest, Expressions) {
  const char* kTrue[] = {
      "principal in Group::\"all\"",
      "principal in [Group::\"x\", Group::\"staff\"]",
      "!(Group::\"all\" in principal)",
      "principal.age + 1 == 31",
      "principal has age && !(principal has name)",
      "\"a*b\" like \"a\\*b\" && \"abcab\" like \"a*b\" && !(\"abc\" like \"a*b\")",
      "[1, 2, 2] == [2, 1] && [1, 2].containsAll([2]) && [1].containsAny([3, 1])",
      "{a: 1, b: [true]} == {b: [true], a: 1}",
      "principal is User && !(principal is Group) && principal is User in Group::\"all\"",
      "principal.hasTag(\"home\") && principal.getTag(\"home\") == \"EU\"",
      "principal.ip.isInRange(ip(\"10.0.0.0/8\")) && !ip(\"10.0.0.1\").isLoopback()",
      "decimal(\"1.5\").lessThan(decimal(\"1.5001\")) && decimal(\"-0.1\") == decimal(\"-0.1000\")",
  };
  for (const char* e : kTrue) {
    auto v = Eval(e);
    ASSERT_TRUE(v.ok()) << e << ": " << v.status().ToString();
    EXPECT_EQ(v->ToString(), "true") << e;
  }
  EXPECT_EQ(Eval("datetime(\"2024-10-15T11:35:00+0100\").durationSince(datetime(\"2024-10-15\")).toMinutes()")
                ->AsLong(), 635);
  EXPECT_EQ(Eval("duration(\"1d2h3m4s5ms\").toMilliseconds()")->AsLong(), 93784005);
  EXPECT_EQ(Eval("-9223372036854775808 < 0")->AsBool(), true);
  EXPECT_EQ(Eval("if 1 < 2 then \"x\" else 3")->AsString(), "x");
}

TEST_F(CedarTest, EvaluationErrors) {
  const char* kErrors[] = {
      "principal.big + 1 > 0",           // overflow
      "-(-9223372036854775807 - 1) > 0",  // negation overflow
      "principal.name == \"x\"",         // missing attribute
      "User::\"bob\".age > 1",           // missing entity
      "1 && true",                       // type error
      "principal.getTag(\"nope\") == 1",  // missing tag
      "ip(\"1.2.3\").isIpv4()",          // bad extension argument
      "ip(\"::ffff:1.2.3.4\").isIpv6()",  // embedded IPv4 rejected, as Cedar
      "decimal(\"1.23456\").lessThan(decimal(\"1.0\"))",
      "1 in Group::\"all\"",
  };
  for (const char* e : kErrors) EXPECT_FALSE(Eval(e).ok()) << e;
  EXPECT_EQ(Eval("false && (1 + \"a\" == 2)")->AsBool(), false);  // short circuit
}

TEST_F(CedarTest, ParseErrors) {
  const char* kBad[] = {
      "permit(principal, action, resource)",  // missing ;
      "permit(principal, action) ;",
      "allow(principal, action, resource);",
      "permit(principal == ?principal, action, resource);",
      "permit(principal, action, resource) when { 9223372036854775808 > 1 };",
      "permit(principal, action, resource) when { 1 < 2 < 3 };",
      "permit(principal, action, resource) when { foo(1) };",
      "permit(principal, action, resource) when { \"\\q\" };",
      "permit(principal, action, resource) when { \"unterminated };",
      "@a(\"1\") @a(\"2\") permit(principal, action, resource);",
      "permit(principal, action, resource) when { {a: 1, a: 2} };",
  };
  for (const char* p : kBad) EXPECT_FALSE(PolicySet::Parse(p).ok()) << p;
}

TEST_F(CedarTest, NestingLimit) {
  for (const char* open : {"(", "[", "!(", "-(", "{a: ", "if "}) {
    std::string deep = "permit(principal, action, resource) when { ";
    for (int i = 0; i < 100000; ++i) deep += open;
    auto set = PolicySet::Parse(deep);
    ASSERT_FALSE(set.ok());
    EXPECT_NE(set.status().message().find("too deep"), std::string::npos) << set.status().ToString();
  }
  std::string chain = "permit(principal, action, resource) when { 1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  EXPECT_FALSE(PolicySet::Parse(chain + " > 0 };").ok());
  std::string json = "[{\"uid\": {\"type\": \"A\", \"id\": \"a\"}, \"attrs\": {\"x\": ";
  for (int i = 0; i < 1000; ++i) json += "[";
  EXPECT_FALSE(Entities::FromJson(json + std::string(1000, ']') + "}}]").ok());
}

TEST_F(CedarTest, AuthorizerSemantics) {
  const std::string permit = "permit(principal in Group::\"staff\", action == Action::\"view\", resource);\n";
  Response r = Decide(permit);
  EXPECT_EQ(r.decision, Decision::kAllow);
  EXPECT_EQ(r.reasons, std::vector<std::string>{"policy0"});

  r = Decide(permit + "forbid(principal, action, resource is Doc) unless { principal.age > 40 };");
  EXPECT_EQ(r.decision, Decision::kDeny);
  EXPECT_EQ(r.reasons, std::vector<std::string>{"policy1"});

  // An erroring forbid is skipped under Cedar semantics and denies in strict mode.
  const std::string erroring = permit + "forbid(principal, action, resource) when { principal.missing };";
  r = Decide(erroring);
  EXPECT_EQ(r.decision, Decision::kAllow);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].policy_id, "policy1");
  EXPECT_NE(r.errors[0].message.find("missing"), std::string::npos);
  r = Decide(erroring, /*strict=*/true);
  EXPECT_EQ(r.decision, Decision::kDeny);
  EXPECT_TRUE(r.reasons.empty());

  EXPECT_EQ(Decide("").decision, Decision::kDeny);  // default deny
}

TEST_F(CedarTest, ContextWithSchemaAndConcurrency) {
  auto schema = Schema::FromCedarSchema(R"(
    entity User; entity Doc;
    action view appliesTo { principal: User, resource: Doc, context: { src: ipaddr, owner: User } };
  )");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  auto ctx = ParseContextJson(R"({"src": "10.0.0.1", "owner": {"type": "User", "id": "alice"}})", &*schema,
                              request_.action);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  request_.context = *ctx;
  EXPECT_TRUE(ValidateRequest(request_, *schema).ok());
  Request wrong = request_;
  wrong.resource = Uid("User", "x");
  EXPECT_FALSE(ValidateRequest(wrong, *schema).ok());

  auto set = PolicySet::Parse(
      "permit(principal, action, resource) when { context.src.isInRange(ip(\"10.0.0.0/24\")) && "
      "context.owner == principal };");
  ASSERT_TRUE(set.ok());
  std::vector<std::thread> threads;
  std::vector<int> allowed(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) allowed[t] += Authorize(*set, entities_, request_).decision == Decision::kAllow;
    });
  }
  for (auto& th : threads) th.join();
  for (int a : allowed) EXPECT_EQ(a, 500);
}

TEST_F(CedarTest, ComputedValuesBeyondTheInlineArena) {
  // 40 additions and a set/record per step: more computed values than the
  // evaluator keeps in place, so the overflow path holds the rest.
  std::string sum = "0";
  for (int i = 1; i <= 40; ++i) sum = "(" + sum + " + " + std::to_string(i) + ")";
  auto v = Eval(sum + " == 820 && [[1], [2, principal.age + 1]].contains([2, 31]) && {a: {b: 1}}.a.b == 1");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->AsBool());
}

// The action index must select exactly the policies whose action scope holds
// (`==`, `in` over the action hierarchy, `in [...]`, unconstrained), report
// each at most once and in textual order. Checked against a direct reading of
// the scopes for every action, with enough policies to need several words.
TEST(CedarIndexTest, ActionIndexMatchesTheScopes) {
  auto entities = Entities::FromJson(R"([
    {"uid": {"type": "Action", "id": "a0"}, "parents": [{"type": "Action", "id": "g0"}]},
    {"uid": {"type": "Action", "id": "a1"}, "parents": [{"type": "Action", "id": "g0"}, {"type": "Action", "id": "g1"}]},
    {"uid": {"type": "Action", "id": "a2"}, "parents": [{"type": "Action", "id": "g1"}]},
    {"uid": {"type": "Action", "id": "g0"}, "parents": [{"type": "Action", "id": "g2"}]},
    {"uid": {"type": "Action", "id": "g1"}},
    {"uid": {"type": "Action", "id": "g2"}}
  ])");
  ASSERT_TRUE(entities.ok()) << entities.status().ToString();
  const std::vector<std::string> ids = {"a0", "a1", "a2", "a3", "g0", "g1", "g2"};  // a3 is not in the store
  auto action = [&](std::size_t i) { return "Action::\"" + ids[i % ids.size()] + "\""; };
  std::string text;
  std::vector<std::vector<std::string>> targets;  // per policy; empty: any action
  for (std::size_t i = 0; i < 150; ++i) {
    std::string scope;
    switch (i % 4) {
      case 0: scope = "action"; targets.push_back({}); break;
      case 1: scope = "action == " + action(i * 7); targets.push_back({ids[i * 7 % ids.size()]}); break;
      case 2: scope = "action in " + action(i * 5); targets.push_back({ids[i * 5 % ids.size()]}); break;
      default:
        scope = "action in [" + action(i) + ", " + action(i + 3) + ", " + action(i) + "]";
        targets.push_back({ids[i % ids.size()], ids[(i + 3) % ids.size()]});
    }
    text += "permit(principal, " + scope + ", resource);\n";
  }
  auto set = PolicySet::Parse(text);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  for (const std::string& id : ids) {
    Request r{Uid("User", "u"), Uid("Action", id), Uid("Doc", "d")};
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      bool holds = targets[i].empty();
      for (const std::string& t : targets[i]) {
        holds = holds || t == id || entities->IsAncestor(r.action, Uid("Action", t));
      }
      if (holds) expected.push_back("policy" + std::to_string(i));
    }
    Response out = Authorize(*set, *entities, r);
    EXPECT_EQ(out.reasons, expected) << id;
  }
}

// Principal and resource scopes through the index: `==`, `in` (over the
// hierarchy), `is`, `is ... in` and unconstrained, mixed at random, for every
// principal/resource pair, against a direct reading of the scopes.
TEST(CedarIndexTest, PrincipalAndResourceIndexMatchTheScopes) {
  auto entities = Entities::FromJson(R"([
    {"uid": {"type": "User", "id": "a"}, "parents": [{"type": "Group", "id": "g0"}]},
    {"uid": {"type": "User", "id": "b"}, "parents": [{"type": "Group", "id": "g1"}]},
    {"uid": {"type": "Group", "id": "g0"}, "parents": [{"type": "Group", "id": "all"}]},
    {"uid": {"type": "Group", "id": "g1"}, "parents": [{"type": "Group", "id": "all"}]},
    {"uid": {"type": "Group", "id": "all"}},
    {"uid": {"type": "Doc", "id": "d0"}, "parents": [{"type": "Folder", "id": "f"}]},
    {"uid": {"type": "Folder", "id": "f"}}
  ])");
  ASSERT_TRUE(entities.ok()) << entities.status().ToString();
  const std::vector<EntityUid> uids = {Uid("User", "a"),    Uid("User", "b"),   Uid("User", "ghost"),
                                       Uid("Group", "g0"),  Uid("Group", "all"), Uid("Doc", "d0"),
                                       Uid("Folder", "f"),  Uid("Doc", "d1")};
  struct Scope {
    int kind;  // 0 any, 1 ==, 2 in, 3 is, 4 is-in
    EntityUid target;
    std::string type;
  };
  auto holds = [&](const Scope& s, const EntityUid& u) {
    bool in = u == s.target || entities->IsAncestor(u, s.target);
    switch (s.kind) {
      case 1: return u == s.target;
      case 2: return in;
      case 3: return u.type == s.type;
      case 4: return u.type == s.type && in;
      default: return true;
    }
  };
  auto text = [](const char* var, const Scope& s) {
    switch (s.kind) {
      case 1: return std::string(var) + " == " + s.target.ToString();
      case 2: return std::string(var) + " in " + s.target.ToString();
      case 3: return std::string(var) + " is " + s.type;
      case 4: return std::string(var) + " is " + s.type + " in " + s.target.ToString();
      default: return std::string(var);
    }
  };
  std::uint64_t seed = 42;
  auto next = [&](std::uint64_t bound) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % bound;
  };
  const char* types[] = {"User", "Group", "Doc", "Folder"};
  auto random_scope = [&] {
    Scope s{static_cast<int>(next(5)), uids[next(uids.size())], types[next(4)]};
    return s;
  };
  std::vector<std::pair<Scope, Scope>> scopes;
  std::string policies;
  for (int i = 0; i < 300; ++i) {
    scopes.emplace_back(random_scope(), random_scope());
    policies += "permit(" + text("principal", scopes.back().first) + ", action, " +
                text("resource", scopes.back().second) + ");\n";
  }
  auto set = PolicySet::Parse(policies);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  for (const EntityUid& p : uids) {
    for (const EntityUid& r : uids) {
      std::vector<std::string> expected;
      for (std::size_t i = 0; i < scopes.size(); ++i) {
        if (holds(scopes[i].first, p) && holds(scopes[i].second, r)) expected.push_back("policy" + std::to_string(i));
      }
      Response out = Authorize(*set, *entities, Request{p, Uid("Action", "x"), r});
      EXPECT_EQ(out.reasons, expected) << p.ToString() << " " << r.ToString();
    }
  }
}

TEST(CedarIndexTest, ManyPoliciesAndErrorsOnlyFromCandidates) {
  // More than the index keeps without allocation (1024); the erroring policy
  // for another action is never evaluated, so it reports no error.
  std::string text = "forbid(principal, action == Action::\"other\", resource) when { 1 + \"a\" == 2 };\n";
  for (int i = 0; i < 1100; ++i) {
    text += "permit(principal, action == Action::\"a" + std::to_string(i % 10) + "\", resource) when { " +
            (i % 3 == 0 ? "true" : "false") + " };\n";
  }
  auto set = PolicySet::Parse(text);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  Entities none;
  Response out = Authorize(*set, none, Request{Uid("User", "u"), Uid("Action", "a3"), Uid("Doc", "d")});
  EXPECT_EQ(out.decision, Decision::kAllow);
  EXPECT_TRUE(out.errors.empty());
  std::vector<std::string> expected;
  for (int i = 3; i < 1100; i += 30) expected.push_back("policy" + std::to_string(i + 1));
  EXPECT_EQ(out.reasons, expected);
  Response other = Authorize(*set, none, Request{Uid("User", "u"), Uid("Action", "other"), Uid("Doc", "d")});
  EXPECT_EQ(other.decision, Decision::kDeny);
  ASSERT_EQ(other.errors.size(), 1u);
  EXPECT_EQ(other.errors[0].policy_id, "policy0");
}

TEST(CedarEntitiesTest, DuplicateUidsAreRejected) {
  auto e = Entities::FromJson(R"([{"uid": {"type": "User", "id": "a"}},
                                  {"uid": {"type": "User", "id": "b"}},
                                  {"uid": {"__entity": {"type": "User", "id": "a"}}, "attrs": {"x": 1}}])");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("duplicate entity User::\"a\""), std::string::npos) << e.status().ToString();
}

// Entity data is checked against the schema as Cedar does; each bad entity
// gets an error naming it and what is wrong.
TEST(CedarEntitiesTest, EntityDataConformsToTheSchema) {
  auto schema = Schema::FromCedarSchema(R"(
    entity Team;
    entity User in [Team] { age: Long, email?: String, addr?: { city: String } } tags String;
    entity Color enum ["red", "blue"];
    entity Doc { color: Color };
    action view appliesTo { principal: User, resource: Doc };
  )");
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  auto good = Entities::FromJson(R"([
    {"uid": {"type": "Team", "id": "t"}},
    {"uid": {"type": "User", "id": "a"}, "attrs": {"age": 3, "addr": {"city": "Oslo"}},
     "parents": [{"type": "Team", "id": "t"}], "tags": {"home": "EU"}},
    {"uid": {"type": "Doc", "id": "d"}, "attrs": {"color": {"type": "Color", "id": "red"}}},
    {"uid": {"type": "Action", "id": "view"}}
  ])", &*schema);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->size(), 4u);

  const std::pair<const char*, const char*> kBad[] = {
      {R"({"uid": {"type": "User", "id": "a"}})", "required attribute `age` is missing"},
      {R"({"uid": {"type": "User", "id": "a"}, "attrs": {"age": "3"}})", "`age`: expected Long, got string"},
      {R"({"uid": {"type": "User", "id": "a"}, "attrs": {"age": 3, "nick": "x"}})", "`nick` is not declared"},
      {R"({"uid": {"type": "User", "id": "a"}, "attrs": {"age": 3, "addr": {"city": "x", "zip": 1}}})",
       "`addr.zip` is not declared"},
      {R"({"uid": {"type": "User", "id": "a"}, "attrs": {"age": 3}, "parents": [{"type": "Doc", "id": "d"}]})",
       "parent Doc::\"d\" is not of a parent type of User"},
      {R"({"uid": {"type": "User", "id": "a"}, "attrs": {"age": 3}, "tags": {"t": 1}})", "`tag t`: expected String"},
      {R"({"uid": {"type": "Team", "id": "t"}, "tags": {"t": "x"}})", "entity type Team has no tags"},
      {R"({"uid": {"type": "Robot", "id": "r"}})", "entity type Robot is not declared"},
      {R"({"uid": {"type": "Action", "id": "edit"}})", "action Action::\"edit\" is not declared"},
      {R"({"uid": {"type": "Color", "id": "green"}})", "Color::\"green\" is not one of the enumerated ids"},
      {R"({"uid": {"type": "Doc", "id": "d"}, "attrs": {"color": {"type": "Color", "id": "green"}}})",
       "Color::\"green\" is not one of the enumerated ids"},
  };
  for (const auto& [entity, error] : kBad) {
    auto e = Entities::FromJson(std::string("[") + entity + "]", &*schema);
    ASSERT_FALSE(e.ok()) << entity;
    EXPECT_NE(e.status().message().find(error), std::string::npos) << entity << "\n" << e.status().ToString();
  }
}

TEST_F(CedarTest, FormatRoundTrips) {
  const char* text =
      "@id(\"p\") forbid(principal is User in Group::\"all\", action in [Action::\"a\", Action::\"b\"], resource)"
      " when { if principal has age then -principal.age < -(1 * 2) else context.x like \"a*\\*\" }"
      " unless { [1, {k: ip(\"::1\")}].contains(principal.getTag(\"t\")) };";
  auto set = PolicySet::Parse(text);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  std::string once = set->ToString();
  auto again = PolicySet::Parse(once);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << once;
  EXPECT_EQ(again->ToString(), once);
}

}  // namespace
}  // namespace domicile::cedar
