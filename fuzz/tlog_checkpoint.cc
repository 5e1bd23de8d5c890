// Fuzzes checkpoint text and entry bundle parsing. Invariants: no crash; a parsed
// checkpoint formats back to exactly its input text; a split bundle re-encodes to
// its input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tlog/checkpoint.h"
#include "tlog/tiles.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile::tlog;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto cp = ParseCheckpointText(in);
  if (cp.ok() && cp->Text() != in) std::abort();
  ParseUnverifiedCheckpoint(in).status().IgnoreError();
  auto entries = SplitBundle(in);
  if (entries.ok()) {
    std::string again;
    for (std::string_view e : *entries) AppendBundleEntry(again, e);
    if (again != in) std::abort();
  }
  return 0;
}
