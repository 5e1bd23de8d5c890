# bench_vault: sealed vs. plain writes/reads of 1 KB records on RocksDB and
# PostgreSQL (a server started by the test harness in tests/fakes).
pkg_check_modules(DOMICILE_BENCH_VAULT_LIBPQ REQUIRED IMPORTED_TARGET libpq)
add_executable(bench_vault ${CMAKE_CURRENT_SOURCE_DIR}/vault_bench.cc)
target_link_libraries(bench_vault PRIVATE domicile_vault domicile_testing PkgConfig::DOMICILE_BENCH_VAULT_LIBPQ)
