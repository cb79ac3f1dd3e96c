// Opening a store: one environment per path per process, its tables and
// its format marker.
#include "libexport/store.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "guard.h"
#include "migrate.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;
using internal::Txn;

namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kFormatValue = "libexport-store 2";
constexpr std::string_view kFormat1Value = "libexport-store 1";

// One environment per path per process (lmdb.h "Caveats": opening an
// environment twice in one process breaks its locks).
std::mutex registry_mu;
std::map<std::string, std::weak_ptr<Store>>& Registry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Store>>;
  return *registry;
}

// Why `wanted` cannot be served by the store already open with `open`:
// the first option that differs (every one but create_if_missing, which no
// longer matters once the store exists). A clock cannot be compared, so one
// given to either open is a difference.
Status CheckSameOptions(const std::string& path, const StoreOptions& open,
                        const StoreOptions& wanted) {
  auto differs = [&](const char* field, const std::string& was,
                     const std::string& asked) {
    return Status::InvalidArgument(
        path + " is already open in this process with " + field + "=" + was +
            " (asked: " + asked +
            "); one process has one Store per path, with one set of options: "
            "open it with the same options, or share the open Store",
        field);
  };
  auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };
  if (open.read_only != wanted.read_only)
    return differs("read_only", yes_no(open.read_only),
                   yes_no(wanted.read_only));
  if (open.max_map_size != wanted.max_map_size)
    return differs("max_map_size", std::to_string(open.max_map_size),
                   std::to_string(wanted.max_map_size));
  if (open.max_readers != wanted.max_readers)
    return differs("max_readers", std::to_string(open.max_readers),
                   std::to_string(wanted.max_readers));
  if (open.sync != wanted.sync)
    return differs("sync", yes_no(open.sync), yes_no(wanted.sync));
  if (open.catalog_memory_budget != wanted.catalog_memory_budget)
    return differs("catalog_memory_budget",
                   std::to_string(open.catalog_memory_budget),
                   std::to_string(wanted.catalog_memory_budget));
  if (open.tombstone_retention != wanted.tombstone_retention)
    return differs("tombstone_retention",
                   std::to_string(open.tombstone_retention.count()) + "s",
                   std::to_string(wanted.tombstone_retention.count()) + "s");
  if (open.clock || wanted.clock)
    return differs("clock", open.clock ? "a custom clock" : "the system clock",
                   wanted.clock ? "a custom clock" : "the system clock");
  return Status::Ok();
}

}  // namespace

Store::Impl::~Impl() {
  if (env != nullptr) mdb_env_close(env);
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
const std::string& Store::path() const { return impl_->path; }
uint64_t Store::map_size() const { return impl_->map_size(); }

Result<std::shared_ptr<Store>> Store::Open(const std::string& path,
                                           const StoreOptions& options) try {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(fs::path(path) / "data.mdb", ec);
  if (!exists) {
    if (!options.create_if_missing || options.read_only) {
      return Status::NotFound("no store in " + path);
    }
    fs::create_directories(path, ec);
    if (ec)
      return Status::IOError("cannot create " + path + ": " + ec.message());
    ::chmod(path.c_str(), 0700);
  }
  std::string canonical = fs::weakly_canonical(path, ec).string();
  if (ec)
    return Status::IOError("cannot resolve " + path + ": " + ec.message());

  std::lock_guard<std::mutex> lock(registry_mu);
  if (auto open = Registry()[canonical].lock()) {
    LIBEXPORT_RETURN_IF_ERROR(
        CheckSameOptions(canonical, open->impl_->options, options));
    return open;
  }

  auto impl = std::make_unique<Impl>();
  impl->path = canonical;
  impl->options = options;
  int rc = mdb_env_create(&impl->env);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_env_create", rc);
  mdb_env_set_maxdbs(impl->env, 16);
  mdb_env_set_maxreaders(impl->env, options.max_readers);
  // The whole map at once: address space, not memory or disk (the file
  // grows with the data). Every process that uses the defaults maps the same
  // size, so none ever has to adopt another's (MDB_MAP_RESIZED), which
  // could only happen with no transaction open in this process.
  rc = mdb_env_set_mapsize(impl->env,
                           std::max<uint64_t>(options.max_map_size, 64 << 10));
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_env_set_mapsize", rc);
  // MDB_NOTLS: read txns belong to their MDB_txn, not to a thread, so
  // server worker pools and streaming exports may hold several.
  unsigned flags = MDB_NOTLS | (options.sync ? 0 : MDB_NOSYNC) |
                   (options.read_only ? MDB_RDONLY : 0);
  rc = mdb_env_open(impl->env, canonical.c_str(), flags, 0600);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_env_open", rc);
  int dead = 0;
  mdb_reader_check(impl->env, &dead);  // slots of crashed processes
  MDB_envinfo info;
  mdb_env_info(impl->env, &info);
  impl->map_size_.store(info.me_mapsize);

  // Open every table once, in one transaction (lmdb.h: mdb_dbi_open must
  // not run concurrently), then share the handles.
  Txn txn;
  rc = txn.Begin(impl->env, options.read_only ? MDB_RDONLY : 0);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_txn_begin", rc);
  unsigned create = options.read_only ? 0 : MDB_CREATE;
  // The format marker first: a read-only open of a format 1 store has no
  // format 2 tables to open.
  rc = mdb_dbi_open(txn.get(), "meta", create, &impl->meta);
  if (rc == MDB_NOTFOUND)
    return Status::Corruption(canonical + " is not a libexport store");
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_dbi_open", rc);
  MDB_val k = ToVal(kFormatKey), v;
  rc = mdb_get(txn.get(), impl->meta, &k, &v);
  bool migrate = false;
  if (rc == MDB_NOTFOUND && !options.read_only) {
    MDB_val fv = ToVal(kFormatValue);
    rc = mdb_put(txn.get(), impl->meta, &k, &fv, 0);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(meta)", rc);
  } else if (rc != MDB_SUCCESS) {
    return LmdbStatus("mdb_get(meta)", rc);
  } else if (ToView(v) == kFormat1Value) {
    if (options.read_only) {
      return Status::Corruption(
          canonical +
          " is in store format 1; open it read-write once to upgrade it to "
          "format 2 (for example: exportctl tracker list --store " +
          canonical + ")");
    }
    migrate = true;
  } else if (ToView(v) != kFormatValue) {
    return Status::Corruption(canonical + ": unknown store format \"" +
                              std::string(ToView(v).substr(0, 64)) + "\"");
  }
  struct {
    const char* name;
    unsigned flags;
    MDB_dbi* dbi;
  } tables[] = {{"trackers", 0, &impl->trackers},
                {"records", 0, &impl->records},
                {"index", MDB_DUPSORT | MDB_DUPFIXED, &impl->index},
                {"catalog", 0, &impl->catalog},
                {"changes", 0, &impl->changes},
                {"graves", MDB_DUPSORT | MDB_DUPFIXED, &impl->graves},
                {"boundaries", 0, &impl->boundaries}};
  for (auto& t : tables) {
    rc = mdb_dbi_open(txn.get(), t.name, t.flags | create, t.dbi);
    if (rc == MDB_NOTFOUND)
      return Status::Corruption(canonical + " is not a libexport store");
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_dbi_open", rc);
  }
  // Added after format 2 was released (an additive table): a read-only
  // open of a store no writer has opened since has none.
  rc = mdb_dbi_open(txn.get(), "audit_log", create, &impl->audit_log);
  if (rc == MDB_SUCCESS) {
    impl->has_audit_log = true;
  } else if (rc != MDB_NOTFOUND || !options.read_only) {
    return LmdbStatus("mdb_dbi_open", rc);
  }
  rc = txn.Commit();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_txn_commit", rc);
  if (migrate) {
    // One write transaction: a crash leaves format 1, untouched.
    Status st = impl->Write([&](MDB_txn* t) -> Status {
      LIBEXPORT_RETURN_IF_ERROR(internal::MigrateFormat1(*impl, t));
      MDB_val mk = ToVal(kFormatKey), fv = ToVal(kFormatValue);
      return LmdbStatus("mdb_put(meta)", mdb_put(t, impl->meta, &mk, &fv, 0));
    });
    if (!st.ok()) {
      return st.WithContext(canonical +
                            ": upgrading store format 1 to 2 failed: ");
    }
  }
  for (const char* f : {"data.mdb", "lock.mdb"}) {
    ::chmod((fs::path(canonical) / f).c_str(), 0600);
  }

  std::shared_ptr<Store> store(new Store(std::move(impl)));
  Registry()[canonical] = store;
  return store;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
