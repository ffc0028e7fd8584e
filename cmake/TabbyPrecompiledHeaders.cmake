# Precompiled headers. Nearly every file parses the same standard and third-party headers
# (fmt, spdlog, nlohmann/json, Boost.Asio, GoogleTest), which is most of its compile time on a
# 2-core machine. Two targets precompile them once per build tree; every library, program and
# test reuses one of the two (REUSE_FROM), so a tree pays for the headers twice, not per file.
#
# A reused header is only valid when compiled with the same flags, so the two anchors and their
# users all link tabby_pch_deps (the same include directories and definitions); targets with
# other flags (the libFuzzer targets) do not use them. -Winvalid-pch (CMake's) under -Werror
# makes a mismatch a build error rather than a silent slowdown.

add_library(tabby_pch_deps INTERFACE)
target_link_libraries(tabby_pch_deps INTERFACE fmt::fmt spdlog::spdlog nlohmann_json::nlohmann_json
                                               Boost::headers Threads::Threads)

set(TABBY_PCH_HEADERS
    <algorithm> <array> <chrono> <cstdint> <cstring> <filesystem> <fstream> <functional> <map>
    <memory> <mutex> <optional> <set> <sstream> <string> <string_view> <thread>
    <unordered_map> <variant> <vector>
    <fmt/format.h> <spdlog/spdlog.h> <nlohmann/json.hpp>
    <boost/asio/io_context.hpp> <boost/asio/steady_timer.hpp> <boost/asio/post.hpp>
    <boost/asio/ip/tcp.hpp>)

if(TABBY_PCH)
  add_library(tabby_pch OBJECT ${CMAKE_SOURCE_DIR}/cmake/pch/anchor.cc)
  target_link_libraries(tabby_pch PRIVATE tabby_pch_deps)
  target_precompile_headers(tabby_pch PRIVATE ${TABBY_PCH_HEADERS})

  add_library(tabby_pch_test OBJECT ${CMAKE_SOURCE_DIR}/cmake/pch/anchor.cc)
  target_link_libraries(tabby_pch_test PRIVATE tabby_pch_deps GTest::gtest GTest::gmock)
  target_precompile_headers(tabby_pch_test PRIVATE ${TABBY_PCH_HEADERS} <gtest/gtest.h>
                                                   <gmock/gmock.h>)
endif()

# Lets TARGET reuse the precompiled headers: the test set (GoogleTest included) with TEST.
function(tabby_use_pch target)
  cmake_parse_arguments(ARG "TEST" "" "" ${ARGN})
  if(NOT TABBY_PCH)
    return()
  endif()
  target_link_libraries(${target} PRIVATE tabby_pch_deps)
  if(ARG_TEST)
    target_precompile_headers(${target} REUSE_FROM tabby_pch_test)
  else()
    target_precompile_headers(${target} REUSE_FROM tabby_pch)
  endif()
endfunction()

# Gives every library, program and test defined under DIR (recursively) the precompiled
# headers: the test set for those under test/, the plain set for the rest. Called once, at the
# end of the top-level CMakeLists.txt, so no target has to remember it.
function(tabby_use_pch_everywhere dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target ${targets})
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$"
       OR target MATCHES "^(tabby_pch|tabby_pch_test|fuzz_.*)$")
      continue()
    endif()
    if(dir MATCHES "^${CMAKE_SOURCE_DIR}/test(/|$)")
      tabby_use_pch(${target} TEST)
    else()
      tabby_use_pch(${target})
    endif()
  endforeach()
  get_property(children DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(child ${children})
    tabby_use_pch_everywhere(${child})
  endforeach()
endfunction()
