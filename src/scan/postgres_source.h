// PostgreSQL as a scan source: each table is read through a server-side cursor
// (bounded memory whatever the table size) inside a READ ONLY transaction, and
// each non-NULL value is scanned with its column name as context.
#ifndef DOMICILE_SCAN_POSTGRES_SOURCE_H_
#define DOMICILE_SCAN_POSTGRES_SOURCE_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "scan/scanner.h"
#include "scan/source.h"

namespace domicile::scan {

// Scans `tables` ("schema.table" or "table"; empty: every ordinary table outside
// the system schemas) of the database at `conninfo` (libpq syntax). A finding's
// path is "pg:<schema>.<table>/<column>/<ctid>" and its offset is the byte offset
// within the value's text form. Table names are resolved by the server
// (to_regclass) and quoted by it, never spliced into SQL as given.
Result<ScanStats> ScanPostgres(const Scanner& scanner, const std::string& conninfo,
                               const std::vector<std::string>& tables, const FindingSink& on_findings,
                               size_t rows_per_fetch = 1000);

}  // namespace domicile::scan

#endif  // DOMICILE_SCAN_POSTGRES_SOURCE_H_
