// The kinds of personal data the discovery scanner recognises, and one finding.
// Shared by the scanner, its sources and reports, the residency report and the
// egress guard. Names are the stable strings printed in every output format.
#ifndef DOMICILE_SCAN_ENTITY_H_
#define DOMICILE_SCAN_ENTITY_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace domicile::scan {

enum class Entity : uint8_t {
  kEmailAddress,
  kPhoneNumber,
  kDateOfBirth,
  kCreditCard,
  kUsSsn,
  kIpAddress,
  kIbanCode,
  kMacAddress,
  kGeoCoordinate,
  kImei,
  kAdvertisingId,
};
inline constexpr int kEntityCount = 11;

// "EMAIL_ADDRESS", "PHONE_NUMBER", ... (the names in docs/scan.md).
std::string_view EntityName(Entity e);
std::optional<Entity> ParseEntity(std::string_view name);

// One piece of personal data found in a buffer. `offset` is relative to the start
// of the buffer handed to the scanner (sources add the position of that buffer in
// the file). `score` is in (0, 1]: how sure the scanner is.
struct Finding {
  uint64_t offset = 0;
  uint32_t length = 0;
  Entity entity = Entity::kEmailAddress;
  float score = 0;
};

}  // namespace domicile::scan

#endif  // DOMICILE_SCAN_ENTITY_H_
