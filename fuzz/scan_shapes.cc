// The scanner's hand-written span matchers against the regular expressions they
// stand for, at every position of the input (any disagreement traps), and a full
// scan of the input as text: findings inside the buffer, sorted, not overlapping.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/internal/shapes_check.h"
#include "scan/scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* check = new domicile::scan::internal::ShapesCheck();
  static const auto* scanner = domicile::scan::Scanner::Create().value().release();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (size_t s = 0; s < in.size() && s < 512; ++s) {
    if (!check->Compare(in, s).empty()) __builtin_trap();
  }
  uint64_t end = 0;
  for (const auto& f : scanner->Scan(in)) {
    if (f.offset < end || f.length == 0 || f.offset + f.length > size) __builtin_trap();
    end = f.offset + f.length;
  }
  return 0;
}
