// Fuzz target for the validator (policy parsing, lowering and type checking).
// Input: a .cedarschema text, a line "%%", then Cedar policy text; without the
// separator the whole input is policies checked against a fixed schema. Any
// input must give a result or an error, never a crash, hang or deep recursion.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cedar/schema.h"
#include "cedar/validator.h"

namespace {

constexpr std::string_view kDefaultSchema = R"(
  entity Group;
  entity User in [Group] { name: String, age: Long, nick?: String, groups: Set<Group> } tags String;
  entity Doc in [Group] { owner: User, ip: ipaddr, when: datetime, price: decimal };
  entity Color enum ["red", "blue"];
  action read, write appliesTo { principal: User, resource: [Doc, Color], context: { mfa: Bool, d?: duration } };
  action all;
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using domicile::cedar::Schema;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view schema_text = kDefaultSchema;
  std::string_view policies = input;
  if (std::size_t sep = input.find("\n%%\n"); sep != std::string_view::npos) {
    schema_text = input.substr(0, sep);
    policies = input.substr(sep + 4);
  }
  auto schema = Schema::FromCedarSchema(schema_text);
  if (!schema.ok()) return 0;
  auto result = domicile::cedar::ValidatePolicyText(policies, *schema);
  if (result.ok()) {
    for (const auto& e : result->errors) {
      if (e.policy_id.empty() || e.message.empty()) std::abort();
    }
  }
  return 0;
}
