// ValidatePolicyText end to end: policy text, a schema, messages.
#include "cedar/validator.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace domicile::cedar {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kSchema = R"(
  namespace App {
    entity Team;
    entity User in [Team] { name: String, level: Long, email?: String };
    entity Doc { owner: User, public: Bool, tags: Set<String> };
    action view, edit appliesTo { principal: User, resource: Doc, context: { ip: ipaddr } };
  }
)";

Schema TestSchema() {
  auto s = Schema::FromCedarSchema(kSchema);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *std::move(s);
}

ValidationResult Validate(std::string_view policies) {
  auto r = ValidatePolicyText(policies, TestSchema());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *std::move(r) : ValidationResult{};
}

std::string ParseError(std::string_view policies) {
  auto r = ValidatePolicyText(policies, TestSchema());
  EXPECT_FALSE(r.ok()) << policies;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ValidatorTest, ValidPoliciesPass) {
  ValidationResult r = Validate(R"(
    // owners may edit; anyone may view public documents
    @id("owner-edit")
    permit (principal is App::User, action == App::Action::"edit", resource is App::Doc)
    when { resource.owner == principal && principal.level >= 3 };
    permit (principal, action in [App::Action::"view"], resource)
    when { resource.public || resource.tags.contains("shared") }
    unless { context.ip.isLoopback() || !(principal in App::Team::"banned") };
    forbid (principal, action, resource)
    when { principal has email && principal.email like "*@evil.example" && -1 < principal.level * 2 };
  )");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(r.errors.size()) << " "
                      << (r.errors.empty() ? "" : r.errors[0].ToString());
}

TEST(ValidatorTest, ErrorsNamePolicyAndExpression) {
  ValidationResult r = Validate(R"(
    permit (principal, action, resource);
    permit (principal, action, resource) when { principal.nmae == "x" };
    forbid (principal, action, resource) when { resource.owner.email == "x" };
    permit (principal == App::Usr::"a", action, resource);
  )");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0].policy_id, "policy1");
  EXPECT_THAT(r.errors[0].message, HasSubstr("attribute `nmae` not found on App::User, in `principal[\"nmae\"]`"));
  EXPECT_EQ(r.errors[1].policy_id, "policy2");
  EXPECT_THAT(r.errors[1].ToString(),
              HasSubstr("policy2: optional attribute `email` is read without a `has` check, in "
                        "`resource[\"owner\"][\"email\"]`"));
  EXPECT_EQ(r.errors[2].policy_id, "policy3");
  EXPECT_THAT(r.errors[2].message, HasSubstr("unrecognized entity type `App::Usr`"));
}

TEST(ValidatorTest, OperatorsAreDesugaredLikeTheSpec) {
  // `>` is `<` with swapped operands; the error still shows the operand.
  EXPECT_THAT(Validate(R"(permit(principal, action, resource) when { principal.name > 1 };)").errors.at(0).message,
              HasSubstr("has type String"));
  EXPECT_THAT(Validate(R"(permit(principal, action, resource) when { principal.level != "1" };)").errors.at(0).message,
              HasSubstr("incompatible types Long and String"));
  EXPECT_TRUE(Validate(R"(permit(principal, action, resource) when { -9223372036854775808 < principal.level };)").ok());
  EXPECT_THAT(Validate(R"(permit(principal, action, resource) when { context.ip };)").errors.at(0).message,
              HasSubstr("expected Bool"));
}

TEST(ValidatorTest, MalformedPoliciesAreParseErrors) {
  EXPECT_THAT(ParseError("permit(principal, action, resource)"), HasSubstr("expected ';'"));
  EXPECT_THAT(ParseError("allow(principal, action, resource);"), HasSubstr("expected 'permit' or 'forbid'"));
  EXPECT_THAT(ParseError("permit(principal == ?principal, action, resource);"), HasSubstr("templates"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { \"a\\q\" };"), HasSubstr("unknown escape"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { \"abc };"), HasSubstr("unterminated string"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { 9223372036854775808 == 1 };"),
              HasSubstr("out of range"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { principal.foo(1) };"),
              HasSubstr("unknown method 'foo'"));
  // Arity is checked when the parsed policy is lowered for the validator.
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { [1].contains(1, 2) };"),
              HasSubstr("`contains` takes one argument"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { [1].isEmpty(1) };"),
              HasSubstr("`isEmpty` takes no argument"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { frob(1) };"), HasSubstr("unknown function"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { {a: 1, a: 2} == {} };"),
              HasSubstr("duplicate record key"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { 1 == like };"), HasSubstr("unexpected keyword"));
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { 1 # 2 };"), HasSubstr("unexpected character"));
}

TEST(ValidatorTest, DeepNestingIsAnErrorNotACrash) {
  auto wrap = [](int n, std::string_view open, std::string_view mid, std::string_view close) {
    std::string s;
    for (int i = 0; i < n; ++i) s += open;
    s += mid;
    for (int i = 0; i < n; ++i) s += close;
    return "permit(principal, action, resource) when { " + s + " };";
  };
  EXPECT_THAT(ParseError(wrap(100000, "(", "true", ")")), HasSubstr("nesting too deep (limit 128)"));
  EXPECT_THAT(ParseError(wrap(100000, "[", "1", "]") ), HasSubstr("nesting too deep (limit 128)"));
  EXPECT_THAT(ParseError(wrap(100000, "if true then ", "true", " else false")),
              HasSubstr("nesting too deep (limit 128)"));
  std::string chain = "1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { " + chain + " == 2 };"),
              HasSubstr("nesting too deep (limit 128)"));
  std::string access = "principal";
  for (int i = 0; i < 100000; ++i) access += ".a";
  EXPECT_THAT(ParseError("permit(principal, action, resource) when { " + access + " };"),
              HasSubstr("nesting too deep (limit 128)"));
  std::string clauses = "permit(principal, action, resource)";
  for (int i = 0; i < 100000; ++i) clauses += " when { true }";
  EXPECT_THAT(ParseError(clauses + ";"), HasSubstr("too many when/unless clauses"));
  clauses = "permit(principal, action, resource)";
  for (int i = 0; i < 50; ++i) clauses += " unless { false }";
  EXPECT_TRUE(Validate(clauses + ";").ok());
  // Within the limit everything still works.
  EXPECT_TRUE(Validate(wrap(100, "(", "true", ")")).ok());
}

}  // namespace
}  // namespace domicile::cedar
