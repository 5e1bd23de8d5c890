// Fuzzes entities JSON and context JSON parsing, without a schema and with a
// fixed one (entity conformance checks), and authorizes a request over every
// store that parses (scope index, evaluator).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cedar/cedar.h"

namespace {

using namespace domicile::cedar;

const Schema& FixedSchema() {
  static const Schema* schema = new Schema(*Schema::FromCedarSchema(R"(
    entity Group;
    entity User in [Group] { age: Long, email?: String, addr?: { city: String }, ip?: ipaddr } tags String;
    entity Color enum ["red", "blue"];
    entity Doc { owner: User, color?: Color, readers: Set<User> };
    action view appliesTo { principal: User, resource: Doc, context: { ok: Bool } };
  )"));
  return *schema;
}

const PolicySet& FixedPolicies() {
  static const PolicySet* set = new PolicySet(*PolicySet::Parse(R"(
    permit(principal in Group::"g", action == Action::"view", resource is Doc) when { resource.owner == principal };
    permit(principal, action, resource == Doc::"d") when { principal.age > 3 && principal.hasTag("home") };
    forbid(principal is User, action, resource) when { resource.readers.contains(principal) || context.ok };
  )"));
  return *set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const Request request{EntityUid{"User", "a"}, EntityUid{"Action", "view"}, EntityUid{"Doc", "d"}};
  for (const Schema* schema : {static_cast<const Schema*>(nullptr), &FixedSchema()}) {
    auto entities = Entities::FromJson(text, schema);
    if (entities.ok()) (void)Authorize(FixedPolicies(), *entities, request, {.strict = true});
    (void)ParseContextJson(text, schema, request.action);
  }
  return 0;
}
