// The union, in id order, of the ids stored under several index keys: a
// k-way merge of their sorted id lists (DUPFIXED duplicates, read a page at a
// time). The export planner walks it for a filter's values (one key per
// value; a single key is the same walk with nothing to merge).
#ifndef LIBEXPORT_SRC_ID_UNION_H_
#define LIBEXPORT_SRC_ID_UNION_H_

#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "keys.h"
#include "libexport/status.h"
#include "lmdb_env.h"
#include "record.h"

namespace libexport::internal {

class IdUnion {
 public:
  IdUnion() = default;
  IdUnion(const IdUnion&) = delete;
  IdUnion& operator=(const IdUnion&) = delete;

  // Positions one cursor per key of `index` (a key with no ids is skipped).
  // The views it hands out live as long as `txn`.
  Status Open(MDB_txn* txn, MDB_dbi index, const std::vector<IndexKey>& keys);

  // The next id of the union (each id once, ascending): true and `*id` set,
  // or false at the end. Per id: O(log k) compares of two integers for k
  // keys, no allocation.
  Result<bool> Next(Uuid* id);

 private:
  struct Source {
    Cursor cursor;
    std::string_view page;  // ids not yet taken, 16 bytes each
  };
  // A source's smallest id not yet taken, as two big-endian halves: ids
  // compare as (hi, lo).
  struct Head {
    uint64_t hi, lo;
    uint32_t source;
  };
  // Moves a source to its next id; false when it has none left.
  Result<bool> Advance(Source* s);
  static Head HeadOf(std::string_view page, uint32_t source);

  std::vector<std::unique_ptr<Source>> sources_;
  std::vector<Head> heap_;  // smallest id on top
  uint64_t last_hi_ = 0, last_lo_ = 0;
  bool have_last_ = false;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_ID_UNION_H_
