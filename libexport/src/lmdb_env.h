// A thin RAII layer over LMDB: transactions, cursors, error mapping. The only
// place LMDB return codes become Status values.
#ifndef LIBEXPORT_SRC_LMDB_ENV_H_
#define LIBEXPORT_SRC_LMDB_ENV_H_

#include <lmdb.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "libexport/status.h"

namespace libexport::internal {

// Maps an LMDB (or errno) return code to a Status that keeps its origin:
// "mdb_put: MDB_MAP_FULL". MDB_NOTFOUND maps to NotFound, MDB_MAP_FULL and
// ENOSPC to ResourceExhausted, corruption codes to Corruption, the rest to
// IOError.
Status LmdbStatus(const char* origin, int rc);
// True for the Status LmdbStatus makes of MDB_MAP_FULL: the write is redone
// after the map grows.
bool IsMapFull(const Status& s);

inline MDB_val ToVal(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view ToView(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Owns an MDB_txn: aborted on destruction unless committed.
class Txn {
 public:
  Txn() = default;
  ~Txn() { Abort(); }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  int Begin(MDB_env* env, unsigned flags) {
    Abort();
    return mdb_txn_begin(env, nullptr, flags, &txn_);
  }
  // The txn is gone after Commit whatever it returns (lmdb.h).
  int Commit() {
    MDB_txn* t = txn_;
    txn_ = nullptr;
    return mdb_txn_commit(t);
  }
  void Abort() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    txn_ = nullptr;
  }
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

// Owns an MDB_cursor. Declare it after its Txn so it closes first: write-txn
// cursors must be closed before commit, read-txn cursors are never freed by
// LMDB itself.
class Cursor {
 public:
  Cursor() = default;
  ~Cursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  int Open(MDB_txn* txn, MDB_dbi dbi) {
    return mdb_cursor_open(txn, dbi, &cursor_);
  }
  MDB_cursor* get() const { return cursor_; }
  int Get(MDB_val* key, MDB_val* val, MDB_cursor_op op) {
    return mdb_cursor_get(cursor_, key, val, op);
  }

 private:
  MDB_cursor* cursor_ = nullptr;
};

// Calls fn(key, value) for each entry of `dbi` whose key starts with
// `prefix`, in key order, until fn returns false. `next` is MDB_NEXT (every
// entry, each duplicate of a DUPSORT key) or MDB_NEXT_NODUP (each key once).
// The views are valid until the transaction ends.
template <typename Fn>
Status ForEachWithPrefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix,
                         Fn&& fn, MDB_cursor_op next = MDB_NEXT) {
  Cursor c;
  int rc = c.Open(txn, dbi);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(prefix), v;
  // LMDB refuses an empty key (MDB_BAD_VALSIZE): the empty prefix is FIRST.
  for (rc = c.Get(&k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
       rc == MDB_SUCCESS && ToView(k).starts_with(prefix);
       rc = c.Get(&k, &v, next)) {
    if (!fn(ToView(k), ToView(v))) return Status::Ok();
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return LmdbStatus("mdb_cursor_get", rc);
  }
  return Status::Ok();
}

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_LMDB_ENV_H_
