# HTTP request parsing with the server's limits (Boost.Beast parser), then routing, the
# front door and every data route over an in-memory vault. Owned with src/server.
find_package(Boost 1.74 REQUIRED COMPONENTS system)
domicile_fuzzer(fuzz_server_http_request
  SOURCE ${CMAKE_CURRENT_LIST_DIR}/server_http_request.cc
  LIBS domicile_server domicile_testing Boost::system
  CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/server_http_request)
