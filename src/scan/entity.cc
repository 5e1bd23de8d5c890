#include "scan/entity.h"

#include <array>

namespace domicile::scan {
namespace {
constexpr std::array<std::string_view, kEntityCount> kNames = {
    "EMAIL_ADDRESS", "PHONE_NUMBER", "DATE_OF_BIRTH", "CREDIT_CARD",    "US_SSN",       "IP_ADDRESS",
    "IBAN_CODE",     "MAC_ADDRESS",  "GEO_COORDINATE", "IMEI", "ADVERTISING_ID",
};
}  // namespace

std::string_view EntityName(Entity e) { return kNames[static_cast<size_t>(e)]; }

std::optional<Entity> ParseEntity(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Entity>(i);
  }
  return std::nullopt;
}

}  // namespace domicile::scan
