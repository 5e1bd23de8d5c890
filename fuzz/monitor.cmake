# Untrusted input the custodian's side handles: add-checkpoint bodies (witness),
# misbehaviour proof files, and log entries under the compliance rules. Owned with
# src/monitor and src/tlog/witness*.
domicile_fuzzer(fuzz_monitor_witness
  SOURCE ${CMAKE_CURRENT_LIST_DIR}/monitor_witness.cc
  LIBS domicile_tlog domicile_testing
  CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/monitor_witness)
foreach(_monitor_fuzzer evidence rules)
  domicile_fuzzer(fuzz_monitor_${_monitor_fuzzer}
    SOURCE ${CMAKE_CURRENT_LIST_DIR}/monitor_${_monitor_fuzzer}.cc
    LIBS domicile_monitor
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/monitor_${_monitor_fuzzer})
endforeach()
