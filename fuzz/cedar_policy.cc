// Fuzzes the Cedar policy parser and, for policies that parse, the formatter
// (its output must re-parse) and the evaluator on a fixed request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cedar/cedar.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace domicile::cedar;
  auto set = PolicySet::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!set.ok()) return 0;
  if (!PolicySet::Parse(set->ToString()).ok()) std::abort();
  static const Entities* entities = [] {
    auto* e = new Entities();
    e->Add(Entity{EntityUid{"User", "a"}, {}, {}, {EntityUid{"Group", "g"}}});
    e->Finalize();
    return e;
  }();
  Request req{EntityUid{"User", "a"}, EntityUid{"Action", "view"}, EntityUid{"Doc", "d"}};
  (void)Authorize(*set, *entities, req, {.strict = true});
  return 0;
}
