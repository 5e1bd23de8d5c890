// Strict validation of Cedar policies against a schema
// (https://docs.cedarpolicy.com/policies/validation.html): type errors,
// unknown entity types and actions, attributes read without a `has` guard,
// scopes that no action of the schema applies to. Each error names the policy
// and the offending expression. The rules are documented in docs/policy.md.
#ifndef DOMICILE_CEDAR_VALIDATOR_H_
#define DOMICILE_CEDAR_VALIDATOR_H_

#include <string>
#include <string_view>
#include <vector>

#include "cedar/schema.h"
#include "common/status.h"

namespace domicile::cedar {

struct ValidationError {
  std::string policy_id;  // "policy0", "policy1", ... in textual order
  std::string message;    // names the offending expression

  std::string ToString() const { return policy_id + ": " + message; }
};

struct ValidationResult {
  std::vector<ValidationError> errors;
  bool ok() const { return errors.empty(); }
};

// Validates every policy of `policies` (Cedar policy text). A syntax error is
// InvalidArgument; a policy that does not validate is an entry of
// ValidationResult::errors (a policy may have several). Thread-safe: no
// shared state.
Result<ValidationResult> ValidatePolicyText(std::string_view policies, const Schema& schema);

}  // namespace domicile::cedar

#endif  // DOMICILE_CEDAR_VALIDATOR_H_
