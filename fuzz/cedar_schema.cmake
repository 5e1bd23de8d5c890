# Schema parsers (.cedarschema and JSON); owned with src/cedar/schema*.
domicile_fuzzer(fuzz_cedar_schema
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/cedar_schema.cc
  LIBS domicile_cedar
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/cedar_schema)

# The validator: a schema, "%%", then policies (or policies alone).
domicile_fuzzer(fuzz_cedar_schema_validator
  SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/cedar_schema_validator.cc
  LIBS domicile_cedar
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/cedar_schema_validator)
