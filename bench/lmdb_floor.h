// The physical floor of an export: one LMDB cursor walk over a tracker's
// records that copies every stored value into an output buffer, nothing
// else. Runs on a Backup() copy of the store: a process must not open an
// environment twice, and the Store already holds the original.
#ifndef LIBEXPORT_BENCH_LMDB_FLOOR_H_
#define LIBEXPORT_BENCH_LMDB_FLOOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

struct MDB_env;

namespace libexport::bench {

class LmdbFloor {
 public:
  LmdbFloor() = default;
  ~LmdbFloor();
  LmdbFloor(const LmdbFloor&) = delete;
  LmdbFloor& operator=(const LmdbFloor&) = delete;

  // Opens the copy in `dir` read-only and finds `tracker_id`'s number
  // (docs/store_format.md). Returns "" or an error message.
  std::string Open(const std::string& dir, const std::string& tracker_id);

  // Appends every record value of the tracker to `out`; returns the number
  // of records, or -1 on an LMDB error.
  int64_t Walk(std::string* out) const;

  // The same walk written to `fd` (a whole-process floor: bench/floor_main.cpp)
  // through a buffer flushed every `buffer_bytes`; with `verify`, each value's
  // XXH3 checksum is also checked as every export does (docs/store_format.md,
  // "Checksum"), which prices that check alone. Returns the number of
  // records, or -1 on an LMDB or write error or a value failing its checksum.
  int64_t WalkTo(int fd, size_t buffer_bytes, bool verify) const;

 private:
  template <typename Visit>
  int64_t Each(Visit visit) const;

  MDB_env* env_ = nullptr;
  unsigned records_dbi_ = 0;
  uint32_t tracker_number_ = 0;
};

}  // namespace libexport::bench

#endif  // LIBEXPORT_BENCH_LMDB_FLOOR_H_
