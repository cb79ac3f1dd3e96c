// The transaction rules: read transactions under the resize lock, and
// serialized write transactions that grow the map and run again on
// MDB_MAP_FULL.
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

Status Store::Impl::BeginRead(ReadTxn* out) const {
  for (int attempt = 0;; ++attempt) {
    out->lock_ = std::shared_lock<std::shared_mutex>(resize_mu_);
    int rc = out->txn_.Begin(env, MDB_RDONLY);
    if (rc == MDB_SUCCESS) return Status::Ok();
    out->lock_.unlock();
    if (rc != MDB_MAP_RESIZED || attempt > 3)
      return LmdbStatus("mdb_txn_begin", rc);
    // Another process grew the map: adopt its size, with no txn open here.
    std::unique_lock<std::shared_mutex> lock(resize_mu_);
    rc = mdb_env_set_mapsize(env, 0);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_env_set_mapsize", rc);
    MDB_envinfo info;
    mdb_env_info(env, &info);
    const_cast<Impl*>(this)->map_size_.store(info.me_mapsize);
  }
}

Status Store::Impl::Grow() {
  std::unique_lock<std::shared_mutex> lock(resize_mu_);
  uint64_t current = map_size_.load();
  if (current >= options.max_map_size) {
    return Status::ResourceExhausted(
        "the store reached its map size limit of " +
        std::to_string(options.max_map_size) +
        " bytes (StoreOptions::max_map_size)");
  }
  uint64_t next =
      std::min(std::max(current * 2, uint64_t{1} << 20), options.max_map_size);
  int rc = mdb_env_set_mapsize(env, next);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_env_set_mapsize", rc);
  MDB_envinfo info;
  mdb_env_info(env, &info);
  map_size_.store(info.me_mapsize);
  return Status::Ok();
}

Status Store::Impl::Write(const std::function<Status(MDB_txn*)>& fn) {
  if (options.read_only)
    return Status::InvalidArgument("the store is open read-only");
  std::lock_guard<std::mutex> writer(write_mu_);
  for (;;) {
    Status st;
    {
      std::shared_lock<std::shared_mutex> lock(resize_mu_);
      Txn txn;
      int rc = txn.Begin(env, 0);
      if (rc == MDB_MAP_RESIZED) {
        lock.unlock();
        std::unique_lock<std::shared_mutex> ex(resize_mu_);
        mdb_env_set_mapsize(env, 0);
        MDB_envinfo info;
        mdb_env_info(env, &info);
        map_size_.store(info.me_mapsize);
        continue;
      }
      if (rc != MDB_SUCCESS) return LmdbStatus("mdb_txn_begin", rc);
      st = fn(txn.get());
      if (st.ok()) {
        const int commit_rc = txn.Commit();
        st = LmdbStatus("mdb_txn_commit", commit_rc);
        if (commit_rc == MDB_SUCCESS) {
          {
            std::lock_guard<std::mutex> g(commit_mu_);
            commits_.fetch_add(1);
          }
          commit_cv_.notify_all();
        }
        // LMDB 0.9.24 turns a short write (the disk filled up while the
        // commit wrote its pages) into EIO; say what it was. The commit
        // failed as a whole, so nothing changed.
        struct statvfs fs;
        if (commit_rc == EIO && ::statvfs(path.c_str(), &fs) == 0 &&
            uint64_t{fs.f_bavail} * fs.f_frsize < (uint64_t{1} << 20)) {
          st = Status::ResourceExhausted(st.message() +
                                         " (disk full: short write)");
        }
      }
    }
    if (!internal::IsMapFull(st)) return st;
    LIBEXPORT_RETURN_IF_ERROR(Grow());
  }
}

}  // namespace libexport
