# HTTP request parsing with the server's limits (Boost.Beast parser), then routing and
# the front door (request context + authentication) on the parsed request. Owned
# with src/server.
find_package(Boost 1.74 REQUIRED COMPONENTS system)
domicile_fuzzer(fuzz_server_http_request
  SOURCE ${CMAKE_CURRENT_LIST_DIR}/server_http_request.cc
  LIBS domicile_server Boost::system
  CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/server_http_request)
