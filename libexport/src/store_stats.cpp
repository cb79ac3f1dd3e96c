// Store::Stats: the map, the data file and the reader table, for monitoring.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "guard.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;

namespace {

// mdb_reader_list prints one line per slot held by a process, after a
// header line; "(no active readers)" when none.
int CountReaderLine(const char* msg, void* ctx) {
  if (std::strncmp(msg, "    pid", 7) != 0 && msg[0] != '(') {
    ++*static_cast<uint32_t*>(ctx);
  }
  return 0;
}

}  // namespace

Status Store::Stats(StoreStats* out) const try {
  *out = StoreStats{};
  MDB_envinfo info{};
  Status st = LmdbStatus("mdb_env_info", mdb_env_info(impl_->env, &info));
  if (!st.ok()) return st;
  MDB_stat stat{};
  st = LmdbStatus("mdb_env_stat", mdb_env_stat(impl_->env, &stat));
  if (!st.ok()) return st;
  out->map_size_bytes = info.me_mapsize;
  out->used_bytes = (static_cast<uint64_t>(info.me_last_pgno) + 1) *
                    static_cast<uint64_t>(stat.ms_psize);
  out->reader_slots_max = info.me_maxreaders;
  if (mdb_reader_list(impl_->env, CountReaderLine, &out->reader_slots_used) <
      0) {
    return Status::IOError("mdb_reader_list failed");
  }
  struct stat file {};
  const std::string data = impl_->path + "/data.mdb";
  if (::stat(data.c_str(), &file) != 0) {
    return Status::IOError("cannot stat " + data + ": " + std::strerror(errno));
  }
  out->data_file_bytes = static_cast<uint64_t>(file.st_size);
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  MDB_val k = internal::ToVal(std::string_view("format")), v;
  int rc = mdb_get(txn.get(), impl_->meta, &k, &v);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(meta)", rc);
  out->format = std::string(internal::ToView(v));
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
