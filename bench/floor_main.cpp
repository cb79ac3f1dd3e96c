// The LMDB floor as a process of its own: `libexport_floor [--verify] STORE
// TRACKER` writes every stored record value of TRACKER to stdout, nothing
// else (no decoding, no JSON framing; no checksum unless --verify).
// bench/floor_bench.sh times it against `exportctl export` of the same tracker:
// the whole-process ratio of docs/benchmarks.md ("Whole-process export against
// the floor").
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "lmdb_floor.h"

int main(int argc, char** argv) {
  const bool verify = argc == 4 && std::string_view(argv[1]) == "--verify";
  if (argc != 3 && !verify) {
    std::fprintf(stderr, "usage: libexport_floor [--verify] STORE TRACKER\n");
    return 2;
  }
  libexport::bench::LmdbFloor floor;
  std::string error = floor.Open(argv[argc - 2], argv[argc - 1]);
  if (!error.empty()) {
    std::fprintf(stderr, "libexport_floor: %s\n", error.c_str());
    return 1;
  }
  // 64 KiB: the size of the export's own output batches.
  int64_t records = floor.WalkTo(STDOUT_FILENO, 64 * 1024, verify);
  if (records < 0) {
    std::fprintf(stderr,
                 "libexport_floor: the walk, a write or a checksum failed\n");
    return 1;
  }
  std::fprintf(stderr, "%lld records\n", static_cast<long long>(records));
  return 0;
}
