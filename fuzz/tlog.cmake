# Parsers of untrusted input in the audit log: signed notes and keys, checkpoint
# text and entry bundles, tlog-proof and add-checkpoint bodies. Owned with src/tlog.
foreach(_tlog_fuzzer note checkpoint proof)
  domicile_fuzzer(fuzz_tlog_${_tlog_fuzzer}
    SOURCE ${CMAKE_CURRENT_LIST_DIR}/tlog_${_tlog_fuzzer}.cc
    LIBS domicile_tlog
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/tlog_${_tlog_fuzzer})
endforeach()
