# Cedar policy parser (+ formatter round trip + evaluation) and entities/context JSON.
domicile_fuzzer(fuzz_cedar_policy
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/cedar_policy.cc
  LIBS domicile_cedar
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/cedar_policy)

domicile_fuzzer(fuzz_cedar_entities
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/cedar_entities.cc
  LIBS domicile_cedar
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/cedar_entities)
