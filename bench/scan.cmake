# bench_scan: scanner throughput per core on a generated >= 200 MB mixed corpus,
# next to ripgrep running the same candidate regexes over the same file.
# bench/scan_bench.sh installs ripgrep when it is missing and runs it.
add_executable(bench_scan ${CMAKE_CURRENT_LIST_DIR}/scan_bench.cc)
pkg_check_modules(DOMICILE_BENCH_HS REQUIRED IMPORTED_TARGET libhs)
target_link_libraries(bench_scan PRIVATE domicile_scan PkgConfig::DOMICILE_BENCH_HS)
