// Fuzzes the JSON inputs the gateway parses: API request bodies (write, lookup, export)
// and field lists, the
// directory (Cedar entities JSON) and audit entries (as a monitor would read them).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/api_body.h"
#include "gateway/audit_entry.h"
#include "gateway/directory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace domicile::gateway;  // NOLINT
  const std::string input(reinterpret_cast<const char*>(data), size);
  (void)ParseSubjectWrite(input);
  (void)ParseLookupRequest(input);
  (void)ParseExportRequest(input);
  (void)ParseFieldList(input);
  (void)Directory::Parse(input);
  auto entry = AuditEntry::FromJson(input);
  // A parsed entry re-encodes to something that parses to the same encoding.
  if (entry.ok()) {
    auto again = AuditEntry::FromJson(entry->ToJson());
    if (!again.ok() || again->ToJson() != entry->ToJson()) std::abort();
  }
  return 0;
}
