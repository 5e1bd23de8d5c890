// `domicile policy validate --policies P --schema S`: strict validation of a
// policy file against a schema (.cedarschema, or JSON when the file is a JSON
// object). Prints each error as "policyN: message" and exits 1 if any policy
// fails; prints "valid" and exits 0 otherwise. Runs after any other `policy`
// command file (registrations run in name order) and joins its `policy`
// subcommand if there is one.
#include <cstdio>
#include <string>
#include <string_view>

#include "cedar/schema.h"
#include "cedar/validator.h"
#include "cli/command.h"
#include "common/file.h"

namespace domicile::cli {
namespace {

Result<cedar::Schema> LoadSchema(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, FileSystem::Default()->ReadFile(path));
  std::size_t first = text.find_first_not_of(" \t\r\n");
  auto schema = first != std::string::npos && text[first] == '{' ? cedar::Schema::FromJson(text)
                                                                 : cedar::Schema::FromCedarSchema(text);
  if (!schema.ok()) return schema.status().Annotate("schema " + path);
  return schema;
}

Status Validate(const std::string& policies_path, const std::string& schema_path) {
  ASSIGN_OR_RETURN(cedar::Schema schema, LoadSchema(schema_path));
  ASSIGN_OR_RETURN(std::string policies, FileSystem::Default()->ReadFile(policies_path));
  auto result = cedar::ValidatePolicyText(policies, schema);
  if (!result.ok()) return result.status().Annotate("policies " + policies_path);
  for (const cedar::ValidationError& e : result->errors) std::printf("%s\n", e.ToString().c_str());
  if (!result->ok()) {
    ExitCode() = 1;
  } else {
    std::printf("valid\n");
  }
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto named = [](const char* name) { return [name](CLI::App* s) { return s->get_name() == name; }; };
  auto existing = root.get_subcommands(named("policy"));
  CLI::App* policy = existing.empty() ? root.add_subcommand("policy", "Cedar policies") : existing[0];
  if (!policy->get_subcommands(named("validate")).empty()) return;  // the policy command file has it
  static std::string policies, schema;
  auto* validate = policy->add_subcommand("validate", "Validate policies against a schema (strict mode)");
  validate->add_option("--policies", policies, "Cedar policy file")->required();
  validate->add_option("--schema", schema, "Schema file (.cedarschema or JSON)")->required();
  validate->callback([] {
    Status st = Validate(policies, schema);
    if (!st.ok()) Fail(st);
  });
}

}  // namespace
}  // namespace domicile::cli

DOMICILE_REGISTER_COMMAND(policy_validate, domicile::cli::Setup);
