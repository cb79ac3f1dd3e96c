// Store::Impl: the LMDB environment, its tables, and the transaction rules
// shared by store.cpp (open, trackers, single writes), catalog.cpp,
// import.cpp and export.cpp.
#ifndef LIBEXPORT_SRC_STORE_IMPL_H_
#define LIBEXPORT_SRC_STORE_IMPL_H_

#include <lmdb.h>
#include <sys/mman.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/store.h"
#include "lmdb_env.h"
#include "record.h"

namespace libexport {

namespace internal {

// An allocator for the big buffers of a bulk write: blocks of 4 MiB or more
// come from anonymous mappings that ask for transparent huge pages (one page
// fault per 2 MiB instead of per 4 KiB, which is most of the cost of fresh
// memory on some VMs); smaller ones from operator new.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kMinBytes = size_t{4} << 20;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}
  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) return static_cast<T*>(::operator new(bytes));
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::madvise(p, bytes, MADV_HUGEPAGE);  // a hint; may be refused
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) {
      ::operator delete(p);
    } else {
      ::munmap(p, bytes);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
};

// Index kinds (docs/store_format.md, "Index kinds").
enum class IndexKind : uint8_t {
  kModel = 1,
  kTag = 2,
  kTargetType = 3,
  kTargetIdentity = 4,
  kPinItem = 5,
};

inline constexpr size_t kTrackerPrefixSize = 4;
inline constexpr size_t kRecordKeySize = 4 + 16;
inline constexpr size_t kIndexKeySize = 4 + 1 + 8;
inline constexpr size_t kCatalogKeySize = 4 + 8;
inline constexpr size_t kMaxIdentitySize = 1024;

using RecordKey = std::array<char, kRecordKeySize>;
using IndexKey = std::array<char, kIndexKeySize>;
using CatalogKey = std::array<char, kCatalogKeySize>;

RecordKey MakeRecordKey(uint32_t tracker, const Uuid& id);
IndexKey MakeIndexKey(uint32_t tracker, IndexKind kind, uint64_t hash);
CatalogKey MakeCatalogKey(uint32_t tracker, uint64_t hash);
inline std::string_view KeyView(const auto& key) {
  return {key.data(), key.size()};
}

// The index entries a record has: (key, id) pairs, one per distinct key.
std::vector<IndexKey> IndexKeysOf(uint32_t tracker, const RecordView& r);

struct TrackerEntry {
  uint32_t number = 0;
  uint64_t catalog_items = 0;
  std::string key;
};
std::string EncodeTrackerEntry(const TrackerEntry& e);
Status DecodeTrackerEntry(std::string_view v, TrackerEntry* out);

// Whether a catalog identity list (docs/store_format.md) holds `identity`.
bool IdentityListContains(std::string_view list, std::string_view identity);

}  // namespace internal

class Store::Impl {
 public:
  ~Impl();

  std::string path;
  StoreOptions options;
  MDB_env* env = nullptr;
  MDB_dbi meta = 0, trackers = 0, records = 0, index = 0, catalog = 0;

  // A read transaction with the resize lock held shared: the map may only
  // be resized while this process has no transaction (lmdb.h,
  // mdb_env_set_mapsize).
  class ReadTxn {
   public:
    MDB_txn* get() const { return txn_.get(); }

   private:
    friend class Impl;
    std::shared_lock<std::shared_mutex> lock_;
    internal::Txn txn_;
  };
  Status BeginRead(ReadTxn* out) const;

  // Runs `fn` in a write transaction and commits. On MDB_MAP_FULL (from a put
  // or from the commit) the transaction is thrown away, the map doubles (up
  // to options.max_map_size) and `fn` runs again from the start, so `fn`
  // must only write through its txn. Writers are serialized.
  Status Write(const std::function<Status(MDB_txn*)>& fn);

  // Looks a tracker up; NotFound("tracker not found: ID") when missing.
  Status FindTracker(MDB_txn* txn, std::string_view id,
                     internal::TrackerEntry* out) const;
  Status PutTracker(MDB_txn* txn, std::string_view id,
                    const internal::TrackerEntry& e);

  // Writes a record and its index entries, replacing (and unindexing) any
  // record with the same id. `replaced` says whether one existed. With
  // `deferred`, the new index entries are appended there instead of written,
  // so a bulk writer can sort them and write each index key front to back
  // (PutIndexEntries).
  using IndexEntries =
      std::vector<std::pair<internal::IndexKey, internal::Uuid>,
                  internal::HugePageAllocator<
                      std::pair<internal::IndexKey, internal::Uuid>>>;
  // `append` (MDB_APPEND) is for keys known to sort after every key of the
  // table: LMDB then fills pages completely instead of splitting them in
  // half, which keeps a bulk-loaded store compact.
  Status PutRecord(MDB_txn* txn, uint32_t tracker, const internal::Uuid& id,
                   std::string_view value, bool* replaced,
                   IndexEntries* deferred = nullptr, bool append = false);
  Status PutIndexEntries(MDB_txn* txn, const IndexEntries& entries);
  // Removes a record and its index entries. NotFound when missing.
  Status DeleteRecord(MDB_txn* txn, uint32_t tracker, const internal::Uuid& id);

  // How many ids an index key holds (0 when none).
  Status CountIndex(MDB_txn* txn, const internal::IndexKey& key,
                    uint64_t* count) const;
  // The number of customizations of a tracker: the sum of its three
  // target-type index counts.
  Status CountRecords(MDB_txn* txn, uint32_t tracker, uint64_t* count) const;

  uint64_t map_size() const { return map_size_.load(); }

 private:
  friend class Store;
  Status Grow();
  mutable std::shared_mutex resize_mu_;
  std::mutex write_mu_;
  std::atomic<uint64_t> map_size_{0};
};

}  // namespace libexport

#endif  // LIBEXPORT_SRC_STORE_IMPL_H_
