# Benchmarks (issue 4): the engine, the LMDB floor and the SQLite peer in one
# binary so every ratio comes from one run; bench_report turns its JSON into
# the tables and plot data of docs/benchmarks.md. Run them with scripts/bench.
add_executable(libexport_bench
  export_bench.cpp
  bench_cases.cpp
  bench_dataset.cpp
  reference.cpp
  lmdb_floor.cpp
  sqlite_peer.cpp)
target_compile_features(libexport_bench PRIVATE cxx_std_20)
target_link_libraries(libexport_bench PRIVATE
  libexport::libexport libexport_demo benchmark::benchmark SQLite::SQLite3
  PkgConfig::LMDB simdjson::simdjson libexport_warnings)

add_executable(libexport_bench_report bench_report.cpp)
target_compile_features(libexport_bench_report PRIVATE cxx_std_20)
target_link_libraries(libexport_bench_report PRIVATE simdjson::simdjson libexport_warnings)
