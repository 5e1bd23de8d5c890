# bench_monitor: the monitor following a growing log over loopback HTTP (entries/s)
# next to a full local re-derivation (tlog AuditLog) and bare leaf hashing; witness
# add-checkpoint latency in process and over HTTP next to its Ed25519 and
# durable-write floors.
add_executable(bench_monitor ${CMAKE_CURRENT_LIST_DIR}/monitor_bench.cc)
target_link_libraries(bench_monitor PRIVATE domicile_monitor domicile_server domicile_tlog domicile_gateway)
