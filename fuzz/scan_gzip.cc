// Gzip framing: arbitrary bytes fed in irregular pieces with a small output cap
// per call; output is bounded and errors are sticky.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scan/internal/structured.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  domicile::scan::internal::GzipDecoder decoder;
  std::string out;
  constexpr size_t kMaxOut = 1 << 20;  // a bomb stops here
  size_t piece = 1 + (size % 7);
  while (out.size() < kMaxOut) {
    size_t before = out.size();
    size_t used = 0;
    std::string_view chunk = in.substr(0, piece);
    if (!decoder.Write(chunk, 4096, out, used).ok()) break;
    if (used > chunk.size() || out.size() - before > 4096) __builtin_trap();
    in.remove_prefix(used);
    if (used == 0 && out.size() == before) {
      if (chunk.size() == in.size()) break;  // no progress and no more input
      piece *= 2;
    }
  }
  decoder.Finish().IgnoreError();
  return 0;
}
