# Warnings, sanitizers and fuzzing flags shared by every target.

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
                    # Designated initializers ({.address = ...}) leave the rest to their
                    # default member initializers on purpose; GCC 12 would warn about each.
                    -Wno-missing-field-initializers)
if(TABBY_WERROR)
  add_compile_options(-Werror)
endif()

if(TABBY_SANITIZE)
  # -fno-sanitize-recover makes UBSan findings fail the test instead of only printing.
  set(_tabby_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_tabby_san})
  add_link_options(${_tabby_san})
endif()

if(TABBY_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TABBY_FUZZ=ON needs Clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++")
endif()

# Helper: the include directory layout every library uses, <folder>/include/tabby/<folder>/*.h.
function(tabby_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
