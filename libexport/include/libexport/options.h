// Options for opening a Store. Every field: meaning, default, trade-off.
#ifndef LIBEXPORT_OPTIONS_H_
#define LIBEXPORT_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "libexport/time.h"

namespace libexport {

struct StoreOptions {
  // --- behaviour ---

  // Create the directory and an empty store when missing. When false, opening
  // a directory without a store is NotFound. Default: true.
  bool create_if_missing = true;

  // Open read-only: writes return InvalidArgument. Readers never block
  // writers in LMDB, so a server may open read-write and still never write.
  // Default: false.
  bool read_only = false;

  // --- performance and limits ---

  // The store's size limit: the LMDB map, mapped whole when the store
  // opens. It is address space, not memory or disk (the file grows with the
  // data), so a large value costs nothing on a 64-bit system; a write that
  // needs more fails with ResourceExhausted and changes nothing. Every
  // process that opens the store should use the same value: one that maps
  // it larger makes the others adopt the new size, which LMDB allows only
  // while a process has no transaction open, so until a moment without one
  // their requests fail with IOError ("retry") instead of waiting.
  // Default: 64 GiB.
  uint64_t max_map_size = uint64_t{64} << 30;

  // LMDB reader slots: concurrent read transactions across every process
  // using the store (each running export holds one). Default: 512.
  unsigned max_readers = 512;

  // fsync on every commit (full durability). false sets MDB_NOSYNC: a
  // machine crash may lose the last commits, never consistency on a
  // filesystem that keeps write order. Default: true.
  bool sync = true;

  // The memory the catalog tables of this Store may hold together, in this
  // process. An export that prunes pins to items missing from the catalog
  // (ExportQuery::remove_nonexisting_item_pins) over many records reads the
  // tracker's catalog once into a table, shared by every export of the same
  // tracker and catalog version until the catalog (or the tracker) changes;
  // a table takes the identities' bytes, plus a length of 1 to 3 bytes and
  // 16 to 32 bytes of slots per identity (150,000 identities of 1 KiB: 147
  // MiB of identities and 4 MiB of slots). An export whose table
  // would pass the budget builds none and looks each distinct pinned
  // identity up in the store instead: the same output, but a random B-tree
  // lookup per identity, so slower for large exports. 0: never build one.
  // Default: 512 MiB.
  uint64_t catalog_memory_budget = uint64_t{512} << 20;

  // --- history (the changes feed) ---

  // How long deletions and catalog removals are remembered as tombstones
  // for the changes feed. A client whose cursor is older than the oldest
  // tombstone still kept gets Gone and starts again from the beginning.
  // Longer costs a few dozen bytes per deletion kept. Compaction runs with
  // the writes: each commit looks at no more than 256 history entries.
  // Default: 7 days.
  std::chrono::seconds tombstone_retention{7 * 24 * 3600};

  // The clock tombstones are dated by and retention is measured with.
  // Default (empty): the system clock. Tests inject one.
  std::function<Timestamp()> clock;
};

}  // namespace libexport

#endif  // LIBEXPORT_OPTIONS_H_
