// Backup: a compacted copy of the environment (mdb_env_copy2).
#include <sys/stat.h>

#include <filesystem>

#include "guard.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;

Status Store::Backup(const std::string& dir) const try {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  if (fs::exists(fs::path(dir) / "data.mdb")) {
    return Status::AlreadyExists(dir + " already holds a store");
  }
  ::chmod(dir.c_str(), 0700);
  // mdb_env_copy2 runs its own read txn: hold the resize lock like one.
  std::shared_lock<std::shared_mutex> lock(impl_->resize_mu_);
  Status st = LmdbStatus(
      "mdb_env_copy2", mdb_env_copy2(impl_->env, dir.c_str(), MDB_CP_COMPACT));
  if (st.ok()) ::chmod((fs::path(dir) / "data.mdb").c_str(), 0600);
  return st;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
