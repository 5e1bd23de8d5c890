# The change-stream receiver of backup/global sites (docs/sites.md).
domicile_fuzzer(fuzz_replication_batch
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/replication_batch.cc
  LIBS domicile_vault
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/replication_batch)
# Restore over HTTP: a backup's export requests and the pages a restoring enclave reads.
domicile_fuzzer(fuzz_replication_export
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/replication_export.cc
  LIBS domicile_vault
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/replication_export)
# A global site's projection receiver: sealed, signed batches of interoperable values.
domicile_fuzzer(fuzz_replication_projection
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/replication_projection.cc
  LIBS domicile_vault
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/replication_projection)
