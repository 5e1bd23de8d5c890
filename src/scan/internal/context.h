// Context scoring: words near a match and the name of the structured field that
// holds it (JSON key, CSV header, SQL column) make a finding more or less likely.
// The word lists are documented in docs/scan.md.
#ifndef DOMICILE_SCAN_INTERNAL_CONTEXT_H_
#define DOMICILE_SCAN_INTERNAL_CONTEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "scan/entity.h"

namespace domicile::scan::internal {

struct ContextHit {
  bool positive = false;  // a supporting word nearby or in the field name
  bool field = false;     // the support came from the field name
  bool negative = false;  // a word that argues against (e.g. "version" before an IP)
};

// Looks at up to 32 bytes before [begin, end) and 24 after in `text` (on the
// match's line, whole words; see docs/scan.md), and at `field` (may be empty).
// With `positive_required`, a result without positive support is returned as
// soon as that is known (its `negative` is then not computed).
ContextHit FindContext(Entity entity, std::string_view text, size_t begin, size_t end,
                       std::string_view field, bool positive_required = false);

// Lower-case words separated by single spaces, with a space at both ends;
// camelCase and snake_case are split ("dateOfBirth" -> " date of birth ").
std::string NormalizeWords(std::string_view s);

}  // namespace domicile::scan::internal

#endif  // DOMICILE_SCAN_INTERNAL_CONTEXT_H_
