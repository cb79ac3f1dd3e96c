// The transaction rules: the map is the store's maximum from the start, so
// nothing waits for it to grow; read transactions hold the resize lock
// shared (taken exclusively only to adopt another process's larger map, and
// only when free); write transactions are serialized.
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>

#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::Txn;

Timestamp Store::Impl::Now() const {
  if (options.clock) return options.clock();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return Timestamp{ns / 1'000'000'000,
                   static_cast<int32_t>(ns % 1'000'000'000)};
}

internal::History Store::Impl::MakeHistory(MDB_txn* txn,
                                           internal::TrackerEntry* e) const {
  const int64_t retention =
      static_cast<int64_t>(options.tombstone_retention.count()) * 1'000'000;
  return internal::History(txn, changes, graves, boundaries, e,
                           internal::ToMicros(Now()), retention);
}

Status Store::Impl::FinishHistory(MDB_txn* txn, internal::History* history,
                                  std::string_view tracker_id) {
  LIBEXPORT_RETURN_IF_ERROR(history->Finish());
  return PutTracker(txn, tracker_id, history->tracker());
}

uint64_t Store::Impl::WaitForCommit(
    uint64_t commits_seen,
    std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(commit_mu_);
  commit_cv_.wait_until(lock, deadline,
                        [&] { return commits_.load() != commits_seen; });
  return commits_.load();
}

// Another process mapped the store larger than this one (it opened it with
// a larger StoreOptions::max_map_size): LMDB allows adopting the new size
// only while this process has no transaction. Readers hold resize_mu_
// shared for their whole transaction, so the adoption takes it exclusively
// only if it is free at this instant and never waits: a request must not
// wait on another request's client.
Status Store::Impl::AdoptMapSize() const {
  std::unique_lock<std::shared_mutex> lock(resize_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return Status::IOError(
        "mdb_txn_begin: MDB_MAP_RESIZED: another process mapped the store "
        "larger (a larger StoreOptions::max_map_size); retry");
  }
  int rc = mdb_env_set_mapsize(env, 0);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_env_set_mapsize", rc);
  MDB_envinfo info;
  mdb_env_info(env, &info);
  map_size_.store(info.me_mapsize);
  return Status::Ok();
}

Status Store::Impl::BeginRead(ReadTxn* out) const {
  for (int attempt = 0;; ++attempt) {
    out->lock_ = std::shared_lock<std::shared_mutex>(resize_mu_);
    int rc = out->txn_.Begin(env, MDB_RDONLY);
    if (rc == MDB_SUCCESS) return Status::Ok();
    out->lock_.unlock();
    if (rc != MDB_MAP_RESIZED || attempt > 3)
      return LmdbStatus("mdb_txn_begin", rc);
    LIBEXPORT_RETURN_IF_ERROR(AdoptMapSize());
  }
}

Status Store::Impl::Write(const std::function<Status(MDB_txn*)>& fn) {
  if (options.read_only)
    return Status::InvalidArgument("the store is open read-only");
  std::lock_guard<std::mutex> writer(write_mu_);
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> lock(resize_mu_);
    Txn txn;
    int rc = txn.Begin(env, 0);
    if (rc == MDB_MAP_RESIZED && attempt < 3) {
      lock.unlock();
      LIBEXPORT_RETURN_IF_ERROR(AdoptMapSize());
      continue;
    }
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_txn_begin", rc);
    Status st = fn(txn.get());
    if (internal::IsMapFull(st)) {
      return Status::ResourceExhausted(
          "the store reached its map size limit of " +
          std::to_string(map_size_.load()) +
          " bytes (StoreOptions::max_map_size); nothing was written");
    }
    if (!st.ok()) return st;
    const int commit_rc = txn.Commit();
    st = LmdbStatus("mdb_txn_commit", commit_rc);
    if (commit_rc == MDB_SUCCESS) {
      {
        std::lock_guard<std::mutex> g(commit_mu_);
        commits_.fetch_add(1);
      }
      commit_cv_.notify_all();
    }
    if (internal::IsMapFull(st)) {
      return Status::ResourceExhausted(
          "the store reached its map size limit of " +
          std::to_string(map_size_.load()) +
          " bytes (StoreOptions::max_map_size); nothing was written");
    }
    // LMDB 0.9.24 turns a short write (the disk filled up while the
    // commit wrote its pages) into EIO; say what it was. The commit
    // failed as a whole, so nothing changed.
    struct statvfs fs;
    if (commit_rc == EIO && ::statvfs(path.c_str(), &fs) == 0 &&
        uint64_t{fs.f_bavail} * fs.f_frsize < (uint64_t{1} << 20)) {
      st =
          Status::ResourceExhausted(st.message() + " (disk full: short write)");
    }
    return st;
  }
}

}  // namespace libexport
