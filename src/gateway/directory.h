// The directory of principals: who may ask, with the attributes policies decide on
// (employer entity, groups, work country, clearance). Loaded from a Cedar entities
// JSON file; the raw JSON is kept so the Cedar entity loader can use the same file
// for policy evaluation, and an index by id answers "who is this token's subject".
#ifndef DOMICILE_GATEWAY_DIRECTORY_H_
#define DOMICILE_GATEWAY_DIRECTORY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace domicile::gateway {

// A Cedar entity uid.
struct EntityUid {
  std::string type;  // e.g. "Domicile::Employee"
  std::string id;
  std::string ToCedar() const;  // Domicile::Employee::"alice" (id escaped)
  friend bool operator==(const EntityUid&, const EntityUid&) = default;
  friend auto operator<=>(const EntityUid&, const EntityUid&) = default;
};

// The requester, as the directory describes it. Built once per request.
struct Principal {
  EntityUid uid;
  std::optional<EntityUid> employer;  // attr "employer" (an entity reference)
  std::string work_country;           // attr "work_country"
  int64_t clearance = 0;              // attr "clearance"
  std::vector<EntityUid> groups;      // the entity's parents
  // How the requester proved who it is: "jwt:<issuer>" or "mtls".
  std::string authenticated_by;
};

// Immutable after Parse(); safe for concurrent lookups.
class Directory {
 public:
  // `entities_json` is a Cedar entities array. Entities whose type is one of
  // `principal_types` become principals; uids must be unique.
  static Result<Directory> Parse(std::string_view entities_json,
                                 std::vector<std::string> principal_types = {"Domicile::Employee",
                                                                             "Domicile::Service"});

  // The principal whose id is `subject` (a token's `sub` or a certificate's
  // subject mapping). NotFound if none; ambiguity across types is rejected at Parse.
  Result<Principal> Find(std::string_view subject) const;

  // The file as given, for the Cedar entity loader.
  const std::string& raw_json() const { return raw_json_; }
  size_t size() const { return principals_.size(); }

 private:
  std::string raw_json_;
  std::map<std::string, Principal, std::less<>> principals_;  // by id
};

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_DIRECTORY_H_
