// The unresolved form of a Cedar schema, shared by the two schema parsers.
// Both `.cedarschema` text and schema JSON are first turned into a RawSchema
// (names exactly as written, per namespace); SchemaBuilder then resolves every
// name with one set of rules, so the two formats cannot drift apart.
#ifndef DOMICILE_CEDAR_INTERNAL_SCHEMA_RAW_H_
#define DOMICILE_CEDAR_INTERNAL_SCHEMA_RAW_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cedar/schema.h"
#include "common/status.h"

namespace domicile::cedar {

// Nesting limit for schema types (Set<Set<...>>, records in records), applied
// to the text as written and again to types after common types are expanded.
inline constexpr int kMaxSchemaTypeDepth = 32;
// Upper bound on the number of type nodes after common types are expanded, so
// that a small schema cannot expand exponentially (A = {a: B, b: B}, B = ...).
inline constexpr std::size_t kMaxSchemaTypeNodes = 200000;

struct RawAttribute;

struct RawType {
  enum class Kind {
    kBool,
    kLong,
    kString,
    kName,        // a name to resolve: common type > entity type > builtin
    kCommonName,  // JSON {"type": "Name"}: a common type, or a __cedar:: builtin
    kEntityName,  // JSON {"type": "Entity", "name": ...}
    kExtension,   // JSON {"type": "Extension", "name": ...}
    kSet,
    kRecord,
  };
  Kind kind = Kind::kBool;
  std::string name;                  // kName, kCommonName, kEntityName, kExtension
  std::shared_ptr<const RawType> element;  // kSet; immutable once parsed
  std::vector<std::pair<std::string, RawAttribute>> attributes;  // kRecord
  bool additional_attributes = false;                            // kRecord
};

struct RawAttribute {
  RawType type;
  bool required = true;
};

struct RawActionRef {
  std::optional<std::string> type;  // as written ("Action", "NS::Action"), or none
  std::string id;
};

struct RawEntityType {
  std::string name;  // unqualified
  std::vector<std::string> member_of;
  std::optional<RawType> shape;  // absent = empty record
  std::optional<RawType> tags;
  std::vector<std::string> enum_ids;
  bool is_enum = false;
};

struct RawAction {
  std::string id;
  std::vector<RawActionRef> member_of;
  bool has_applies_to = false;
  std::vector<std::string> principal_types;
  std::vector<std::string> resource_types;
  std::optional<RawType> context;  // absent = empty record
};

struct RawCommonType {
  std::string name;  // unqualified
  RawType type;
};

struct RawNamespace {
  std::string name;  // "" for the empty namespace
  std::vector<RawCommonType> common_types;
  std::vector<RawEntityType> entity_types;
  std::vector<RawAction> actions;
};

struct RawSchema {
  std::vector<RawNamespace> namespaces;
};

// Resolves names and checks consistency (duplicates, undeclared types and
// actions, cycles in common types and action groups, shadowing of the empty
// namespace); InvalidArgument naming the offending declaration otherwise.
class SchemaBuilder {
 public:
  static Result<Schema> Build(const RawSchema& raw);
};

// Whether `s` is a Cedar identifier ([_a-zA-Z][_a-zA-Z0-9]*).
bool IsSchemaIdent(std::string_view s);
// Whether `s` is IDENT {'::' IDENT}.
bool IsSchemaPath(std::string_view s);

}  // namespace domicile::cedar

#endif  // DOMICILE_CEDAR_INTERNAL_SCHEMA_RAW_H_
