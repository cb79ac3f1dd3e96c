#include "lmdb_floor.h"

#include <lmdb.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "record.h"  // RecordChecksumOk, kRecordTrailerSize

namespace libexport::bench {

LmdbFloor::~LmdbFloor() {
  if (env_ != nullptr) mdb_env_close(env_);
}

std::string LmdbFloor::Open(const std::string& dir,
                            const std::string& tracker_id) {
  auto fail = [](const char* what, int rc) {
    return std::string(what) + ": " + mdb_strerror(rc);
  };
  int rc = mdb_env_create(&env_);
  if (rc != 0) return fail("mdb_env_create", rc);
  mdb_env_set_maxdbs(env_, 16);
  // No mapsize: a read-only env maps the committed data, which also fits
  // under valgrind (the gate), where a 64 GiB map fails with EINVAL.
  rc = mdb_env_open(env_, dir.c_str(), MDB_RDONLY | MDB_NOLOCK, 0644);
  if (rc != 0) return fail("mdb_env_open", rc);
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return fail("mdb_txn_begin", rc);
  MDB_dbi trackers;
  rc = mdb_dbi_open(txn, "trackers", 0, &trackers);
  if (rc == 0) rc = mdb_dbi_open(txn, "records", 0, &records_dbi_);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return fail("mdb_dbi_open", rc);
  }
  MDB_val key{tracker_id.size(), const_cast<char*>(tracker_id.data())};
  MDB_val value;
  rc = mdb_get(txn, trackers, &key, &value);
  if (rc == 0 && value.mv_size < 5) rc = MDB_CORRUPTED;
  if (rc == 0) {
    uint8_t b[4];
    std::memcpy(b, static_cast<const char*>(value.mv_data) + 1, 4);
    tracker_number_ = uint32_t{b[0]} | uint32_t{b[1]} << 8 |
                      uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  }
  // Commit, not abort: DBI handles opened in an aborted txn are closed.
  if (rc != 0) {
    mdb_txn_abort(txn);
    return fail("tracker lookup", rc);
  }
  rc = mdb_txn_commit(txn);
  return rc == 0 ? "" : fail("mdb_txn_commit", rc);
}

template <typename Visit>
int64_t LmdbFloor::Each(Visit visit) const {
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn) != 0) return -1;
  MDB_cursor* cursor = nullptr;
  if (mdb_cursor_open(txn, records_dbi_, &cursor) != 0) {
    mdb_txn_abort(txn);
    return -1;
  }
  const unsigned char prefix[4] = {
      static_cast<unsigned char>(tracker_number_ >> 24),
      static_cast<unsigned char>(tracker_number_ >> 16),
      static_cast<unsigned char>(tracker_number_ >> 8),
      static_cast<unsigned char>(tracker_number_)};
  MDB_val key{sizeof(prefix), const_cast<unsigned char*>(prefix)};
  MDB_val value;
  int64_t n = 0;
  for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE);
       rc == 0 && key.mv_size >= 4 && std::memcmp(key.mv_data, prefix, 4) == 0;
       rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
    if (!visit(static_cast<const char*>(value.mv_data), value.mv_size)) {
      n = -1;
      break;
    }
    ++n;
  }
  mdb_cursor_close(cursor);
  mdb_txn_abort(txn);
  return n;
}

int64_t LmdbFloor::Walk(std::string* out) const {
  return Each([out](const char* data, size_t size) {
    out->append(data, size);
    return true;
  });
}

int64_t LmdbFloor::WalkTo(int fd, size_t buffer_bytes, bool verify) const {
  std::string buffer;
  buffer.reserve(buffer_bytes);
  auto flush = [fd, &buffer] {
    size_t done = 0;
    while (done < buffer.size()) {
      ssize_t n = ::write(fd, buffer.data() + done, buffer.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    buffer.clear();
    return true;
  };
  int64_t n = Each([&](const char* data, size_t size) {
    if (verify && (size < internal::kRecordTrailerSize ||
                   !internal::RecordChecksumOk({data, size}))) {
      return false;
    }
    buffer.append(data, size);
    return buffer.size() < buffer_bytes || flush();
  });
  return n >= 0 && flush() ? n : -1;
}

}  // namespace libexport::bench
