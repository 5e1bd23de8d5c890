// Test helpers for schemas: a canonical text dump (to compare two Schemas) and
// a JSON rendering (to check that the two parsers agree on any schema).
// Test-only; not linked into the product.
#ifndef DOMICILE_CEDAR_INTERNAL_SCHEMA_TESTING_H_
#define DOMICILE_CEDAR_INTERNAL_SCHEMA_TESTING_H_

#include <string>

#include "cedar/schema.h"

namespace domicile::cedar::testing {

// Every declaration, one per line, types fully expanded; equal dumps mean equal schemas.
std::string DumpSchema(const Schema& schema);

// The schema in the JSON format, one namespace per type prefix, every type
// reference fully qualified.
std::string SchemaToJson(const Schema& schema);

}  // namespace domicile::cedar::testing

#endif  // DOMICILE_CEDAR_INTERNAL_SCHEMA_TESTING_H_
