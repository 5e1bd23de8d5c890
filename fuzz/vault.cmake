# Vault parsers of untrusted input; owned with src/vault and the crypto envelope.
domicile_fuzzer(fuzz_vault_sealed
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/vault_sealed.cc
  LIBS domicile_crypto domicile_testing
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/vault_sealed)
domicile_fuzzer(fuzz_vault_config
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/vault_config.cc
  LIBS domicile_vault
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/vault_config)
