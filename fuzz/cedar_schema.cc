// Fuzz target for both schema parsers (Schema::FromCedarSchema and
// Schema::FromJson). Any input must give a Schema or an error, never a crash,
// hang or unbounded memory; an accepted schema must satisfy the data model's
// invariants (references resolve, shapes and contexts are records).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cedar/schema.h"

namespace {

using domicile::cedar::Schema;
using domicile::cedar::SchemaType;

void CheckInvariants(const Schema& s) {
  for (const auto& [name, e] : s.entity_types()) {
    if (e.name != name || e.shape.kind != SchemaType::Kind::kRecord) std::abort();
    for (const auto& parent : e.member_of) {
      if (s.FindEntityType(parent) == nullptr) std::abort();
    }
  }
  for (const auto& [uid, a] : s.actions()) {
    if (a.uid != uid || a.context.kind != SchemaType::Kind::kRecord) std::abort();
    for (const auto& parent : a.member_of) {
      if (s.FindAction(parent) == nullptr) std::abort();
    }
    for (const auto& t : a.principal_types) {
      if (s.FindEntityType(t) == nullptr) std::abort();
    }
    for (const auto& t : a.resource_types) {
      if (s.FindEntityType(t) == nullptr) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto s = Schema::FromCedarSchema(text); s.ok()) CheckInvariants(*s);
  if (auto s = Schema::FromJson(text); s.ok()) CheckInvariants(*s);
  return 0;
}
