// Cedar schemas (https://docs.cedarpolicy.com/schema/schema.html): the entity
// types, their attributes and tags, and the actions with what they apply to.
// Parsed from either format (human-readable `.cedarschema` or JSON) into one
// plain data model. Used by entity/context parsing (implicit extension values,
// entity references, action entities), request validation and the validator.
//
// All names are fully qualified ("NS::Type"); common types are resolved away
// during parsing, so a SchemaType never names a common type.
#ifndef DOMICILE_CEDAR_SCHEMA_H_
#define DOMICILE_CEDAR_SCHEMA_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::cedar {

struct SchemaAttribute;

struct SchemaType {
  enum class Kind { kBool, kLong, kString, kEntity, kSet, kRecord, kExtension };
  Kind kind = Kind::kBool;
  // kEntity: the entity type ("NS::User"); kExtension: "ipaddr", "decimal",
  // "datetime" or "duration".
  std::string name;
  // kSet: the element type.
  std::shared_ptr<const SchemaType> element;
  // kRecord: attributes by name.
  std::map<std::string, SchemaAttribute> attributes;
  // kRecord: whether attributes not listed are allowed.
  bool additional_attributes = false;
};

struct SchemaAttribute {
  SchemaType type;
  bool required = true;
};

// An action's uid: type is "Action" or "NS::Action".
struct ActionUid {
  std::string type;
  std::string id;
  friend bool operator==(const ActionUid&, const ActionUid&) = default;
  friend auto operator<=>(const ActionUid&, const ActionUid&) = default;
};

struct EntityTypeDecl {
  std::string name;                    // fully qualified
  std::vector<std::string> member_of;  // parent entity types, fully qualified
  SchemaType shape;                    // always kRecord
  std::optional<SchemaType> tags;      // the type of tag values, if tags are declared
  std::vector<std::string> enum_ids;   // non-empty for enumerated entity types
};

struct ActionDecl {
  ActionUid uid;
  std::vector<ActionUid> member_of;          // action groups
  std::vector<std::string> principal_types;  // appliesTo; empty = applies to none
  std::vector<std::string> resource_types;
  SchemaType context;                        // always kRecord
  bool has_applies_to = false;
};

class Schema {
 public:
  // Parsers; a malformed or inconsistent schema (unknown type names, duplicate
  // declarations, cycles in common types) gets InvalidArgument with a message
  // naming the offending declaration.
  static Result<Schema> FromCedarSchema(std::string_view text);
  static Result<Schema> FromJson(std::string_view text);

  const std::map<std::string, EntityTypeDecl>& entity_types() const { return entity_types_; }
  const std::map<ActionUid, ActionDecl>& actions() const { return actions_; }

  const EntityTypeDecl* FindEntityType(std::string_view name) const;
  const ActionDecl* FindAction(const ActionUid& uid) const;

 private:
  friend class SchemaBuilder;  // the parsers fill these
  std::map<std::string, EntityTypeDecl> entity_types_;
  std::map<ActionUid, ActionDecl> actions_;
};

}  // namespace domicile::cedar

#endif  // DOMICILE_CEDAR_SCHEMA_H_
