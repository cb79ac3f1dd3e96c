// Store::Impl: the LMDB environment and its tables, shared by every part of
// the engine. Its methods are defined where their concept lives:
// transaction.cpp (BeginRead, Write), tracker.cpp (FindTracker, PutTracker),
// records.cpp (PutRecord, DeleteRecord), index.cpp (index writes, counts),
// sync_state.cpp (the sync state of a mirrored tracker), audit_log.cpp
// (AppendAudit).
#ifndef LIBEXPORT_SRC_STORE_IMPL_H_
#define LIBEXPORT_SRC_STORE_IMPL_H_

#include <lmdb.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "audit_log.h"
#include "catalog_set.h"
#include "history.h"
#include "huge_page_allocator.h"
#include "keys.h"
#include "libexport/store.h"
#include "lmdb_env.h"
#include "record.h"
#include "tracker.h"

namespace libexport {

class Store::Impl {
 public:
  ~Impl();

  std::string path;
  StoreOptions options;
  MDB_env* env = nullptr;
  MDB_dbi meta = 0, trackers = 0, records = 0, index = 0, catalog = 0;
  MDB_dbi changes = 0, graves = 0, boundaries = 0;  // history.h
  MDB_dbi audit_log = 0;                            // audit_log.h
  // False only for a store opened read-only whose writer predates the
  // audit log table: then there are no entries to read.
  bool has_audit_log = false;

  // A read transaction with the resize lock held shared: the map may only
  // be resized while this process has no transaction (lmdb.h,
  // mdb_env_set_mapsize), and this process never waits for that
  // (AdoptMapSize).
  class ReadTxn {
   public:
    MDB_txn* get() const { return txn_.get(); }

   private:
    friend class Impl;
    std::shared_lock<std::shared_mutex> lock_;
    internal::Txn txn_;
  };
  Status BeginRead(ReadTxn* out) const;

  // Runs `fn` in a write transaction and commits. MDB_MAP_FULL (from a put
  // or from the commit: the store reached max_map_size, mapped whole at
  // open) is ResourceExhausted and nothing is written. `fn` may run again
  // from the start (after adopting another process's larger map), so it
  // must only write through its txn. Writers are serialized.
  Status Write(const std::function<Status(MDB_txn*)>& fn);

  // Appends `record` to the audit log, dated Now(), in `txn`, then drops
  // at most 256 entries older than the store's audit log retention.
  Status AppendAudit(MDB_txn* txn, const internal::AuditRecord& record);

  // The clock (StoreOptions::clock, else the system clock).
  Timestamp Now() const;
  // The history writer of one write transaction on tracker `e`.
  internal::History MakeHistory(MDB_txn* txn, internal::TrackerEntry* e) const;
  // history->Finish(), then stores the tracker entry (its new seq).
  Status FinishHistory(MDB_txn* txn, internal::History* history,
                       std::string_view tracker_id);
  // Blocks until a write transaction of this process commits after
  // `commits_seen` (commit_count() before the caller looked) or `deadline`
  // passes, whichever is first. Returns the new commit count.
  uint64_t WaitForCommit(uint64_t commits_seen,
                         std::chrono::steady_clock::time_point deadline) const;
  uint64_t commit_count() const { return commits_.load(); }

  // Looks a tracker up; NotFound("tracker not found: ID") when missing.
  Status FindTracker(MDB_txn* txn, std::string_view id,
                     internal::TrackerEntry* out) const;
  Status PutTracker(MDB_txn* txn, std::string_view id,
                    const internal::TrackerEntry& e);
  // Creates tracker `id` (a valid id) with `key`: its number, a new
  // generation. AlreadyExists when it exists (tracker.cpp).
  Status CreateTracker(MDB_txn* txn, std::string_view id,
                       const std::string& key, internal::TrackerEntry* out);

  // Writes a record (a body from the encoder; it is sealed with a new seq
  // and its checksum) and its index entries, replacing (and unindexing) any
  // record with the same id; each change goes through `history`. `outcome`
  // says whether one existed, and kUnchanged when it was byte-identical
  // (then nothing is written and no seq is taken). With
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
  enum class PutOutcome { kInserted, kReplaced, kUnchanged };
  Status PutRecord(MDB_txn* txn, internal::History* history,
                   const internal::Uuid& id, std::string_view body,
                   PutOutcome* outcome, IndexEntries* deferred = nullptr,
                   bool append = false);
  Status PutIndexEntries(MDB_txn* txn, const IndexEntries& entries);
  // Removes a record and its index entries (a tombstone in `history`).
  // NotFound when missing.
  Status DeleteRecord(MDB_txn* txn, internal::History* history,
                      const internal::Uuid& id);

  // A tracker's sync state in `meta` (sync_state.cpp): an empty one when
  // none was written. Delete is no error when there is none.
  Status GetSyncState(MDB_txn* txn, uint32_t tracker, SyncState* out) const;
  Status PutSyncState(MDB_txn* txn, uint32_t tracker, const SyncState& state);
  Status DeleteSyncState(MDB_txn* txn, uint32_t tracker);

  // Adds / removes one catalog identity of history->tracker() (catalog.cpp),
  // with its seq or tombstone and the tracker's item count; `changed` is
  // false when it was already there / was not there.
  Status AddIdentity(MDB_txn* txn, internal::History* history,
                     std::string_view identity, bool* changed);
  Status RemoveIdentity(MDB_txn* txn, internal::History* history,
                        std::string_view identity, bool* changed);
  // InvalidArgument (field "identity") unless every identity is 1 byte to
  // 1 KiB.
  static Status CheckIdentities(const std::vector<std::string>& identities);
  // Adds (or removes) `identities` in key order; `changed` counts those
  // that were not there (were there), `sample` receives up to
  // AuditRecord::kAuditListSize of them, sorted, for the audit log.
  Status ChangeIdentities(MDB_txn* txn, internal::History* history,
                          const std::vector<std::string>& identities, bool add,
                          uint64_t* changed, std::vector<std::string>* sample);

  // How many ids an index key holds (0 when none).
  Status CountIndex(MDB_txn* txn, const internal::IndexKey& key,
                    uint64_t* count) const;
  // The number of customizations of a tracker: the sum of its three
  // target-type index counts.
  Status CountRecords(MDB_txn* txn, uint32_t tracker, uint64_t* count) const;

  uint64_t map_size() const { return map_size_.load(); }

  // The catalog tables exports share (catalog_set.h), within
  // options.catalog_memory_budget. Thread-safe.
  mutable internal::CatalogCache catalog_cache;

  // The reads a Snapshot and the Store share, in a given read transaction
  // (exporter.cpp, validator.cpp, tracker.cpp, changes.cpp).
  Status ExportIn(MDB_txn* txn, const ExportQuery& query, ExportSink& sink,
                  ExportStats* stats) const;
  Result<ExportValidator> ExportEtagIn(MDB_txn* txn,
                                       const ExportQuery& query) const;
  Result<std::vector<std::string>> SigningKeysIn(MDB_txn* txn,
                                                 std::string_view tracker_id,
                                                 Timestamp now) const;
  Result<std::string> CursorIn(MDB_txn* txn, std::string_view tracker_id) const;

 private:
  friend class Store;
  Status AdoptMapSize() const;
  mutable std::shared_mutex resize_mu_;
  std::mutex write_mu_;
  std::atomic<uint64_t> commits_{0};
  mutable std::mutex commit_mu_;
  mutable std::condition_variable commit_cv_;
  mutable std::atomic<uint64_t> map_size_{0};
};

}  // namespace libexport

#endif  // LIBEXPORT_SRC_STORE_IMPL_H_
