# bench_gateway: a wrapper that runs bench/gateway_wrk.sh (wrk against the demo gateway
# and against nginx serving a same-size static file) with this build's domicile binary.
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/bin/bench_gateway
     CONTENT "#!/bin/sh\nexec bash ${CMAKE_CURRENT_LIST_DIR}/gateway_wrk.sh $<TARGET_FILE:domicile> \"$@\"\n"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
