# Helpers shared by the module CMakeLists.

# domicile_test(NAME SOURCES a_test.cc ... LIBS lib ... [LABELS heavy])
# Builds one GoogleTest binary and registers its tests with CTest. Tests labelled
# "heavy" run in the release build only, not again under the sanitizers.
function(domicile_test name)
  if(NOT DOMICILE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} domicile_testing GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE DOMICILE_SHARED_DIR="${DOMICILE_SHARED_DIR}"
                             DOMICILE_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
                       PROPERTIES ENVIRONMENT "DOMICILE_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
                                  LABELS "${ARG_LABELS}")
endfunction()

# domicile_fuzzer(NAME SOURCE fuzz_x.cc LIBS lib ... CORPUS dir)
# With DOMICILE_FUZZ (clang) it is a libFuzzer binary. Otherwise it is linked with a
# small driver that replays every file of the seed corpus, registered as a test, so
# the corpus runs in CI under the sanitizer build.
function(domicile_fuzzer name)
  cmake_parse_arguments(ARG "" "SOURCE;CORPUS" "LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCE})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  if(DOMICILE_FUZZ)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_link_libraries(${name} PRIVATE domicile_fuzz_replay)
    if(DOMICILE_BUILD_TESTS AND ARG_CORPUS)
      add_test(NAME fuzz_replay.${name} COMMAND ${name} ${ARG_CORPUS})
    endif()
  endif()
endfunction()
