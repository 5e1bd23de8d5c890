# The change-stream receiver of backup/global sites (docs/sites.md).
domicile_fuzzer(fuzz_replication_batch
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/replication_batch.cc
  LIBS domicile_vault
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/replication_batch)
