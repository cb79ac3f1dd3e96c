// Catalog membership for exports that prune pins to items missing from the
// catalog (remove_nonexisting_item_pins): one immutable CatalogTable per
// tracker and catalog version, shared by every export of the process that
// reads that version (CatalogCache), within a memory budget; and the
// per-export CatalogSet that uses it or, past the budget, the B-tree.
#ifndef LIBEXPORT_SRC_CATALOG_SET_H_
#define LIBEXPORT_SRC_CATALOG_SET_H_

#include <lmdb.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "libexport/status.h"
#include "record.h"
#include "tracker.h"

namespace libexport::internal {

// The bytes every live CatalogTable of a process holds (cached or still used
// by a running export). Thread-safe.
class CatalogMemory {
 public:
  // Takes `n` bytes unless that would pass `limit`; false then.
  bool Reserve(uint64_t n, uint64_t limit);
  void Release(uint64_t n) { live_.fetch_sub(n); }
  uint64_t live() const { return live_.load(); }

 private:
  std::atomic<uint64_t> live_{0};
};

// A flat hash table over a compact copy of one tracker's catalog: the
// identities packed into blocks of up to 1 MiB, each after its length, and
// slots of 8 bytes (32 bits of the hash and the identity's offset) at most
// half full, so that a probe stays in cache instead of touching a random page
// of the map and eight slots share a cache line. The identity's bytes decide,
// never the hash alone. Immutable once built: Contains may be called from any
// number of threads at once.
class CatalogTable {
 public:
  // Reads the tracker's catalog in `txn`, in key order. nullptr (and OK)
  // when the table would take more than `memory` leaves below
  // `budget_bytes`, or the stored item count `items` was off, or an entry
  // is longer than a block; then `*never_fits` says whether no later build
  // of the same catalog can succeed either (the table alone passes
  // `budget_bytes`, or the catalog is damaged: more identities than its
  // count, or one longer than a block). A catalog
  // whose slots and one byte per identity already pass the budget is
  // refused before anything is allocated.
  static Result<std::shared_ptr<const CatalogTable>> Build(
      MDB_txn* txn, MDB_dbi dbi, uint32_t tracker, uint64_t items,
      const std::shared_ptr<CatalogMemory>& memory, uint64_t budget_bytes,
      bool* never_fits);
  ~CatalogTable() { memory_->Release(bytes_); }
  CatalogTable(const CatalogTable&) = delete;
  CatalogTable& operator=(const CatalogTable&) = delete;

  // Whether the catalog holds `identity`, whose FNV-1a hash is `hash`.
  bool Contains(uint64_t hash, std::string_view identity) const;
  // The memory it holds (slots and blocks), as counted in CatalogMemory.
  uint64_t bytes() const { return bytes_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr int kBlockBits = 20;
  static constexpr uint32_t kBlockSize = uint32_t{1} << kBlockBits;
  // An identity's length before its bytes: a varint of at most 3 bytes.
  static constexpr uint32_t kMaxLengthBytes = 3;
  struct Entry {
    uint32_t tag = 0;          // the hash's low 32 bits
    uint32_t offset = kEmpty;  // block << kBlockBits | offset in the block
  };
  enum class Added { kYes, kTableFull, kOverBudget };

  explicit CatalogTable(std::shared_ptr<CatalogMemory> memory)
      : memory_(std::move(memory)) {}
  size_t Slot(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9e3779b97f4a7c15ull) >> shift_);
  }
  std::string_view At(const Entry& e) const {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(
        blocks_[e.offset >> kBlockBits].get() + (e.offset & (kBlockSize - 1)));
    size_t length = 0;
    for (int shift = 0;; shift += 7) {
      length |= size_t{*p & 0x7fu} << shift;
      if ((*p++ & 0x80u) == 0) break;
    }
    return {reinterpret_cast<const char*>(p), length};
  }
  Added Insert(uint64_t hash, std::string_view identity, uint64_t budget);

  std::shared_ptr<CatalogMemory> memory_;
  uint64_t bytes_ = 0;
  std::vector<Entry> table_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  uint32_t block_used_ = 0;  // bytes in the last block, of block_capacity_
  uint32_t block_capacity_ = 0;
  size_t used_ = 0;
  size_t mask_ = 0;
  int shift_ = 64;
  bool over_budget_alone_ = false;  // a refused block passed the budget alone
};

// The shared tables of one Store: at most kMaxTables, keyed by tracker
// number, generation and seq. Every catalog change takes a new seq, so a
// table of the version an export's own read transaction shows is exactly
// that snapshot's catalog; an export of a newer version builds a new one
// (and drops the tracker's older ones from the cache) while running exports
// keep theirs. One export builds a version, the others of the same version
// wait for it. A version whose table alone passes the budget is remembered
// as such (an entry without a table), so its later exports do not build
// and throw away the same table again; one that only failed for want of
// the memory other tables held is tried again. Thread-safe.
class CatalogCache {
 public:
  static constexpr size_t kMaxTables = 4;

  CatalogCache() : memory_(std::make_shared<CatalogMemory>()) {}

  // The table of tracker `e` as read in `txn` (which must be the
  // transaction `e` was read in), built in `txn` when none is cached.
  // nullptr when it does not fit in `budget_bytes` (then the caller reads
  // the B-tree). Errors: those of the LMDB reads.
  Result<std::shared_ptr<const CatalogTable>> Get(MDB_txn* txn, MDB_dbi dbi,
                                                  const TrackerEntry& e,
                                                  uint64_t budget_bytes);
  // The bytes of every table still alive (cached or in use).
  uint64_t live_bytes() const { return memory_->live(); }

 private:
  using Table = std::shared_ptr<const CatalogTable>;
  struct Cached {
    uint32_t number;
    uint64_t generation, seq;
    std::shared_future<Table> table;
    uint64_t last_use;
  };
  std::shared_ptr<CatalogMemory> memory_;
  std::mutex mu_;
  std::vector<Cached> cached_;
  uint64_t uses_ = 0;
};

// Catalog membership for one export, in its read transaction `txn`: the
// shared table when the export checks enough pins to pay for one and it fits
// in the budget, else each distinct identity is looked up in the B-tree and
// memoized (at most 65,536 memo entries). Not thread-safe.
class CatalogSet {
 public:
  CatalogSet(MDB_txn* txn, MDB_dbi dbi, uint32_t tracker)
      : txn_(txn), dbi_(dbi), tracker_(tracker) {}

  // Chooses the strategy from the catalog's size and the number of records
  // the export will read: a sequential read of the whole catalog costs less
  // than one random B-tree lookup per pinned item once the catalog holds
  // fewer than ~16 identities per record to read (a record pins a few).
  // `e` is the tracker as read in `txn`; `cache` may be null (B-tree only).
  Status Prepare(CatalogCache* cache, const TrackerEntry& e,
                 uint64_t records_to_read, uint64_t budget_bytes);

  // Whether the catalog holds `identity`, whose string ref is `ref`.
  Status Contains(const StrRef& ref, std::string_view identity, bool* found);

  // The bytes of the shared table this export uses; 0 for B-tree lookups.
  uint64_t table_bytes() const { return table_ ? table_->bytes() : 0; }

 private:
  MDB_txn* txn_;
  MDB_dbi dbi_;
  uint32_t tracker_;
  std::shared_ptr<const CatalogTable> table_;
  std::unordered_map<std::string_view, bool> memo_;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_CATALOG_SET_H_
