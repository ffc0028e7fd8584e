# Every third-party library comes from a Debian package (scripts/run deps installs them).
# They are all looked up here so a missing one fails at configure time, by name.

find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)                 # Boost.Asio (header-only)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBNL REQUIRED IMPORTED_TARGET libnl-3.0 libnl-route-3.0)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
if(TABBY_BENCH)
  find_package(benchmark REQUIRED)
endif()

# cpp-httplib ships only a header in Debian (no CMake package).
find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
add_library(tabby_httplib INTERFACE)
target_include_directories(tabby_httplib SYSTEM INTERFACE ${HTTPLIB_INCLUDE_DIR})
