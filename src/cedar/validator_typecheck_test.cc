// Type rules of the validator on hand-lowered policies (the policy parser is
// exercised by validator_test.cc and the corpus test).
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cedar/schema.h"
#include "cedar/validator_ir.h"

namespace domicile::cedar::validation {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::string_view kSchema = R"(
  entity Group;
  entity User in [Group] {
    name: String,
    age: Long,
    nick?: String,
    manager?: User,
    groups: Set<Group>,
    addr: { city: String, zip?: String },
  } tags String;
  entity Doc in [Group] { owner: User, ip: ipaddr, when: datetime };
  entity Color enum ["red", "blue"];
  action read, write appliesTo { principal: User, resource: Doc, context: { mfa: Bool, level?: Long } };
  action admin appliesTo { principal: User, resource: Group };
  action all;
  action viewColor in all appliesTo { principal: User, resource: Color };
)";

Schema TestSchema() {
  auto s = Schema::FromCedarSchema(kSchema);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *std::move(s);
}

Expr P() { return VarExpr(Var::kPrincipal); }
Expr R() { return VarExpr(Var::kResource); }
Expr A() { return VarExpr(Var::kAction); }
Expr Ctx() { return VarExpr(Var::kContext); }
Expr Eq(Expr a, Expr b) { return Binary(BinaryOp::kEq, std::move(a), std::move(b)); }
Expr In(Expr a, Expr b) { return Binary(BinaryOp::kIn, std::move(a), std::move(b)); }

// Errors for `permit(principal, action [== action], resource) when { body }`.
std::vector<std::string> Check(Expr body, std::optional<std::string> action = std::nullopt,
                               Expr principal_scope = BoolLit(true)) {
  Expr action_scope = action ? Eq(A(), EntityLit("Action", *action)) : BoolLit(true);
  Expr scope = And(principal_scope, And(action_scope, BoolLit(true)));
  Policy p{"policy0", scope, And(scope, std::move(body))};
  std::vector<Error> errors;
  ValidatePolicies({p}, TestSchema(), errors);
  std::vector<std::string> out;
  for (const Error& e : errors) {
    EXPECT_EQ(e.policy_id, "policy0");
    out.push_back(e.message);
  }
  return out;
}

std::string OneError(Expr body, std::optional<std::string> action = std::nullopt,
                     Expr principal_scope = BoolLit(true)) {
  auto errors = Check(std::move(body), std::move(action), std::move(principal_scope));
  EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  return errors.empty() ? "" : errors[0];
}

TEST(ValidatorTypecheckTest, WellTypedPoliciesPass) {
  EXPECT_THAT(Check(BoolLit(true)), IsEmpty());
  EXPECT_THAT(Check(Eq(GetAttr(P(), "name"), StringLit("alice"))), IsEmpty());
  EXPECT_THAT(Check(Binary(BinaryOp::kLess, GetAttr(P(), "age"), LongLit(30))), IsEmpty());
  EXPECT_THAT(Check(In(P(), GetAttr(P(), "groups"))), IsEmpty());
  EXPECT_THAT(Check(Binary(BinaryOp::kContains, GetAttr(P(), "groups"), EntityLit("Group", "g"))), IsEmpty());
  EXPECT_THAT(Check(Unary(UnaryOp::kLike, GetAttr(GetAttr(P(), "addr"), "city"), "\"B*\"")), IsEmpty());
  EXPECT_THAT(Check(GetAttr(Ctx(), "mfa"), "read"), IsEmpty());
  EXPECT_THAT(Check(Call("isInRange", {GetAttr(R(), "ip"), Call("ip", {StringLit("10.0.0.0/8")})}), "read"),
              IsEmpty());
  EXPECT_THAT(Check(Binary(BinaryOp::kLess, GetAttr(R(), "when"),
                           Call("offset", {Call("datetime", {StringLit("2024-10-15T11:35:00Z")}),
                                           Call("duration", {StringLit("1d2h")})})),
                    "read"),
              IsEmpty());
}

TEST(ValidatorTypecheckTest, OptionalAttributesNeedAHasGuard) {
  EXPECT_THAT(OneError(Eq(GetAttr(P(), "nick"), StringLit("x"))),
              HasSubstr("optional attribute `nick` is read without a `has` check, in `principal[\"nick\"]`"));
  EXPECT_THAT(Check(And(HasAttr(P(), "nick"), Eq(GetAttr(P(), "nick"), StringLit("x")))), IsEmpty());
  // The guard must be on the same expression and attribute.
  EXPECT_THAT(OneError(And(HasAttr(GetAttr(P(), "addr"), "zip"), Eq(GetAttr(P(), "nick"), StringLit("x")))),
              HasSubstr("optional attribute"));
  // `resource has nick` is false for every resource type, so the rest is never checked.
  EXPECT_THAT(Check(And(HasAttr(R(), "nick"), Eq(GetAttr(P(), "nick"), StringLit("x")))), IsEmpty());
  // `||` does not carry the capability to its right operand.
  EXPECT_THAT(OneError(Or(HasAttr(P(), "nick"), Eq(GetAttr(P(), "nick"), StringLit("x")))),
              HasSubstr("optional attribute"));
  // `if` carries it into the then-branch.
  EXPECT_THAT(Check(Ite(HasAttr(GetAttr(P(), "addr"), "zip"), Eq(GetAttr(GetAttr(P(), "addr"), "zip"), StringLit("1")),
                        BoolLit(false))),
              IsEmpty());
  EXPECT_THAT(OneError(And(HasAttr(Ctx(), "level"), Eq(GetAttr(Ctx(), "mfa"), GetAttr(Ctx(), "level"))), "read"),
              HasSubstr("incompatible types Bool and Long"));
}

TEST(ValidatorTypecheckTest, TypeErrorsNameTheExpression) {
  EXPECT_THAT(OneError(Eq(GetAttr(P(), "nmae"), StringLit("x"))),
              HasSubstr("attribute `nmae` not found on User, in `principal[\"nmae\"]`"));
  EXPECT_THAT(OneError(Binary(BinaryOp::kAdd, LongLit(1), StringLit("a"))),
              HasSubstr("expected Long but `\"a\"` has type String"));
  EXPECT_THAT(OneError(Binary(BinaryOp::kLess, GetAttr(P(), "name"), LongLit(1))),
              HasSubstr("`principal[\"name\"]` has type String"));
  EXPECT_THAT(OneError(Eq(GetAttr(P(), "age"), StringLit("1"))), HasSubstr("incompatible types Long and String"));
  EXPECT_THAT(OneError(LongLit(1)), HasSubstr("expected Bool but `1` has type Long"));
  EXPECT_THAT(OneError(In(P(), SetExpr({}))), HasSubstr("empty set"));
  EXPECT_THAT(OneError(Eq(SetExpr({LongLit(1), StringLit("a")}), SetExpr({LongLit(1)}))),
              HasSubstr("incompatible element types"));
  EXPECT_THAT(OneError(Call("ip", {StringLit("300.1.1.1")})), HasSubstr("not a valid ipaddr literal"));
  EXPECT_THAT(OneError(Call("decimal", {GetAttr(P(), "name")})), HasSubstr("not a valid decimal literal"));
  EXPECT_THAT(OneError(Call("isIpv4", {StringLit("1.2.3.4")})), HasSubstr("wrong argument types (String)"));
  // A false condition skips the then-branch, as in Cedar.
  EXPECT_THAT(Check(Ite(BoolLit(false), LongLit(1), BoolLit(true))), IsEmpty());
}

TEST(ValidatorTypecheckTest, DeclaredNamesAreCheckedEverywhere) {
  // Even behind `false &&`, which the typechecker itself never looks at.
  EXPECT_THAT(OneError(And(BoolLit(false), Eq(P(), EntityLit("Usr", "a")))),
              HasSubstr("unrecognized entity type `Usr` in `Usr::\"a\"`"));
  EXPECT_THAT(OneError(BoolLit(true), "delete"), HasSubstr("unrecognized action `Action::\"delete\"`"));
  EXPECT_THAT(OneError(Eq(R(), EntityLit("Color", "green"))),
              HasSubstr("not one of the values of enumerated entity type `Color`"));
  EXPECT_THAT(Check(Eq(R(), EntityLit("Color", "red"))), IsEmpty());
  EXPECT_THAT(OneError(Unary(UnaryOp::kIs, P(), "Admin")), HasSubstr("unrecognized entity type `Admin`"));
}

TEST(ValidatorTypecheckTest, ScopeMustMatchSomeAction) {
  // No action applies to a Doc principal.
  EXPECT_THAT(OneError(BoolLit(true), std::nullopt, Unary(UnaryOp::kIs, P(), "Doc")),
              HasSubstr("no action in the schema applies"));
  EXPECT_THAT(OneError(BoolLit(true), "all"), HasSubstr("no action in the schema applies"));
  EXPECT_THAT(Check(BoolLit(true), std::nullopt, In(P(), EntityLit("Group", "g"))), IsEmpty());
  EXPECT_THAT(OneError(BoolLit(true), std::nullopt, In(P(), EntityLit("Color", "red"))),
              HasSubstr("no action in the schema applies"));
}

TEST(ValidatorTypecheckTest, EnvironmentsWhereTheScopeIsFalseAreSkipped) {
  // `context.mfa` exists for read and write only; scoping to read makes it valid.
  EXPECT_THAT(Check(GetAttr(Ctx(), "mfa"), "read"), IsEmpty());
  EXPECT_THAT(OneError(GetAttr(Ctx(), "mfa")), HasSubstr("attribute `mfa` not found on {}"));
  // `action in Action::"all"` is decided from the action hierarchy.
  Expr scope = And(BoolLit(true), And(In(A(), EntityLit("Action", "all")), BoolLit(true)));
  Policy p{"policy7", scope, And(scope, Eq(R(), EntityLit("Color", "blue")))};
  std::vector<Error> errors;
  ValidatePolicies({p}, TestSchema(), errors);
  EXPECT_THAT(errors, IsEmpty());
}

TEST(ValidatorTypecheckTest, TagsNeedAHasTagGuard) {
  Expr tag = Binary(BinaryOp::kGetTag, P(), StringLit("t"));
  EXPECT_THAT(OneError(Eq(tag, StringLit("v"))), HasSubstr("not guarded by a `hasTag` check"));
  EXPECT_THAT(Check(And(Binary(BinaryOp::kHasTag, P(), StringLit("t")), Eq(tag, StringLit("v")))), IsEmpty());
  EXPECT_THAT(OneError(Eq(Binary(BinaryOp::kGetTag, R(), StringLit("t")), StringLit("v")), "read"),
              HasSubstr("entity type Doc has no tags"));
}

TEST(ValidatorTypecheckTest, EntityComparisonsAcrossTypesAreFalseNotErrors) {
  EXPECT_THAT(Check(Or(Eq(P(), R()), BoolLit(true)), "read"), IsEmpty());
  EXPECT_THAT(Check(Eq(RecordExpr({{"a", LongLit(1)}}), RecordExpr({{"a", LongLit(2)}}))), IsEmpty());
  EXPECT_THAT(OneError(Eq(RecordExpr({{"a", LongLit(1)}}), RecordExpr({{"b", LongLit(2)}}))),
              HasSubstr("incompatible types"));
}

TEST(ValidatorTypecheckTest, ExtensionLiteralSyntax) {
  for (const char* ok : {"1.0", "-12.3456", "922337203685477.5807"}) {
    EXPECT_THAT(Check(Call("lessThan", {Call("decimal", {StringLit(ok)}), Call("decimal", {StringLit("1.0")})})),
                IsEmpty()) << ok;
  }
  for (const char* bad : {"1", "1.23456", ".5", "1.", "922337203685477.5808", "1.0x"}) {
    EXPECT_THAT(OneError(Call("lessThan", {Call("decimal", {StringLit(bad)}), Call("decimal", {StringLit("1.0")})})),
                HasSubstr("not a valid decimal")) << bad;
  }
  for (const char* ok : {"127.0.0.1", "10.0.0.0/8", "::1", "ff02::1/16", "1:2:3:4:5:6:7:8", "::"}) {
    EXPECT_THAT(Check(Call("isIpv4", {Call("ip", {StringLit(ok)})})), IsEmpty()) << ok;
  }
  for (const char* bad : {"127.0.0", "01.2.3.4", "1.2.3.4/33", "::ffff:1.2.3.4", "1::2::3", "1:2:3:4:5:6:7:8:9"}) {
    EXPECT_THAT(OneError(Call("isIpv4", {Call("ip", {StringLit(bad)})})), HasSubstr("not a valid ipaddr")) << bad;
  }
  for (const char* ok : {"2024-02-29", "2024-10-15T11:35:00Z", "2024-10-15T11:35:00.123Z", "2024-10-15T11:35:00+0100",
                         "2024-10-15T11:35:00.000-2359"}) {
    EXPECT_THAT(Check(Binary(BinaryOp::kLess, Call("datetime", {StringLit(ok)}), GetAttr(R(), "when")), "read"),
                IsEmpty()) << ok;
  }
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-10-15T24:00:00Z", "2024-10-15T11:35:00", "2024-1-15"}) {
    EXPECT_THAT(OneError(Binary(BinaryOp::kLess, Call("datetime", {StringLit(bad)}), GetAttr(R(), "when")), "read"),
                HasSubstr("not a valid datetime")) << bad;
  }
  for (const char* ok : {"1d", "-2h30m", "1d2h3m4s5ms", "0ms", "9223372036854775807ms"}) {
    EXPECT_THAT(Check(Eq(Call("toDays", {Call("duration", {StringLit(ok)})}), LongLit(1))), IsEmpty()) << ok;
  }
  for (const char* bad : {"", "1", "1m1h", "1d1d", "1x", "-", "9223372036854775808ms"}) {
    EXPECT_THAT(OneError(Eq(Call("toDays", {Call("duration", {StringLit(bad)})}), LongLit(1))),
                HasSubstr("not a valid duration")) << bad;
  }
}

}  // namespace
}  // namespace domicile::cedar::validation
