# bench_cedar: authorization latency (median, p99, decisions/s) on three
# Cedar-paper-shaped workloads, next to re-parsing the policies per request.
add_executable(bench_cedar ${CMAKE_CURRENT_LIST_DIR}/cedar_bench.cc)
target_link_libraries(bench_cedar PRIVATE domicile_cedar)
