// Views of a field value: what a decision lets a requester see. `plain` is the value,
// `masked` keeps only a coarse part (last four digits, year of birth, city-level
// location, email domain, initial), `pseudonym` is a keyed HMAC-SHA-256 of the value
// that is stable per key and field, so joins work without revealing the value.
#ifndef DOMICILE_GATEWAY_MASKING_H_
#define DOMICILE_GATEWAY_MASKING_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace domicile::gateway {

// Ordered from least to most revealing; the gateway answers with the highest allowed.
enum class View { kNone = 0, kPseudonym = 1, kMasked = 2, kPlain = 3 };
std::string_view ViewName(View view);  // "none", "pseudonym", "masked", "plain"
std::optional<View> ViewFromName(std::string_view name);
// The Cedar action that asks for a view: read, read-masked, read-pseudonym.
std::string_view ViewAction(View view);

// How a field is masked; set per field by the classification.
enum class MaskKind {
  kRedact,       // nothing kept ("***")
  kLastFour,     // phone, card, account numbers: every digit but the last four hidden
  kYear,         // dates: "1987-04-12" -> "1987"
  kCoordinates,  // [lat, lon] or {"lat","lon"} or "lat,lon": one decimal (~11 km)
  kEmail,        // "alice@example.com" -> "***@example.com"
  kInitial,      // names: first letter then "."
};
std::optional<MaskKind> MaskKindFromName(std::string_view name);  // redact, last4, year, coordinates, email, initial

// The masked form of `value`; InvalidArgument if the value does not fit the kind
// (the gateway then treats the masked view as unavailable for that field).
Result<nlohmann::json> MaskValue(MaskKind kind, const nlohmann::json& value);

// base64url(HMAC-SHA-256(key, "domicile/pseudonym/v1" 0 field 0 canonical-json(value))).
// `field` is the qualified field name ("profile.phone"); key must be >= 32 bytes.
Result<std::string> Pseudonymize(std::string_view key, std::string_view field, const nlohmann::json& value);

// The pseudonym of a subject id, as written into audit entries (no data values in the log).
Result<std::string> SubjectPseudonym(std::string_view key, std::string_view subject_id);

}  // namespace domicile::gateway

#endif  // DOMICILE_GATEWAY_MASKING_H_
