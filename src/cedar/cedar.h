// The Cedar authorizer: parse a policy set once, load entities (JSON or built
// in code), build requests, and decide them. A PolicySet and an Entities are
// immutable after construction and may be shared by any number of threads
// calling Authorize concurrently (no locks, no shared mutable state).
#ifndef DOMICILE_CEDAR_CEDAR_H_
#define DOMICILE_CEDAR_CEDAR_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cedar/ast.h"
#include "cedar/schema.h"
#include "common/status.h"

namespace domicile::cedar {

// Expression nesting accepted by the parsers (policies and JSON) before they
// fail with InvalidArgument "nesting too deep".
inline constexpr int kMaxNesting = 128;

class Entities;
struct Request;
struct Response;
struct AuthorizeOptions;

struct EntityHash {
  std::size_t operator()(const EntityUid& u) const {
    return std::hash<std::string>()(u.type) * 31 + std::hash<std::string>()(u.id);
  }
};

class PolicySet {
 public:
  // Parses Cedar policy text; ids are policy0, policy1, ... in textual order.
  // A syntax error is InvalidArgument with line:column.
  static Result<PolicySet> Parse(std::string_view text);
  const std::vector<Policy>& policies() const { return policies_; }
  std::string ToString() const;  // the formatted policy set

 private:
  friend Response Authorize(const PolicySet&, const Entities&, const Request&, const AuthorizeOptions&);
  void BuildIndex();

  std::vector<Policy> policies_;
  // Scope index, built by Parse, one per scope variable (principal, action,
  // resource): the policies whose constraint names nothing (bitmask over
  // policy positions), and the positions of those naming an entity (`==`,
  // `in`, `in [...]`, the `in` of `is ... in`) or only a type (`is`). A
  // request's candidates for a variable are `unkeyed` plus the lists of its
  // entity, the entity's ancestors and its type; the authorizer takes the
  // variable with the fewest candidates and checks each candidate's scope in
  // full.
  struct ScopeIndex {
    std::vector<std::uint64_t> unkeyed;
    std::size_t unkeyed_count = 0;
    std::unordered_map<EntityUid, std::vector<std::uint32_t>, EntityHash> by_entity;
    std::unordered_map<std::string, std::vector<std::uint32_t>> by_type;
  };
  ScopeIndex index_[3];
};

struct Entity {
  EntityUid uid;
  ValueRecord attrs;
  ValueRecord tags;
  std::vector<EntityUid> parents;
};

// An entity store with the transitive ancestor set of every entity
// precomputed (Finalize).
class Entities {
 public:
  // Entities JSON (https://docs.cedarpolicy.com/auth/entities-syntax.html).
  // With a schema, attributes are read by their declared types (implicit
  // extension values and entity references) and the schema's action entities
  // with their groups are added.
  static Result<Entities> FromJson(std::string_view json, const Schema* schema = nullptr);

  // Programmatic construction: Add (replaces an entity with the same uid),
  // then Finalize before use.
  void Add(Entity e);
  void Finalize();

  // An entity with its transitive strict ancestors (sorted, deduplicated).
  struct Node {
    Entity entity;
    std::vector<EntityUid> ancestors;
    bool HasAncestor(const EntityUid& uid) const;
  };

  const Entity* Find(const EntityUid& uid) const;
  const Node* FindNode(const EntityUid& uid) const;
  // Whether `ancestor` is a strict transitive parent of `uid`.
  bool IsAncestor(const EntityUid& uid, const EntityUid& ancestor) const;
  std::size_t size() const { return entities_.size(); }

 private:
  std::unordered_map<EntityUid, Node, EntityHash> entities_;
};

struct Request {
  EntityUid principal, action, resource;
  Value context = Value::Record({});
};

// Parses a context JSON object. With a schema and an action declared in it,
// values are read by the action's context type.
Result<Value> ParseContextJson(std::string_view json, const Schema* schema, const EntityUid& action);

// Checks the request against the schema: the action is declared, the
// principal and resource types are ones it applies to, the context conforms.
Status ValidateRequest(const Request& request, const Schema& schema);

enum class Decision { kAllow, kDeny };

struct PolicyError {
  std::string policy_id;
  std::string message;
};

struct Response {
  Decision decision = Decision::kDeny;
  std::vector<std::string> reasons;  // determining policies
  std::vector<PolicyError> errors;   // policies whose evaluation failed
};

struct AuthorizeOptions {
  // Strict: a `forbid` policy that errors denies the request (fail closed).
  // Off: Cedar semantics (an erroring policy is skipped).
  bool strict = false;
};

// Forbid overrides permit, default deny. Thread-safe.
Response Authorize(const PolicySet& policies, const Entities& entities, const Request& request,
                   const AuthorizeOptions& options = {});

// Evaluates one expression (for tests and tools). Errors are InvalidArgument
// with Cedar's error description.
Result<Value> Evaluate(const Expr& expr, const Entities& entities, const Request& request);

}  // namespace domicile::cedar

#endif  // DOMICILE_CEDAR_CEDAR_H_
