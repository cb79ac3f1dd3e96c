// Trackers: their entries, adding, removing and listing them.
#include "tracker.h"

#include <openssl/rand.h>

#include <random>

#include "guard.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::Cursor;
using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;
using internal::TrackerEntry;

namespace internal {

std::string EncodeTrackerEntry(const TrackerEntry& e) {
  std::string v;
  v.push_back(3);
  AppendLE<uint32_t>(&v, e.number);
  AppendLE<uint64_t>(&v, e.catalog_items);
  AppendLE<uint64_t>(&v, e.generation);
  AppendLE<uint64_t>(&v, e.seq);
  AppendLE<uint64_t>(&v, e.compacted_through);
  AppendLE<uint64_t>(&v, e.compact_from);
  AppendLE<uint32_t>(&v, static_cast<uint32_t>(e.key.size()));
  v += e.key;
  AppendLE<int64_t>(&v, e.previous_valid_until.seconds);
  AppendLE<int32_t>(&v, e.previous_valid_until.nanos);
  v += e.previous_key;
  return v;
}

Status DecodeTrackerEntry(std::string_view v, TrackerEntry* out) {
  const Status bad = Status::Corruption("bad tracker entry");
  if (v.size() < 13 || v[0] < 1 || v[0] > 3) return bad;
  *out = TrackerEntry{};
  out->number = LoadLE<uint32_t>(v.data() + 1);
  out->catalog_items = LoadLE<uint64_t>(v.data() + 5);
  if (v[0] == 1) {
    out->key.assign(v.substr(13));
    return Status::Ok();
  }
  size_t at = 13;
  if (v[0] == 3) {
    if (v.size() < at + 32) return bad;
    out->generation = LoadLE<uint64_t>(v.data() + at);
    out->seq = LoadLE<uint64_t>(v.data() + at + 8);
    out->compacted_through = LoadLE<uint64_t>(v.data() + at + 16);
    out->compact_from = LoadLE<uint64_t>(v.data() + at + 24);
    at += 32;
  }
  if (v.size() < at + 4) return bad;
  const uint32_t key_size = LoadLE<uint32_t>(v.data() + at);
  at += 4;
  if (v.size() < at + uint64_t{key_size} + 12) return bad;
  out->key.assign(v.substr(at, key_size));
  const char* p = v.data() + at + key_size;
  out->previous_valid_until.seconds = LoadLE<int64_t>(p);
  out->previous_valid_until.nanos = LoadLE<int32_t>(p + 8);
  out->previous_key.assign(v.substr(at + key_size + 12));
  return Status::Ok();
}

}  // namespace internal

namespace {

constexpr std::string_view kNextTrackerKey = "next_tracker";

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

// 32 random bytes (OpenSSL's CSPRNG), hex-encoded.
Result<std::string> GenerateKey() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    return Status::Internal("RAND_bytes failed");
  }
  return HexEncode(raw, sizeof raw);
}

}  // namespace

namespace internal {

uint64_t NewGeneration() {
  uint64_t g = 0;
  while (g == 0) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&g), sizeof g) != 1) {
      std::random_device rd;  // as RandomUuid: the next best source
      g = uint64_t{rd()} << 32 | rd();
    }
  }
  return g;
}

}  // namespace internal

namespace internal {

Result<std::string> ChosenOrGeneratedKey(std::optional<std::string> key) {
  if (!key) return GenerateKey();
  if (key->empty()) return Status::InvalidArgument("the key is empty", "key");
  return std::move(*key);
}

}  // namespace internal

using internal::ChosenOrGeneratedKey;
using internal::NewGeneration;

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

Status Store::Impl::CreateTracker(MDB_txn* txn, std::string_view id,
                                  const std::string& key, TrackerEntry* out) {
  TrackerEntry existing;
  Status found = FindTracker(txn, id, &existing);
  if (found.ok()) {
    return Status::AlreadyExists("tracker already exists: " + std::string(id));
  }
  if (found.code() != Status::Code::kNotFound) return found;
  MDB_val k = ToVal(kNextTrackerKey), v;
  uint32_t number = 1;
  int rc = mdb_get(txn, meta, &k, &v);
  if (rc == MDB_SUCCESS && v.mv_size == 4)
    number = internal::LoadLE<uint32_t>(ToView(v).data());
  std::string next;
  internal::AppendLE<uint32_t>(&next, number + 1);
  MDB_val nv = ToVal(next);
  rc = mdb_put(txn, meta, &k, &nv, 0);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(meta)", rc);
  *out = TrackerEntry{};
  out->number = number;
  out->generation = NewGeneration();
  out->key = key;
  return PutTracker(txn, id, *out);
}

Result<std::string> Store::AddTracker(std::string_view tracker_id,
                                      std::optional<std::string> key,
                                      std::string_view actor) try {
  if (!IsValidTrackerId(tracker_id)) {
    return Status::InvalidArgument(
        "a tracker id is 1-64 characters of A-Z, a-z, 0-9, '_' and '-'",
        "tracker_id");
  }
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  const bool generated = !key.has_value();
  Result<std::string> chosen = ChosenOrGeneratedKey(std::move(key));
  if (!chosen.ok()) return chosen.status();
  key = std::move(chosen).value();
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry entry;
    LIBEXPORT_RETURN_IF_ERROR(
        impl_->CreateTracker(txn, tracker_id, *key, &entry));
    return impl_->AppendAudit(
        txn, internal::AuditRecord("tracker_add", tracker_id, actor)
                 .Text("key", generated ? "generated" : "given"));
  });
  if (!st.ok()) return st;
  return *key;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::RemoveTracker(std::string_view tracker_id,
                            std::string_view actor) try {
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  return impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    uint64_t customizations = 0;
    LIBEXPORT_RETURN_IF_ERROR(
        impl_->CountRecords(txn, e.number, &customizations));
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(
        txn, internal::AuditRecord("tracker_remove", tracker_id, actor)
                 .Count("customizations", customizations)
                 .Count("catalog_items", e.catalog_items)));
    const auto prefix = internal::TrackerPrefix(e.number);
    const std::string_view p = internal::PrefixView(prefix);
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->records, p));
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->index, p));
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->catalog, p));
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->changes, p));
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->graves, p));
    LIBEXPORT_RETURN_IF_ERROR(DeletePrefix(txn, impl_->boundaries, p));
    LIBEXPORT_RETURN_IF_ERROR(impl_->DeleteSyncState(txn, e.number));
    MDB_val k = ToVal(tracker_id);
    return LmdbStatus("mdb_del(trackers)",
                      mdb_del(txn, impl_->trackers, &k, nullptr));
  });
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::string> Store::TrackerKey(std::string_view tracker_id) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  TrackerEntry e;
  LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn.get(), tracker_id, &e));
  return e.key;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::string> Store::RotateTrackerKey(std::string_view tracker_id,
                                            std::optional<std::string> key,
                                            Timestamp previous_valid_until,
                                            std::string_view actor) try {
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  const bool generated = !key.has_value();
  Result<std::string> chosen = ChosenOrGeneratedKey(std::move(key));
  if (!chosen.ok()) return chosen.status();
  key = std::move(chosen).value();
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    e.previous_key = std::move(e.key);
    e.previous_valid_until = previous_valid_until;
    e.key = *key;
    internal::AuditRecord audit("rotate_key", tracker_id, actor);
    audit.Text("key", generated ? "generated" : "given");
    if (previous_valid_until > impl_->Now()) {
      audit.Time("previous_valid_until", previous_valid_until);
    }
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(txn, audit));
    return impl_->PutTracker(txn, tracker_id, e);
  });
  if (!st.ok()) return st;
  return *key;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::vector<std::string>> Store::SigningKeys(std::string_view tracker_id,
                                                    Timestamp now) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  return impl_->SigningKeysIn(txn.get(), tracker_id, now);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::vector<std::string>> Store::Impl::SigningKeysIn(
    MDB_txn* txn, std::string_view tracker_id, Timestamp now) const {
  TrackerEntry e;
  LIBEXPORT_RETURN_IF_ERROR(FindTracker(txn, tracker_id, &e));
  std::vector<std::string> keys = {std::move(e.key)};
  if (!e.previous_key.empty() && now < e.previous_valid_until) {
    keys.push_back(std::move(e.previous_key));
  }
  return keys;
}

Result<std::vector<TrackerInfo>> Store::ListTrackers() const try {
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
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
