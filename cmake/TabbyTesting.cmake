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

function(tabby_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

function(tabby_unit_test name)
  tabby_test(${name} ${ARGN} LABELS unit)
endfunction()

# A lab test runs as root on the host; the lab_leftovers check runs after all of them.
function(tabby_lab_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  tabby_test(${name} SOURCES ${ARG_SOURCES} DEPS tabby_lab ${ARG_DEPS}
             LABELS lab ${ARG_LABELS} TIMEOUT ${ARG_TIMEOUT})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED lab RUN_SERIAL TRUE)
endfunction()

# A lab test run inside a User-Mode Linux guest (for ipip, which the host kernel lacks).
function(tabby_uml_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE tabby_lab ${ARG_DEPS} GTest::gtest GTest::gmock
                                        GTest::gtest_main)
  math(EXPR _guest_timeout "${ARG_TIMEOUT} - 20")
  add_test(NAME ${name}
           COMMAND ${TABBY_UML_RUN} --timeout ${_guest_timeout} --modprobe ipv6
                   --modprobe bridge --rw ${CMAKE_BINARY_DIR}
                   -- $<TARGET_FILE:${name}>
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(${name} PROPERTIES LABELS "lab;uml;${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                                          FIXTURES_REQUIRED lab RUN_SERIAL TRUE)
endfunction()
