// JSON Lines key lookup at every byte of hostile records, and a full scan of the
// input as JSON Lines.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/internal/structured.h"
#include "scan/scanner.h"
#include "scan/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* scanner = domicile::scan::Scanner::Create().value().release();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (size_t pos = 0; pos <= in.size() && pos < 4096; ++pos) {
    std::string_view key = domicile::scan::internal::JsonKeyAt(in, pos);
    // The key is a view into the input.
    if (!key.empty() && (key.data() < in.data() || key.data() + key.size() > in.data() + in.size())) {
      __builtin_trap();
    }
  }
  for (const auto& f : domicile::scan::ScanBuffer(*scanner, in, domicile::scan::Format::kJsonLines)) {
    if (f.finding.offset + f.finding.length > size) __builtin_trap();
  }
  return 0;
}
