#include "cedar/schema.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cedar/cedar.h"
#include "cedar/internal/schema_raw.h"
#include "cedar/internal/schema_testing.h"
#include "fakes/temp_dir.h"

namespace domicile::cedar {
namespace {

using ::testing::HasSubstr;
using testing::DumpSchema;
using testing::SchemaToJson;

Schema ParseCedar(std::string_view text) {
  auto s = Schema::FromCedarSchema(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *std::move(s) : Schema();
}

Schema ParseJson(std::string_view text) {
  auto s = Schema::FromJson(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *std::move(s) : Schema();
}

std::string CedarError(std::string_view text) {
  auto s = Schema::FromCedarSchema(text);
  EXPECT_FALSE(s.ok()) << "accepted: " << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  return s.status().message();
}

std::string JsonError(std::string_view text) {
  auto s = Schema::FromJson(text);
  EXPECT_FALSE(s.ok()) << "accepted: " << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  return s.status().message();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The PhotoFlash example of the Cedar documentation, in both formats.
constexpr std::string_view kPhotoFlashCedar = R"(
namespace PhotoFlash {
  entity User in UserGroup = {
    "department": String,
    "jobLevel": Long,
  };
  entity UserGroup;
  entity Album in Album = {
    "account": Account,
    "private": Bool,
  };
  entity Account = {
    "admins"?: Set<User>,
    "owner": User,
  };
  entity Photo in Album = {
    "account": Account,
    "private": Bool,
  };
  action "uploadPhoto" appliesTo {
    principal: User,
    resource: Album,
    context: {
      "authenticated": Bool,
      "photo": {
        "file_size": Long,
        "file_type": String,
      },
    }
  };
  action "viewPhoto" appliesTo {
    principal: User,
    resource: Photo,
    context: {
      "authenticated": Bool,
    }
  };
  action "listAlbums" appliesTo {
    principal: User,
    resource: Account,
    context: {
      "authenticated": Bool,
    }
  };
}
)";

constexpr std::string_view kPhotoFlashJson = R"({
  "PhotoFlash": {
    "entityTypes": {
      "User": {
        "memberOfTypes": ["UserGroup"],
        "shape": {"type": "Record", "attributes": {
          "department": {"type": "String"}, "jobLevel": {"type": "Long"}}}
      },
      "UserGroup": {},
      "Photo": {
        "memberOfTypes": ["Album"],
        "shape": {"type": "Record", "attributes": {
          "private": {"type": "Boolean"},
          "account": {"type": "Entity", "name": "Account"}}}
      },
      "Album": {
        "memberOfTypes": ["Album"],
        "shape": {"type": "Record", "attributes": {
          "private": {"type": "Boolean"},
          "account": {"type": "EntityOrCommon", "name": "Account"}}}
      },
      "Account": {
        "memberOfTypes": [],
        "shape": {"type": "Record", "attributes": {
          "owner": {"type": "Entity", "name": "User"},
          "admins": {"required": false, "type": "Set",
                     "element": {"type": "Entity", "name": "PhotoFlash::User"}}}}
      }
    },
    "actions": {
      "viewPhoto": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"],
        "context": {"type": "Record", "attributes": {"authenticated": {"type": "Boolean"}}}}},
      "listAlbums": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Account"],
        "context": {"type": "Ctx"}}},
      "uploadPhoto": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Album"],
        "context": {"type": "Record", "attributes": {
          "authenticated": {"type": "Boolean"},
          "photo": {"type": "Record", "attributes": {
            "file_size": {"type": "Long"}, "file_type": {"type": "String"}}}}}}}
    },
    "commonTypes": {
      "Ctx": {"type": "Record", "attributes": {"authenticated": {"type": "Boolean"}}}
    }
  }
})";

TEST(SchemaTest, PhotoFlashBothFormatsAgree) {
  Schema cedar = ParseCedar(kPhotoFlashCedar);
  Schema json = ParseJson(kPhotoFlashJson);
  EXPECT_EQ(DumpSchema(cedar), DumpSchema(json));

  const EntityTypeDecl* account = cedar.FindEntityType("PhotoFlash::Account");
  ASSERT_NE(account, nullptr);
  const SchemaAttribute& admins = account->shape.attributes.at("admins");
  EXPECT_FALSE(admins.required);
  EXPECT_EQ(admins.type.kind, SchemaType::Kind::kSet);
  EXPECT_EQ(admins.type.element->kind, SchemaType::Kind::kEntity);
  EXPECT_EQ(admins.type.element->name, "PhotoFlash::User");
  EXPECT_EQ(cedar.FindEntityType("User"), nullptr);

  const ActionDecl* upload = cedar.FindAction({"PhotoFlash::Action", "uploadPhoto"});
  ASSERT_NE(upload, nullptr);
  EXPECT_TRUE(upload->has_applies_to);
  EXPECT_EQ(upload->principal_types, std::vector<std::string>{"PhotoFlash::User"});
  EXPECT_EQ(upload->context.attributes.at("photo").type.attributes.at("file_size").type.kind,
            SchemaType::Kind::kLong);
}

TEST(SchemaTest, EntityFeatures) {
  Schema s = ParseCedar(R"(
    // comment before
    @doc("users")
    entity User in [Group] {
      personalGroup: Group,
      @doc("optional") delegate?: User,
      blocked: Set<User>,
      "quoted name": __cedar::String,
    } tags String;
    @doc("three groups") entity Group enum ["G1", "G2", "G\u{33}", "G1"];
    entity A, B in Group;  // two types, one declaration
  )");
  const EntityTypeDecl* user = s.FindEntityType("User");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->member_of, std::vector<std::string>{"Group"});
  ASSERT_TRUE(user->tags.has_value());
  EXPECT_EQ(user->tags->kind, SchemaType::Kind::kString);
  EXPECT_FALSE(user->shape.attributes.at("delegate").required);
  EXPECT_EQ(user->shape.attributes.at("quoted name").type.kind, SchemaType::Kind::kString);
  const EntityTypeDecl* group = s.FindEntityType("Group");
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->enum_ids, (std::vector<std::string>{"G1", "G2", "G3"}));
  ASSERT_NE(s.FindEntityType("A"), nullptr);
  EXPECT_EQ(s.FindEntityType("B")->member_of, std::vector<std::string>{"Group"});
}

TEST(SchemaTest, ActionsAndGroups) {
  Schema s = ParseCedar(R"(
    namespace ExampleNS { action "Write"; entity E; }
    entity User, Public, Document;
    action ReadActions;
    action ViewDocument, "view doc" in [ReadActions, ExampleNS::Action::"Write"] appliesTo {
      principal: [User, Public],
      resource: Document,
      context: { network: ipaddr, browser: String },
    };
    action NoApplies in ReadActions;
    action Never appliesTo { principal: [], resource: [] };
  )");
  const ActionDecl* view = s.FindAction({"Action", "view doc"});
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->member_of,
            (std::vector<ActionUid>{{"Action", "ReadActions"}, {"ExampleNS::Action", "Write"}}));
  EXPECT_EQ(view->principal_types, (std::vector<std::string>{"User", "Public"}));
  EXPECT_EQ(view->context.attributes.at("network").type.kind, SchemaType::Kind::kExtension);
  EXPECT_EQ(view->context.attributes.at("network").type.name, "ipaddr");
  const ActionDecl* none = s.FindAction({"Action", "NoApplies"});
  ASSERT_NE(none, nullptr);
  EXPECT_FALSE(none->has_applies_to);
  const ActionDecl* never = s.FindAction({"Action", "Never"});
  ASSERT_NE(never, nullptr);
  EXPECT_TRUE(never->has_applies_to);
  EXPECT_TRUE(never->principal_types.empty());
}

// Schema strings take the escapes of policy strings (one decoder): \n \r \t
// \0 \\ \' \" \xHH (ASCII) and \u{...}; a policy naming the action with the
// same escapes names the same action.
TEST(SchemaTest, StringEscapesAreThoseOfPolicies) {
  Schema s = ParseCedar(R"(action "a\x41\u{e9}\t\"\\\'\0z";)");
  const std::string id = std::string("aA\xC3\xA9\t\"\\'") + '\0' + "z";
  EXPECT_NE(s.FindAction({"Action", id}), nullptr);
  auto set = PolicySet::Parse(R"(permit(principal, action == Action::"a\x41\u{e9}\t\"\\\'\0z", resource);)");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->policies()[0].action.entities[0].id, id);
}

TEST(SchemaTest, NameResolutionPriority) {
  // The example of the "type name disambiguation" section of the Cedar docs.
  Schema s = ParseCedar(R"(
    namespace Demo {
      entity Host { ip: ipaddr, bandwidth: decimal };
      entity String { groups: Set<__cedar::String> };
      type ipaddr = { repr: String, isV4: Bool };
    }
  )");
  const EntityTypeDecl* host = s.FindEntityType("Demo::Host");
  ASSERT_NE(host, nullptr);
  const SchemaType& ip = host->shape.attributes.at("ip").type;
  EXPECT_EQ(ip.kind, SchemaType::Kind::kRecord);  // the common type wins
  EXPECT_EQ(ip.attributes.at("repr").type.kind, SchemaType::Kind::kEntity);
  EXPECT_EQ(ip.attributes.at("repr").type.name, "Demo::String");  // the entity type wins
  EXPECT_EQ(ip.attributes.at("isV4").type.kind, SchemaType::Kind::kBool);
  EXPECT_EQ(host->shape.attributes.at("bandwidth").type.kind, SchemaType::Kind::kExtension);
  const EntityTypeDecl* str = s.FindEntityType("Demo::String");
  EXPECT_EQ(str->shape.attributes.at("groups").type.element->kind, SchemaType::Kind::kString);
}

TEST(SchemaTest, CommonTypesResolveAcrossNamespaces) {
  Schema s = ParseCedar(R"(
    type Name = String;
    entity Org;
    namespace App {
      type Person = { name: Name, org: Org, tags: Set<Tag> };
      type Tag = __cedar::Long;
      type PersonRef = Person;
      entity Employee { who: PersonRef };
      action act appliesTo { principal: Employee, resource: Org, context: Person };
    }
  )");
  const EntityTypeDecl* e = s.FindEntityType("App::Employee");
  ASSERT_NE(e, nullptr);
  const SchemaType& who = e->shape.attributes.at("who").type;
  ASSERT_EQ(who.kind, SchemaType::Kind::kRecord);
  EXPECT_EQ(who.attributes.at("name").type.kind, SchemaType::Kind::kString);
  EXPECT_EQ(who.attributes.at("org").type.name, "Org");
  EXPECT_EQ(who.attributes.at("tags").type.element->kind, SchemaType::Kind::kLong);
  const ActionDecl* act = s.FindAction({"App::Action", "act"});
  ASSERT_NE(act, nullptr);
  EXPECT_EQ(act->resource_types, std::vector<std::string>{"Org"});
  EXPECT_EQ(act->context.attributes.size(), 3u);
}

TEST(SchemaTest, JsonFeatures) {
  Schema s = ParseJson(R"({
    "": {
      "entityTypes": {
        "Group": {"enum": ["a", "b"]},
        "User": {"memberOfTypes": ["Group"], "tags": {"type": "Set", "element": {"type": "Long"}},
                 "shape": {"type": "Record", "additionalAttributes": true, "attributes": {
                   "ip": {"type": "Extension", "name": "ipaddr"},
                   "when": {"type": "__cedar::datetime"},
                   "n": {"type": "Id", "required": false, "annotations": {"doc": "x"}}}},
                 "annotations": {"doc": "users"}}
      },
      "actions": {
        "read": {},
        "write": {"memberOf": [{"id": "read"}, {"id": "ns", "type": "NS::Action"}],
                  "appliesTo": {"principalTypes": ["User"], "resourceTypes": ["NS::Doc"]}}
      },
      "commonTypes": {"Id": {"type": "String"}}
    },
    "NS": {"entityTypes": {"Doc": {}}, "actions": {"ns": {}}, "annotations": {"doc": "ns"}}
  })");
  const EntityTypeDecl* user = s.FindEntityType("User");
  ASSERT_NE(user, nullptr);
  EXPECT_TRUE(user->shape.additional_attributes);
  EXPECT_EQ(user->shape.attributes.at("when").type.name, "datetime");
  EXPECT_EQ(user->shape.attributes.at("n").type.kind, SchemaType::Kind::kString);
  EXPECT_FALSE(user->shape.attributes.at("n").required);
  EXPECT_EQ(user->tags->element->kind, SchemaType::Kind::kLong);
  const ActionDecl* write = s.FindAction({"Action", "write"});
  ASSERT_NE(write, nullptr);
  EXPECT_EQ(write->member_of, (std::vector<ActionUid>{{"Action", "read"}, {"NS::Action", "ns"}}));
  EXPECT_EQ(write->resource_types, std::vector<std::string>{"NS::Doc"});
  EXPECT_TRUE(write->context.attributes.empty());
}

TEST(SchemaTest, MalformedCedarSchemaGetsClearErrors) {
  EXPECT_THAT(CedarError("entity User"), HasSubstr("expected `;`"));
  EXPECT_THAT(CedarError("entity User;\nentity User;"), HasSubstr("`User` is declared twice"));
  EXPECT_THAT(CedarError("entity A { x: Nope };"), HasSubstr("unknown type `Nope`"));
  EXPECT_THAT(CedarError("entity A in B;"), HasSubstr("undeclared entity type `B`"));
  EXPECT_THAT(CedarError("entity A { x: Long, x: String };"), HasSubstr("`x` is declared twice"));
  EXPECT_THAT(CedarError("type A = Set<B>; type B = { a: A }; entity E { a: A };"),
              HasSubstr("refers to itself"));
  EXPECT_THAT(CedarError("type Long = String;"), HasSubstr("reserved"));
  EXPECT_THAT(CedarError("entity Action;"), HasSubstr("reserved for actions"));
  EXPECT_THAT(CedarError("action a in b;"), HasSubstr("undeclared action `Action::\"b\"`"));
  EXPECT_THAT(CedarError("action a in b; action b in c; action c in a;"),
              HasSubstr("member of itself"));
  EXPECT_THAT(CedarError("action a; action a;"), HasSubstr("declared twice"));
  EXPECT_THAT(CedarError("entity E; action a appliesTo { principal: E };"),
              HasSubstr("needs both `principal` and `resource`"));
  EXPECT_THAT(CedarError("entity E; action a appliesTo { principal: E, resource: E, context: Long };"),
              HasSubstr("must be a record"));
  EXPECT_THAT(CedarError("type id = String; namespace Demo { type id = Long; }"),
              HasSubstr("shadows `id` in the empty namespace"));
  EXPECT_THAT(CedarError("namespace A { entity E; } namespace A { entity F; }"),
              HasSubstr("namespace `A` is declared twice"));
  EXPECT_THAT(CedarError("namespace __cedar { entity E; }"), HasSubstr("reserved"));
  EXPECT_THAT(CedarError("entity E { a: __cedar::Nope };"), HasSubstr("unknown builtin"));
  EXPECT_THAT(CedarError("action \"a\\q\";"), HasSubstr("unknown escape"));
  EXPECT_THAT(CedarError("action \"a\\*\";"), HasSubstr("unknown escape"));  // `\*` only in patterns
  EXPECT_THAT(CedarError("action \"\\x80\";"), HasSubstr("bad \\x escape"));
  EXPECT_THAT(CedarError("action \"\\u{}\";"), HasSubstr("bad \\u escape"));
  EXPECT_THAT(CedarError("action \"abc"), HasSubstr("unterminated string"));
  EXPECT_THAT(CedarError("action \"\\u{110000}\";"), HasSubstr("scalar value"));
  EXPECT_THAT(CedarError("entity E enum [];"), HasSubstr("expected an enum value"));
  EXPECT_THAT(CedarError("entity E # ;"), HasSubstr("1:10: unexpected character"));
  EXPECT_THAT(CedarError("entity E;\nentity F { a: Long b: Long };"), HasSubstr("2:"));
  EXPECT_THAT(CedarError("entity E { a: Set<Long };"), HasSubstr("expected `>`"));
  EXPECT_THAT(CedarError("entity E = ;"), HasSubstr("record type after `=`"));
  EXPECT_THAT(CedarError("action a in [NS::b];"), HasSubstr("must end in a string"));
  EXPECT_THAT(CedarError(std::string("entity \xC3\x28;")), HasSubstr("invalid UTF-8"));
  EXPECT_THAT(CedarError("namespace A { entity E;"), HasSubstr("unterminated namespace"));
}

TEST(SchemaTest, MalformedJsonGetsClearErrors) {
  EXPECT_THAT(JsonError("{"), HasSubstr("schema JSON"));
  EXPECT_THAT(JsonError("[]"), HasSubstr("expected an object of namespaces"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {}}})"), HasSubstr("\"actions\" must be an object"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {}, "actions": {}, "extra": 1}})"),
              HasSubstr("unknown field \"extra\""));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {}, "A": {}}, "actions": {}}})"),
              HasSubstr("duplicate key \"A\""));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {"shape": {"type": "Record",
                 "attributes": {"x": {"type": "Long", "name": "y"}}}}}, "actions": {}}})"),
              HasSubstr("(type \"Long\"): unknown field \"name\""));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {"shape": {"type": "Record",
                 "attributes": {"x": {"type": "Nope"}}}}}, "actions": {}}})"),
              HasSubstr("unknown type `Nope`"));
  // {"type": "Foo"} names a common type, never an entity type.
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {"shape": {"type": "Record",
                 "attributes": {"x": {"type": "A"}}}}}, "actions": {}}})"),
              HasSubstr("unknown type `A`"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {"shape": {"type": "Long"}}}, "actions": {}}})"),
              HasSubstr("must be a record"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {"shape": {"type": "Record",
                 "attributes": {"x": {"type": "Extension", "name": "money"}}}}}, "actions": {}}})"),
              HasSubstr("unknown extension type"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {"enum": []}}, "actions": {}}})"),
              HasSubstr("empty enum"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {}, "actions": {"a": {"appliesTo": {"principalTypes": []}}}}})"),
              HasSubstr("needs \"resourceTypes\""));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {}, "actions": {"a": {"memberOf": [{"id": "b"}]}}}})"),
              HasSubstr("undeclared action"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {}, "actions": {}, "annotations": {"a": "b"}}})"),
              HasSubstr("cannot be annotated"));
  EXPECT_THAT(JsonError(R"({"A B": {"entityTypes": {}, "actions": {}}})"),
              HasSubstr("invalid namespace name"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"a b": {}}, "actions": {}}})"),
              HasSubstr("invalid entity type name"));
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {"A": {"memberOfTypes": "B"}}, "actions": {}}})"),
              HasSubstr("array of strings"));
}

TEST(SchemaTest, DeepNestingIsAnErrorAtTheDocumentedLimit) {
  auto nested_set = [](int depth) {
    std::string open, close;
    for (int i = 0; i < depth; ++i) open += "Set<", close += ">";
    return "entity E { a: " + open + "Long" + close + " };";
  };
  // The attribute is one level inside the shape record, so it may hold
  // kMaxSchemaTypeDepth - 1 nested sets.
  EXPECT_TRUE(Schema::FromCedarSchema(nested_set(kMaxSchemaTypeDepth - 1)).ok());
  EXPECT_THAT(CedarError(nested_set(kMaxSchemaTypeDepth)), HasSubstr("nest deeper than 32"));
  EXPECT_THAT(CedarError(nested_set(100000)), HasSubstr("nest deeper than"));

  std::string deep_json(100000, '[');
  EXPECT_THAT(JsonError(deep_json), HasSubstr("nests deeper than"));
  std::string t = R"({"type": "Long"})";
  for (int i = 0; i < 40; ++i) t = R"({"type": "Set", "element": )" + t + "}";
  EXPECT_THAT(JsonError(R"({"": {"entityTypes": {}, "actions": {}, "commonTypes": {"T": )" + t + "}}}"),
              HasSubstr("nest deeper than"));

  // Common types that are each shallow but expand past the limit.
  std::string chain = "type T0 = Long;\n";
  for (int i = 1; i <= 40; ++i) {
    chain += "type T" + std::to_string(i) + " = Set<T" + std::to_string(i - 1) + ">;\n";
  }
  EXPECT_THAT(CedarError(chain + "entity E { a: T40 };"), HasSubstr("nest deeper than"));
}

TEST(SchemaTest, ExponentialCommonTypeExpansionIsRefused) {
  std::string text = "type T0 = { a: Long };\n";
  for (int i = 1; i <= 30; ++i) {
    std::string prev = "T" + std::to_string(i - 1);
    text += "type T" + std::to_string(i) + " = { a: " + prev + ", b: " + prev + " };\n";
  }
  EXPECT_THAT(CedarError(text + "entity E { x: T30 };"), HasSubstr("expand to more than"));
}

TEST(SchemaTest, SandboxSchemasParse) {
  std::string shared = domicile::testing::SharedDir();
  if (shared.empty()) GTEST_SKIP() << "shared test data not found (set DOMICILE_SHARED_DIR)";
  const std::string dir = shared + "/testdata/cedar/sample-data/";
  for (const char* f : {"sandbox_a/schema.cedarschema", "sandbox_b/schema.cedarschema",
                        "sandbox_b/schema_exts.cedarschema"}) {
    auto s = Schema::FromCedarSchema(ReadFile(dir + f));
    ASSERT_TRUE(s.ok()) << f << ": " << s.status().ToString();
    EXPECT_NE(s->FindEntityType("User"), nullptr) << f;
    EXPECT_NE(s->FindAction({"Action", "view"}), nullptr) << f;
  }
  // sandbox_b/schema.cedarschema, written by hand in the JSON format.
  constexpr std::string_view kSandboxBJson = R"({"": {
    "entityTypes": {
      "Account": {"memberOfTypes": ["AccountGroup"], "shape": {"type": "Record", "attributes": {
        "admins": {"type": "Set", "element": {"type": "Entity", "name": "User"}},
        "owner": {"type": "Entity", "name": "User"}, "private": {"type": "Boolean"}}}},
      "AccountGroup": {"shape": {"type": "Record", "attributes": {
        "owner": {"type": "Entity", "name": "User"}}}},
      "Administrator": {}, "UserGroup": {},
      "Album": {"memberOfTypes": ["Account", "Album"], "shape": {"type": "AlbumShape"}},
      "Photo": {"memberOfTypes": ["Account", "Album"], "shape": {"type": "AlbumShape"}},
      "User": {"memberOfTypes": ["UserGroup"], "shape": {"type": "Record", "attributes": {
        "department": {"type": "String"}, "jobLevel": {"type": "Long"}}}}
    },
    "commonTypes": {
      "AlbumShape": {"type": "Record", "attributes": {
        "account": {"type": "Entity", "name": "Account"},
        "admins": {"type": "Set", "element": {"type": "Entity", "name": "User"}},
        "private": {"type": "Boolean"}}},
      "Auth": {"type": "Record", "attributes": {"authenticated": {"type": "Boolean"}}}
    },
    "actions": {
      "addPhoto": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Album"],
        "context": {"type": "Record", "attributes": {"authenticated": {"type": "Boolean"},
          "photo": {"type": "Record", "attributes": {
            "filesize_mb": {"type": "Long"}, "filetype": {"type": "String"}}}}}}},
      "comment": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"], "context": {"type": "Auth"}}},
      "delete": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"], "context": {"type": "Auth"}}},
      "edit": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"], "context": {"type": "Auth"}}},
      "view": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Photo"], "context": {"type": "Auth"}}},
      "listAlbums": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Account"], "context": {"type": "Auth"}}},
      "listPhotos": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Album"], "context": {"type": "Auth"}}}
    }}})";
  Schema cedar = ParseCedar(ReadFile(dir + "sandbox_b/schema.cedarschema"));
  EXPECT_EQ(DumpSchema(cedar), DumpSchema(ParseJson(kSandboxBJson)));
  EXPECT_EQ(DumpSchema(cedar), DumpSchema(ParseJson(SchemaToJson(cedar))));
}

TEST(SchemaTest, JsonRenderingRoundTrips) {
  Schema s = ParseCedar(R"(
    namespace A::B { entity X in [C::Y] { y?: C::Y, t: Set<decimal> } tags Bool;
                     action "a" in [C::Action::"c"] appliesTo { principal: X, resource: [X, C::Y] }; }
    namespace C { entity Y enum ["1"]; action "c"; }
    action top in A::B::Action::"a";
  )");
  EXPECT_EQ(DumpSchema(s), DumpSchema(ParseJson(SchemaToJson(s))));
}

}  // namespace
}  // namespace domicile::cedar
