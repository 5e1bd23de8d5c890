# bench_store: durable writes/s and reads/s of 1 KiB records through the Store
# interface (memory baseline, RocksDB, PostgreSQL 15 started by the test harness).
add_executable(bench_store ${CMAKE_CURRENT_SOURCE_DIR}/store_bench.cc)
pkg_check_modules(DOMICILE_BENCH_LIBPQ REQUIRED IMPORTED_TARGET libpq)
target_link_libraries(bench_store PRIVATE domicile_store domicile_testing PkgConfig::DOMICILE_BENCH_LIBPQ)
