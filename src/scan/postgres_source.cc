#include "scan/postgres_source.h"

#include <libpq-fe.h>

#include <memory>

namespace domicile::scan {
namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using PgResult = std::unique_ptr<PGresult, ResultCloser>;

Status PgError(PGconn* c, std::string_view what) {
  std::string msg = PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return UnavailableError("postgres: " + std::string(what) + ": " + msg);
}

Result<PgResult> Exec(PGconn* c, const std::string& sql, ExecStatusType want) {
  PgResult r(PQexec(c, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != want) return PgError(c, sql.substr(0, sql.find(' ', 8)));
  return r;
}

// The server-quoted name of `table`, or NotFound.
Result<std::string> QuoteTable(PGconn* c, const std::string& table) {
  const char* params[] = {table.c_str()};
  PgResult r(PQexecParams(c,
                          "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
                          1, nullptr, params, nullptr, nullptr, 0));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) return PgError(c, "resolving " + table);
  if (PQntuples(r.get()) != 1) return NotFoundError("postgres: no such table " + table);
  return std::string(PQgetvalue(r.get(), 0, 0));
}

Result<std::vector<std::string>> AllTables(PGconn* c) {
  ASSIGN_OR_RETURN(PgResult r, Exec(c,
                                    "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables "
                                    "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN "
                                    "('pg_catalog', 'information_schema') ORDER BY 1",
                                    PGRES_TUPLES_OK));
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) out.emplace_back(PQgetvalue(r.get(), i, 0));
  return out;
}

Status ScanTable(const Scanner& scanner, PGconn* c, const std::string& quoted, size_t rows_per_fetch,
                 const FindingSink& on_findings, ScanStats& stats) {
  RETURN_IF_ERROR(Exec(c, "BEGIN TRANSACTION READ ONLY", PGRES_COMMAND_OK).status());
  Status st = [&]() -> Status {
    RETURN_IF_ERROR(Exec(c, "DECLARE domicile_scan NO SCROLL CURSOR FOR SELECT ctid::text, * FROM " + quoted,
                         PGRES_COMMAND_OK)
                        .status());
    const std::string fetch = "FETCH " + std::to_string(rows_per_fetch) + " FROM domicile_scan";
    for (;;) {
      ASSIGN_OR_RETURN(PgResult r, Exec(c, fetch, PGRES_TUPLES_OK));
      int rows = PQntuples(r.get());
      if (rows == 0) break;
      int cols = PQnfields(r.get());
      for (int row = 0; row < rows; ++row) {
        std::string ctid = PQgetvalue(r.get(), row, 0);
        for (int col = 1; col < cols; ++col) {
          if (PQgetisnull(r.get(), row, col)) continue;
          std::string_view value(PQgetvalue(r.get(), row, col), PQgetlength(r.get(), row, col));
          stats.bytes += value.size();
          std::vector<Finding> found = scanner.ScanField(value, PQfname(r.get(), col));
          if (found.empty()) continue;
          std::vector<LocatedFinding> located;
          for (const Finding& f : found) {
            located.push_back({f, MaskValue(value.substr(f.offset, f.length), f.entity)});
          }
          stats.findings += located.size();
          on_findings("pg:" + quoted + "/" + PQfname(r.get(), col) + "/" + ctid, located);
        }
      }
    }
    return Exec(c, "CLOSE domicile_scan", PGRES_COMMAND_OK).status();
  }();
  if (!st.ok()) {
    PgResult(PQexec(c, "ROLLBACK"));
    return st;
  }
  RETURN_IF_ERROR(Exec(c, "COMMIT", PGRES_COMMAND_OK).status());
  ++stats.sources;
  return Status::Ok();
}

}  // namespace

Result<ScanStats> ScanPostgres(const Scanner& scanner, const std::string& conninfo,
                               const std::vector<std::string>& tables, const FindingSink& on_findings,
                               size_t rows_per_fetch) {
  if (rows_per_fetch == 0) return InvalidArgumentError("rows_per_fetch must be positive");
  Conn conn(PQconnectdb(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) return PgError(conn.get(), "connect");
  std::vector<std::string> quoted;
  if (tables.empty()) {
    ASSIGN_OR_RETURN(quoted, AllTables(conn.get()));
  } else {
    for (const std::string& t : tables) {
      ASSIGN_OR_RETURN(std::string q, QuoteTable(conn.get(), t));
      quoted.push_back(std::move(q));
    }
  }
  ScanStats stats;
  for (const std::string& q : quoted) {
    RETURN_IF_ERROR(ScanTable(scanner, conn.get(), q, rows_per_fetch, on_findings, stats));
  }
  return stats;
}

}  // namespace domicile::scan
