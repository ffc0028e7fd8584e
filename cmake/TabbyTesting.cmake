# Test helpers. Every test is an ordinary ctest case with a label that says what it needs:
#   unit     fast, no root, per module (also run under ASan+UBSan in CI)
#   fuzz     replay of a fuzzer's checked-in corpus (no root)
#   lab      root: network namespaces, veths, bridges, real daemons
#   interop  lab tests against real BIRD 2 / FRR / GoBGP / etcd
#   uml      lab tests that need a kernel feature the host lacks (ipip), run in User-Mode Linux
include(GoogleTest)

# Where uml-run lives: the shared tool beside the checkout, else the copy in test/lab.
if(EXISTS ${CMAKE_SOURCE_DIR}/../shared/tools/uml-run)
  set(TABBY_UML_RUN ${CMAKE_SOURCE_DIR}/../shared/tools/uml-run CACHE FILEPATH "uml-run")
else()
  set(TABBY_UML_RUN ${CMAKE_SOURCE_DIR}/test/lab/uml-run CACHE FILEPATH "uml-run")
endif()

# The executable every kind of test is built as: GoogleTest with gmock and gtest_main.
function(tabby_test_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
endfunction()

function(tabby_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  tabby_test_executable(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

function(tabby_unit_test name)
  tabby_test(${name} ${ARGN} LABELS unit)
endfunction()

# A lab test runs as root on the host; the lab_leftovers check runs after all of them. Lab
# tests run side by side (ctest -j): each makes namespaces, bridges and run directories of its
# own names, and they mostly wait on daemons and timers. PROCESSORS is how many of ctest's job
# slots the test takes (a whole cluster of agents counts for more than a two-namespace lab);
# SERIAL is for a test that needs the machine to itself.
function(tabby_lab_test name)
  cmake_parse_arguments(ARG "SERIAL" "TIMEOUT;PROCESSORS" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(NOT ARG_PROCESSORS)
    set(ARG_PROCESSORS 1)
  endif()
  tabby_test(${name} SOURCES ${ARG_SOURCES} DEPS tabby_lab ${ARG_DEPS}
             LABELS lab ${ARG_LABELS} TIMEOUT ${ARG_TIMEOUT})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED lab PROCESSORS ${ARG_PROCESSORS})
  if(ARG_SERIAL)
    set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

# A lab test run inside a User-Mode Linux guest (for ipip, which the host kernel lacks).
function(tabby_uml_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  tabby_test_executable(${name} SOURCES ${ARG_SOURCES} DEPS tabby_lab ${ARG_DEPS})
  math(EXPR _guest_timeout "${ARG_TIMEOUT} - 20")
  add_test(NAME ${name}
           COMMAND ${TABBY_UML_RUN} --timeout ${_guest_timeout} --modprobe ipv6
                   --modprobe bridge --rw ${CMAKE_BINARY_DIR}
                   -- $<TARGET_FILE:${name}>
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  # One User-Mode Linux guest at a time: each keeps a core busy for its whole run.
  set_tests_properties(${name} PROPERTIES LABELS "lab;uml;${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                                          FIXTURES_REQUIRED lab RESOURCE_LOCK uml PROCESSORS 2)
endfunction()

# A libFuzzer target over a decoder of untrusted bytes, with its checked-in corpus in
# test/fuzz/corpus/<name>/. The corpus replay is a unit test with any compiler (and so runs
# under ASan+UBSan in CI); with -DTABBY_FUZZ=ON (Clang) the real fuzzer fuzz_<name> is built:
#   build-asan/test/fuzz/fuzz_<name> test/fuzz/corpus/<name> -max_total_time=600
function(tabby_fuzz_target name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(corpus ${CMAKE_SOURCE_DIR}/test/fuzz/corpus/${name})
  if(TABBY_UNIT_TESTS)
    add_executable(${name}_replay ${ARG_SOURCES} ${CMAKE_SOURCE_DIR}/test/fuzz/corpus_replay_main.cc)
    target_link_libraries(${name}_replay PRIVATE ${ARG_DEPS})
    add_test(NAME ${name}_replay COMMAND ${name}_replay ${corpus})
    set_tests_properties(${name}_replay PROPERTIES LABELS "unit;fuzz" TIMEOUT 300)
  endif()
  if(TABBY_FUZZ)
    add_executable(fuzz_${name} ${ARG_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE ${ARG_DEPS})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    # All fuzzers side by side, where scripts/run fuzz looks for them.
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                                                  ${CMAKE_BINARY_DIR}/test/fuzz)
  endif()
endfunction()

# Adds every immediate subfolder of the current folder that has a CMakeLists.txt, so each
# module owns its test folder (test/unit/bgp, test/lab/dataplane, ...) without editing a
# shared list.
function(tabby_add_test_subdirectories)
  file(GLOB children LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${child} AND EXISTS ${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()
