# Decoders of the RocksDB backend's stored keys and values; owned with src/store/rocksdb/key_codec*.
domicile_fuzzer(fuzz_store_records
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/store_records.cc
  LIBS domicile_store
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/store_records)
