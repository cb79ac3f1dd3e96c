// Opening a store, the transaction rules, trackers, and single-record writes.
#include "libexport/store.h"

#include <openssl/rand.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "customization.h"
#include "store_impl.h"

namespace libexport {

using internal::Cursor;
using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;
using internal::TrackerEntry;
using internal::Txn;

namespace internal {

RecordKey MakeRecordKey(uint32_t tracker, const Uuid& id) {
  RecordKey k;
  PutBE32(k.data(), tracker);
  std::memcpy(k.data() + 4, id.data(), id.size());
  return k;
}

IndexKey MakeIndexKey(uint32_t tracker, IndexKind kind, uint64_t hash) {
  IndexKey k;
  PutBE32(k.data(), tracker);
  k[4] = static_cast<char>(kind);
  PutBE64(k.data() + 5, hash);
  return k;
}

CatalogKey MakeCatalogKey(uint32_t tracker, uint64_t hash) {
  CatalogKey k;
  PutBE32(k.data(), tracker);
  PutBE64(k.data() + 4, hash);
  return k;
}

std::vector<IndexKey> IndexKeysOf(uint32_t tracker, const RecordView& r) {
  std::vector<IndexKey> keys;
  keys.reserve(3 + r.tag_count() + r.pin_count());
  keys.push_back(MakeIndexKey(tracker, IndexKind::kModel, r.model_ref().hash));
  keys.push_back(MakeIndexKey(tracker, IndexKind::kTargetType,
                              static_cast<uint64_t>(r.target_type())));
  if (r.has_target_identity()) {
    keys.push_back(MakeIndexKey(tracker, IndexKind::kTargetIdentity,
                                r.target_identity_ref().hash));
  }
  for (size_t i = 0; i < r.tag_count(); ++i) {
    keys.push_back(MakeIndexKey(tracker, IndexKind::kTag, r.tag_ref(i).hash));
  }
  for (size_t i = 0; i < r.pin_count(); ++i) {
    PinEntry p = r.pin(i);
    if (p.type == PinType::kItem) {
      keys.push_back(
          MakeIndexKey(tracker, IndexKind::kPinItem, p.identity.hash));
    }
  }
  // Two values with one hash (or a pin repeated) make one entry.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string EncodeTrackerEntry(const TrackerEntry& e) {
  std::string v;
  v.push_back(1);
  AppendLE<uint32_t>(&v, e.number);
  AppendLE<uint64_t>(&v, e.catalog_items);
  v += e.key;
  return v;
}

Status DecodeTrackerEntry(std::string_view v, TrackerEntry* out) {
  if (v.size() < 13 || v[0] != 1)
    return Status::Corruption("bad tracker entry");
  out->number = LoadLE<uint32_t>(v.data() + 1);
  out->catalog_items = LoadLE<uint64_t>(v.data() + 5);
  out->key.assign(v.substr(13));
  return Status::Ok();
}

}  // namespace internal

namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kFormatValue = "libexport-store 1";
constexpr std::string_view kNextTrackerKey = "next_tracker";

// One environment per path per process (lmdb.h "Caveats": opening an
// environment twice in one process breaks its locks).
std::mutex registry_mu;
std::map<std::string, std::weak_ptr<Store>>& Registry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Store>>;
  return *registry;
}

std::string HexEncode(const unsigned char* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

}  // namespace

Store::Impl::~Impl() {
  if (env != nullptr) mdb_env_close(env);
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

Status Store::Impl::FindTracker(MDB_txn* txn, std::string_view id,
                                TrackerEntry* out) const {
  if (!IsValidTrackerId(id)) {
    return Status::InvalidArgument(
        "a tracker id is 1-64 characters of A-Z, a-z, 0-9, '_' and '-'",
        "tracker_id");
  }
  MDB_val k = ToVal(id), v;
  int rc = mdb_get(txn, trackers, &k, &v);
  if (rc == MDB_NOTFOUND)
    return Status::NotFound("tracker not found: " + std::string(id));
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(trackers)", rc);
  return internal::DecodeTrackerEntry(ToView(v), out);
}

Status Store::Impl::PutTracker(MDB_txn* txn, std::string_view id,
                               const TrackerEntry& e) {
  std::string v = internal::EncodeTrackerEntry(e);
  MDB_val k = ToVal(id), val = ToVal(v);
  return LmdbStatus("mdb_put(trackers)", mdb_put(txn, trackers, &k, &val, 0));
}

namespace {

Status DeleteIndexEntries(MDB_txn* txn, MDB_dbi dbi,
                          const std::vector<internal::IndexKey>& keys,
                          const internal::Uuid& id) {
  MDB_val v{id.size(), const_cast<uint8_t*>(id.data())};
  for (const auto& key : keys) {
    MDB_val k = ToVal(internal::KeyView(key));
    int rc = mdb_del(txn, dbi, &k, &v);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_del(index)", rc);
  }
  return Status::Ok();
}

}  // namespace

Status Store::Impl::PutIndexEntries(MDB_txn* txn, const IndexEntries& entries) {
  for (const auto& [key, id] : entries) {
    MDB_val k = ToVal(internal::KeyView(key));
    MDB_val v{id.size(), const_cast<uint8_t*>(id.data())};
    int rc = mdb_put(txn, index, &k, &v, MDB_NODUPDATA);
    if (rc != MDB_SUCCESS && rc != MDB_KEYEXIST)
      return LmdbStatus("mdb_put(index)", rc);
  }
  return Status::Ok();
}

Status Store::Impl::PutRecord(MDB_txn* txn, uint32_t tracker,
                              const internal::Uuid& id, std::string_view value,
                              bool* replaced, IndexEntries* deferred,
                              bool append) {
  auto key = internal::MakeRecordKey(tracker, id);
  MDB_val k = ToVal(internal::KeyView(key)), old;
  int rc = append ? MDB_NOTFOUND : mdb_get(txn, records, &k, &old);
  *replaced = rc == MDB_SUCCESS;
  if (rc == MDB_SUCCESS) {
    internal::RecordView view;
    if (internal::RecordView::Parse(ToView(old), &view).ok()) {
      LIBEXPORT_RETURN_IF_ERROR(DeleteIndexEntries(
          txn, index, internal::IndexKeysOf(tracker, view), id));
    }
  } else if (rc != MDB_NOTFOUND) {
    return LmdbStatus("mdb_get(records)", rc);
  }
  internal::RecordView view;
  LIBEXPORT_RETURN_IF_ERROR(internal::RecordView::Parse(value, &view));
  MDB_val v = ToVal(value);
  rc = mdb_put(txn, records, &k, &v, append ? MDB_APPEND : 0);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(records)", rc);
  IndexEntries entries;
  IndexEntries* out = deferred != nullptr ? deferred : &entries;
  for (const auto& key : internal::IndexKeysOf(tracker, view))
    out->emplace_back(key, id);
  return deferred != nullptr ? Status::Ok() : PutIndexEntries(txn, entries);
}

Status Store::Impl::DeleteRecord(MDB_txn* txn, uint32_t tracker,
                                 const internal::Uuid& id) {
  auto key = internal::MakeRecordKey(tracker, id);
  MDB_val k = ToVal(internal::KeyView(key)), old;
  int rc = mdb_get(txn, records, &k, &old);
  if (rc == MDB_NOTFOUND) {
    return Status::NotFound("customization not found: " +
                            internal::UuidToString(id));
  }
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(records)", rc);
  internal::RecordView view;
  if (internal::RecordView::Parse(ToView(old), &view).ok()) {
    LIBEXPORT_RETURN_IF_ERROR(DeleteIndexEntries(
        txn, index, internal::IndexKeysOf(tracker, view), id));
  }
  return LmdbStatus("mdb_del(records)", mdb_del(txn, records, &k, nullptr));
}

// ------------------------------------------------------------------- Store

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
const std::string& Store::path() const { return impl_->path; }
uint64_t Store::map_size() const { return impl_->map_size(); }

Result<std::shared_ptr<Store>> Store::Open(const std::string& path,
                                           const StoreOptions& options) {
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
  if (auto open = Registry()[canonical].lock()) return open;

  auto impl = std::make_unique<Impl>();
  impl->path = canonical;
  impl->options = options;
  int rc = mdb_env_create(&impl->env);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_env_create", rc);
  mdb_env_set_maxdbs(impl->env, 8);
  mdb_env_set_maxreaders(impl->env, options.max_readers);
  uint64_t initial =
      std::min(std::max<uint64_t>(options.initial_map_size, 64 << 10),
               std::max<uint64_t>(options.max_map_size, 64 << 10));
  rc = mdb_env_set_mapsize(impl->env, initial);
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
  struct {
    const char* name;
    unsigned flags;
    MDB_dbi* dbi;
  } tables[] = {{"meta", 0, &impl->meta},
                {"trackers", 0, &impl->trackers},
                {"records", 0, &impl->records},
                {"index", MDB_DUPSORT | MDB_DUPFIXED, &impl->index},
                {"catalog", 0, &impl->catalog}};
  for (auto& t : tables) {
    rc = mdb_dbi_open(txn.get(), t.name, t.flags | create, t.dbi);
    if (rc == MDB_NOTFOUND)
      return Status::Corruption(canonical + " is not a libexport store");
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_dbi_open", rc);
  }
  MDB_val k = ToVal(kFormatKey), v;
  rc = mdb_get(txn.get(), impl->meta, &k, &v);
  if (rc == MDB_NOTFOUND && !options.read_only) {
    MDB_val fv = ToVal(kFormatValue);
    rc = mdb_put(txn.get(), impl->meta, &k, &fv, 0);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(meta)", rc);
  } else if (rc != MDB_SUCCESS) {
    return LmdbStatus("mdb_get(meta)", rc);
  } else if (ToView(v) != kFormatValue) {
    return Status::Corruption(canonical + ": unknown store format \"" +
                              std::string(ToView(v).substr(0, 64)) + "\"");
  }
  rc = txn.Commit();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_txn_commit", rc);
  for (const char* f : {"data.mdb", "lock.mdb"}) {
    ::chmod((fs::path(canonical) / f).c_str(), 0600);
  }

  std::shared_ptr<Store> store(new Store(std::move(impl)));
  Registry()[canonical] = store;
  return store;
}

// ---------------------------------------------------------------- trackers

Result<std::string> Store::AddTracker(std::string_view tracker_id,
                                      std::optional<std::string> key) {
  if (!IsValidTrackerId(tracker_id)) {
    return Status::InvalidArgument(
        "a tracker id is 1-64 characters of A-Z, a-z, 0-9, '_' and '-'",
        "tracker_id");
  }
  if (key && key->empty())
    return Status::InvalidArgument("the key is empty", "key");
  if (!key) {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1)
      return Status::Internal("RAND_bytes failed");
    key = HexEncode(raw, sizeof raw);
  }
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry existing;
    Status found = impl_->FindTracker(txn, tracker_id, &existing);
    if (found.ok()) {
      return Status::AlreadyExists("tracker already exists: " +
                                   std::string(tracker_id));
    }
    if (found.code() != Status::Code::kNotFound) return found;
    MDB_val k = ToVal(kNextTrackerKey), v;
    uint32_t number = 1;
    int rc = mdb_get(txn, impl_->meta, &k, &v);
    if (rc == MDB_SUCCESS && v.mv_size == 4)
      number = internal::LoadLE<uint32_t>(ToView(v).data());
    std::string next;
    internal::AppendLE<uint32_t>(&next, number + 1);
    MDB_val nv = ToVal(next);
    rc = mdb_put(txn, impl_->meta, &k, &nv, 0);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(meta)", rc);
    return impl_->PutTracker(txn, tracker_id, TrackerEntry{number, 0, *key});
  });
  if (!st.ok()) return st;
  return *key;
}

namespace {

// Deletes every key of `dbi` that starts with `prefix`. For DUPSORT tables
// whole keys are deleted with mdb_del(key, NULL), never dup by dup with a
// cursor (DUPSORT cursor-delete bugs fixed only after LMDB 0.9.24).
Status DeletePrefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix) {
  std::vector<std::string> keys;
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn, dbi, prefix,
      [&](std::string_view k, std::string_view) {
        keys.emplace_back(k);
        return true;
      },
      MDB_NEXT_NODUP));
  for (const auto& key : keys) {
    MDB_val k = ToVal(key);
    int rc = mdb_del(txn, dbi, &k, nullptr);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_del", rc);
  }
  return Status::Ok();
}

}  // namespace

Status Store::RemoveTracker(std::string_view tracker_id) {
  return impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    const auto prefix = internal::TrackerPrefix(e.number);
    const std::string_view p = internal::PrefixView(prefix);
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->records, p));
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->index, p));
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->catalog, p));
    MDB_val k = ToVal(tracker_id);
    return LmdbStatus("mdb_del(trackers)",
                      mdb_del(txn, impl_->trackers, &k, nullptr));
  });
}

Result<std::string> Store::TrackerKey(std::string_view tracker_id) const {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  TrackerEntry e;
  LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn.get(), tracker_id, &e));
  return e.key;
}

// ------------------------------------------------------------ single writes

Result<std::string> Store::Put(std::string_view tracker_id,
                               std::string_view json, PutMode mode,
                               Timestamp now) {
  internal::EncodedRecord rec;
  LIBEXPORT_RETURN_IF_ERROR(internal::EncodeCustomizationJson(json, now, &rec));
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    auto key = internal::MakeRecordKey(e.number, rec.id);
    MDB_val k = ToVal(internal::KeyView(key)), v;
    int rc = mdb_get(txn, impl_->records, &k, &v);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_get(records)", rc);
    std::string id = internal::UuidToString(rec.id);
    if (mode == PutMode::kCreate && rc == MDB_SUCCESS) {
      return Status::AlreadyExists("customization already exists: " + id);
    }
    if (mode == PutMode::kReplace && rc == MDB_NOTFOUND) {
      return Status::NotFound("customization not found: " + id);
    }
    bool replaced = false;
    return impl_->PutRecord(txn, e.number, rec.id, rec.value, &replaced);
  });
  if (!st.ok()) return st;
  return internal::UuidToString(rec.id);
}

Status Store::Delete(std::string_view tracker_id, std::string_view id) {
  internal::Uuid uuid;
  if (!internal::ParseUuid(id, &uuid)) {
    return Status::InvalidArgument("not a UUID", "id");
  }
  return impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    return impl_->DeleteRecord(txn, e.number, uuid);
  });
}

// ------------------------------------------------------------- maintenance

Status Store::Backup(const std::string& dir) const {
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
}

}  // namespace libexport

namespace libexport {

Status Store::Impl::CountIndex(MDB_txn* txn, const internal::IndexKey& key,
                               uint64_t* count) const {
  *count = 0;
  Cursor c;
  int rc = c.Open(txn, index);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(internal::KeyView(key)), v;
  rc = c.Get(&k, &v, MDB_SET);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get", rc);
  size_t n = 0;
  rc = mdb_cursor_count(c.get(), &n);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_count", rc);
  *count = n;
  return Status::Ok();
}

Status Store::Impl::CountRecords(MDB_txn* txn, uint32_t tracker,
                                 uint64_t* count) const {
  *count = 0;
  for (TargetType t :
       {TargetType::kItem, TargetType::kCriteria, TargetType::kAll}) {
    uint64_t n = 0;
    LIBEXPORT_RETURN_IF_ERROR(CountIndex(
        txn,
        internal::MakeIndexKey(tracker, internal::IndexKind::kTargetType,
                               static_cast<uint64_t>(t)),
        &n));
    *count += n;
  }
  return Status::Ok();
}

Result<std::vector<TrackerInfo>> Store::ListTrackers() const {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  std::vector<TrackerInfo> out;
  Cursor c;
  int rc = c.Open(txn.get(), impl_->trackers);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k, v;
  for (rc = c.Get(&k, &v, MDB_FIRST); rc == MDB_SUCCESS;
       rc = c.Get(&k, &v, MDB_NEXT)) {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(internal::DecodeTrackerEntry(ToView(v), &e));
    TrackerInfo info{std::string(ToView(k)), 0, e.catalog_items};
    LIBEXPORT_RETURN_IF_ERROR(
        impl_->CountRecords(txn.get(), e.number, &info.customizations));
    out.push_back(std::move(info));
  }
  if (rc != MDB_NOTFOUND) return LmdbStatus("mdb_cursor_get", rc);
  return out;
}

}  // namespace libexport
