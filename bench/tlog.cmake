# bench_tlog_append: durable group-commit appends/s next to plain SHA-256 leaf hashing.
add_executable(bench_tlog_append ${CMAKE_CURRENT_LIST_DIR}/tlog_append.cc)
target_link_libraries(bench_tlog_append PRIVATE domicile_tlog)
