// Private to the evaluator and the JSON readers: Cedar's extension functions
// and methods (ipaddr, decimal, datetime, duration).
#ifndef DOMICILE_CEDAR_INTERNAL_EXTENSIONS_H_
#define DOMICILE_CEDAR_INTERNAL_EXTENSIONS_H_

#include <span>
#include <string_view>

#include "cedar/ast.h"
#include "common/status.h"

namespace domicile::cedar::internal {

// Calls the constructor (`ip`, `decimal`, `datetime`, `duration`) or method
// (receiver first) named `name`. Bad arguments are InvalidArgument.
Result<Value> CallExtension(std::string_view name, std::span<const Value* const> args);

}  // namespace domicile::cedar::internal

#endif  // DOMICILE_CEDAR_INTERNAL_EXTENSIONS_H_
