// CatalogSet: catalog membership for one export (remove_nonexisting_item_pins).
#ifndef LIBEXPORT_SRC_CATALOG_SET_H_
#define LIBEXPORT_SRC_CATALOG_SET_H_

#include <lmdb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "libexport/status.h"
#include "record.h"

namespace libexport::internal {

// When the export will check many pins for the size of the catalog, the
// tracker's catalog is read once, in key order, into a flat hash table over
// a compact copy of the identities (so a probe stays in cache instead of
// touching a random page of the map); otherwise each distinct identity is
// looked up in the B-tree and memoized. Either way the identity's bytes
// decide, never the hash alone. Lives inside one read transaction `txn`;
// not thread-safe.
class CatalogSet {
 public:
  CatalogSet(MDB_txn* txn, MDB_dbi dbi, uint32_t tracker)
      : txn_(txn), dbi_(dbi), tracker_(tracker) {}

  // Chooses the strategy from the catalog's size and the number of records
  // the export will read: a sequential read of the whole catalog costs less
  // than one random B-tree lookup per pinned item once the catalog holds
  // fewer than ~16 identities per record to read (a record pins a few).
  Status Prepare(uint64_t catalog_items, uint64_t records_to_read);

  // Whether the catalog holds `identity`, whose string ref is `ref`.
  Status Contains(const StrRef& ref, std::string_view identity, bool* found);

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Entry {
    uint64_t hash = 0;
    uint32_t offset = kEmpty;  // into arena_
    uint32_t length = 0;
  };

  size_t Slot(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9e3779b97f4a7c15ull) >> shift_);
  }

  // One identity of the catalog; false when the table is full (the stored
  // count was off), and the export falls back to B-tree lookups.
  bool Insert(uint64_t hash, std::string_view identity);
  Status Load(uint64_t catalog_items);

  MDB_txn* txn_;
  MDB_dbi dbi_;
  uint32_t tracker_;
  std::unordered_map<std::string_view, bool> memo_;
  bool loaded_ = false;
  std::vector<Entry> table_;
  std::string arena_;
  size_t used_ = 0;
  size_t mask_ = 0;
  int shift_ = 64;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_CATALOG_SET_H_
