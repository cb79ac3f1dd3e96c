// Single-record writes: a record and its index entries, put or deleted
// together.
#include "customization.h"
#include "index.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;
using internal::TrackerEntry;

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
      LIBEXPORT_RETURN_IF_ERROR(internal::DeleteIndexEntries(
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
    LIBEXPORT_RETURN_IF_ERROR(internal::DeleteIndexEntries(
        txn, index, internal::IndexKeysOf(tracker, view), id));
  }
  return LmdbStatus("mdb_del(records)", mdb_del(txn, records, &k, nullptr));
}

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

}  // namespace libexport
