# Parsers of untrusted input in the scanner's sources: CSV records and headers,
# JSON Lines key lookup, gzip framing; and the scanner's own span matchers
# (differential against their regexes). Owned with src/scan.
foreach(_scan_fuzzer csv jsonl gzip shapes)
  domicile_fuzzer(fuzz_scan_${_scan_fuzzer}
    SOURCE ${CMAKE_CURRENT_LIST_DIR}/scan_${_scan_fuzzer}.cc
    LIBS domicile_scan
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/scan_${_scan_fuzzer})
endforeach()
