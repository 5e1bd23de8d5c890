# bench_vault: sealed vs. plain writes/reads of 1 KB records on RocksDB.
add_executable(bench_vault ${CMAKE_CURRENT_SOURCE_DIR}/vault_bench.cc)
target_link_libraries(bench_vault PRIVATE domicile_vault)
