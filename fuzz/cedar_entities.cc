// Fuzzes entities JSON and context JSON parsing (no schema).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cedar/cedar.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace domicile::cedar;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)Entities::FromJson(text);
  (void)ParseContextJson(text, nullptr, EntityUid{"Action", "view"});
  return 0;
}
