// The index table (docs/store_format.md, "Index"): for each model, tag,
// target type, target identity and pinned item of a tracker, the ids of the
// records that have it (DUPSORT | DUPFIXED, 16-byte ids).
#ifndef LIBEXPORT_SRC_INDEX_H_
#define LIBEXPORT_SRC_INDEX_H_

#include <lmdb.h>

#include <vector>

#include "keys.h"
#include "record.h"
#include "store_impl.h"

namespace libexport::internal {

// The index entries a record has: (key, id) pairs, one per distinct key.
std::vector<IndexKey> IndexKeysOf(uint32_t tracker, const RecordView& r);

// Deletes the entries (key, id) for each of `keys`; missing ones are fine.
Status DeleteIndexEntries(MDB_txn* txn, MDB_dbi dbi,
                          const std::vector<IndexKey>& keys, const Uuid& id);

// Writes sorted index entries with MDB_APPEND / MDB_APPENDDUP when the first
// key sorts after every key of the index (a new tracker's first import):
// LMDB then fills pages instead of splitting them in half, which is faster
// and keeps the index compact. `appended` is false (and nothing is written)
// when they do not.
Status AppendIndexEntries(MDB_txn* txn, MDB_dbi dbi,
                          const Store::Impl::IndexEntries& entries,
                          bool* appended);

// LMDB's order of index entries (memcmp of the key, then of the id), with
// big-endian word loads instead of byte compares.
struct IndexEntryLess {
  static uint64_t Word(const void* p) {
    uint64_t x;
    std::memcpy(&x, p, sizeof x);
    return __builtin_bswap64(x);
  }
  template <typename Entry>
  bool operator()(const Entry& a, const Entry& b) const {
    static_assert(sizeof a.first == 13 && sizeof a.second == 16);
    // Bytes 0-7, then 5-12 (5-7 are equal by then), then the id's halves.
    const void* pa[4] = {a.first.data(), a.first.data() + 5, a.second.data(),
                         a.second.data() + 8};
    const void* pb[4] = {b.first.data(), b.first.data() + 5, b.second.data(),
                         b.second.data() + 8};
    for (int i = 0; i < 4; ++i) {
      const uint64_t x = Word(pa[i]), y = Word(pb[i]);
      if (x != y) return x < y;
    }
    return false;
  }
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_INDEX_H_
