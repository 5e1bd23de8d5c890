# Parsers of untrusted input in the gateway: bearer tokens (JWT/JWS) and JWKs, the
# network map text and X-Forwarded-For lists, API JSON bodies and field lists, the
# directory and audit entries. Owned with src/gateway.
foreach(_gateway_fuzzer jwt network_map json_body)
  domicile_fuzzer(fuzz_gateway_${_gateway_fuzzer}
    SOURCE ${CMAKE_CURRENT_LIST_DIR}/gateway_${_gateway_fuzzer}.cc
    LIBS domicile_gateway
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/gateway_${_gateway_fuzzer})
endforeach()
