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

# cpp-httplib: Debian ships it split into a declarations-only header and libcpp-httplib.so,
# built with OpenSSL, zlib and brotli. Its classes' layout depends on those CPPHTTPLIB_*
# macros, so they come from its pkg-config file (must match the library's), with the library.
find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(OpenSSL REQUIRED)
add_library(tabby_httplib INTERFACE)
target_include_directories(tabby_httplib SYSTEM INTERFACE ${HTTPLIB_INCLUDE_DIR})
target_link_libraries(tabby_httplib INTERFACE PkgConfig::CPP_HTTPLIB OpenSSL::SSL OpenSSL::Crypto)
