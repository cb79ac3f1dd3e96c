# Every third-party dependency is found here, and only here. All of them come
# from Debian 12 packages (scripts/test installs them); nothing is downloaded.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(simdjson REQUIRED)
# LMDB and cpp-httplib ship no CMake config, only pkg-config files. httplib's
# Cflags carry the three feature macros that must match the compiled .so
# (docs/dependencies.md): never include httplib.h without them.
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
# Content codings of exports: zlib (gzip) and libzstd.
find_package(ZLIB REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
if(LIBEXPORT_BUILD_HTTP)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()
if(LIBEXPORT_BUILD_APP)
  # libcli11-dev (header-only) ships a CMake config: CLI11::CLI11.
  find_package(CLI11 CONFIG REQUIRED)
  # libsystemd-dev: sd_notify, for exportd under systemd (Type=notify).
  pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
endif()
if(LIBEXPORT_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
if(LIBEXPORT_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
  find_package(SQLite3 REQUIRED)
endif()
