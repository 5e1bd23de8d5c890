# bench_cedar: authorization latency (median, p99, decisions/s) on three
# Cedar-paper-shaped workloads, next to re-parsing the policies or the
# entities per request. bench/cedar_side_by_side.sh adds the official Cedar
# build (cedar-wasm, bench/cedar-wasm/) on the same input.
find_package(nlohmann_json 3 REQUIRED)
add_executable(bench_cedar ${CMAKE_CURRENT_LIST_DIR}/cedar_bench.cc)
target_link_libraries(bench_cedar PRIVATE domicile_cedar nlohmann_json::nlohmann_json)
