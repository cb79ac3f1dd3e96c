#include "lmdb_env.h"

#include <cerrno>
#include <string>

namespace libexport::internal {

namespace {

const char* LmdbCodeName(int rc) {
  switch (rc) {
    case MDB_KEYEXIST:
      return "MDB_KEYEXIST";
    case MDB_NOTFOUND:
      return "MDB_NOTFOUND";
    case MDB_PAGE_NOTFOUND:
      return "MDB_PAGE_NOTFOUND";
    case MDB_CORRUPTED:
      return "MDB_CORRUPTED";
    case MDB_PANIC:
      return "MDB_PANIC";
    case MDB_VERSION_MISMATCH:
      return "MDB_VERSION_MISMATCH";
    case MDB_INVALID:
      return "MDB_INVALID";
    case MDB_MAP_FULL:
      return "MDB_MAP_FULL";
    case MDB_DBS_FULL:
      return "MDB_DBS_FULL";
    case MDB_READERS_FULL:
      return "MDB_READERS_FULL";
    case MDB_TXN_FULL:
      return "MDB_TXN_FULL";
    case MDB_CURSOR_FULL:
      return "MDB_CURSOR_FULL";
    case MDB_PAGE_FULL:
      return "MDB_PAGE_FULL";
    case MDB_MAP_RESIZED:
      return "MDB_MAP_RESIZED";
    case MDB_INCOMPATIBLE:
      return "MDB_INCOMPATIBLE";
    case MDB_BAD_RSLOT:
      return "MDB_BAD_RSLOT";
    case MDB_BAD_TXN:
      return "MDB_BAD_TXN";
    case MDB_BAD_VALSIZE:
      return "MDB_BAD_VALSIZE";
    case MDB_BAD_DBI:
      return "MDB_BAD_DBI";
    default:
      return nullptr;
  }
}

}  // namespace

Status LmdbStatus(const char* origin, int rc) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  const char* name = LmdbCodeName(rc);
  std::string msg =
      std::string(origin) + ": " + (name ? name : mdb_strerror(rc));
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(msg);
    case MDB_MAP_FULL:
      return Status::ResourceExhausted(msg);
    case ENOSPC:
      return Status::ResourceExhausted(msg + " (disk full)");
    case MDB_CORRUPTED:
    case MDB_PANIC:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Status::Corruption(msg);
    default:
      return Status::IOError(msg);
  }
}

bool IsMapFull(const Status& s) {
  return s.code() == Status::Code::kResourceExhausted &&
         s.message().find("MDB_MAP_FULL") != std::string::npos;
}

}  // namespace libexport::internal
