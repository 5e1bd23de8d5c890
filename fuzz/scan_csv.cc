// CSV header parsing, column lookup at every byte, and a full scan of the input
// as a CSV file (field names from the header).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scan/internal/structured.h"
#include "scan/scanner.h"
#include "scan/source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* scanner = domicile::scan::Scanner::Create().value().release();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (char delimiter : {',', '\t'}) {
    auto header = domicile::scan::internal::ParseCsvHeader(in, delimiter, 64);
    if (header.empty() || header.size() > 64) __builtin_trap();
    for (size_t pos = 0; pos <= in.size() && pos < 4096; ++pos) {
      if (domicile::scan::internal::CsvColumnAt(in, pos, delimiter) > pos) __builtin_trap();
    }
  }
  for (const auto& f : domicile::scan::ScanBuffer(*scanner, in, domicile::scan::Format::kCsv)) {
    if (f.finding.offset + f.finding.length > size) __builtin_trap();
  }
  return 0;
}
