// Single-record writes: a record and its index entries, put or deleted
// together, each change reported to the tracker's history.
#include "customization.h"
#include "guard.h"
#include "index.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;
using internal::TrackerEntry;

Status Store::Impl::PutRecord(MDB_txn* txn, internal::History* history,
                              const internal::Uuid& id, std::string_view body,
                              PutOutcome* outcome, IndexEntries* deferred,
                              bool append) {
  const uint32_t tracker = history->tracker().number;
  auto key = internal::MakeRecordKey(tracker, id);
  MDB_val k = ToVal(internal::KeyView(key)), old;
  int rc = append ? MDB_NOTFOUND : mdb_get(txn, records, &k, &old);
  *outcome = rc == MDB_SUCCESS ? PutOutcome::kReplaced : PutOutcome::kInserted;
  uint64_t old_seq = 0;
  if (rc == MDB_SUCCESS) {
    internal::RecordView view;
    const std::string_view stored = ToView(old);
    if (internal::RecordView::Parse(internal::KeyView(key), stored, &view)
            .ok()) {
      if (internal::RecordBody(stored) == body) {
        *outcome = PutOutcome::kUnchanged;  // not a change: no seq
        return Status::Ok();
      }
      old_seq = internal::RecordSeq(stored);
      LIBEXPORT_RETURN_IF_ERROR(internal::DeleteIndexEntries(
          txn, index, internal::IndexKeysOf(tracker, view), id));
      history->Windows(view, -1);
    } else if (stored.size() >= internal::kRecordTrailerSize) {
      old_seq = internal::RecordSeq(stored);  // best effort: it is corrupt
    }
  } else if (rc != MDB_NOTFOUND) {
    return LmdbStatus("mdb_get(records)", rc);
  }
  internal::RecordView view;
  LIBEXPORT_RETURN_IF_ERROR(internal::RecordView::ParseBody(body, &view));
  const uint64_t seq = history->Next();
  MDB_val v{body.size() + internal::kRecordTrailerSize, nullptr};
  rc = mdb_put(txn, records, &k, &v, MDB_RESERVE | (append ? MDB_APPEND : 0));
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(records)", rc);
  internal::SealRecord(body, seq, static_cast<char*>(v.mv_data));
  LIBEXPORT_RETURN_IF_ERROR(history->RecordPut(id, old_seq, seq));
  history->Windows(view, +1);
  IndexEntries entries;
  IndexEntries* out = deferred != nullptr ? deferred : &entries;
  for (const auto& key : internal::IndexKeysOf(tracker, view))
    out->emplace_back(key, id);
  return deferred != nullptr ? Status::Ok() : PutIndexEntries(txn, entries);
}

Status Store::Impl::DeleteRecord(MDB_txn* txn, internal::History* history,
                                 const internal::Uuid& id) {
  const uint32_t tracker = history->tracker().number;
  auto key = internal::MakeRecordKey(tracker, id);
  MDB_val k = ToVal(internal::KeyView(key)), old;
  int rc = mdb_get(txn, records, &k, &old);
  if (rc == MDB_NOTFOUND) {
    return Status::NotFound("customization not found: " +
                            internal::UuidToString(id));
  }
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(records)", rc);
  internal::RecordView view;
  const std::string_view stored = ToView(old);
  uint64_t old_seq = 0;
  if (internal::RecordView::Parse(internal::KeyView(key), stored, &view).ok()) {
    LIBEXPORT_RETURN_IF_ERROR(internal::DeleteIndexEntries(
        txn, index, internal::IndexKeysOf(tracker, view), id));
    history->Windows(view, -1);
    old_seq = internal::RecordSeq(stored);
  } else if (stored.size() >= internal::kRecordTrailerSize) {
    old_seq = internal::RecordSeq(stored);
  }
  rc = mdb_del(txn, records, &k, nullptr);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_del(records)", rc);
  return history->RecordDeleted(id, old_seq);
}

Result<std::string> Store::Put(std::string_view tracker_id,
                               std::string_view json, PutMode mode,
                               Timestamp now, std::string_view actor) try {
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
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
    // A full replacement keeps the stored created_at (a stored record that
    // does not decode has none to keep).
    internal::RecordView stored;
    internal::ReplacementStamps stamps;
    if (rc == MDB_SUCCESS &&
        internal::RecordView::Parse(internal::KeyView(key), ToView(v), &stored)
            .ok() &&
        internal::CanonicalCreatedAt(stored.json(), &stamps.created_at)) {
      LIBEXPORT_RETURN_IF_ERROR(
          internal::EncodeCustomizationJson(json, now, &rec, &stamps));
    }
    internal::History history = impl_->MakeHistory(txn, &e);
    Impl::PutOutcome outcome;
    LIBEXPORT_RETURN_IF_ERROR(
        impl_->PutRecord(txn, &history, rec.id, rec.value, &outcome));
    static constexpr std::string_view kModes[] = {"create", "replace",
                                                  "upsert"};
    static constexpr std::string_view kOutcomes[] = {"inserted", "replaced",
                                                     "unchanged"};
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(
        txn, internal::AuditRecord("put", tracker_id, actor)
                 .Text("id", id)
                 .Text("mode", kModes[static_cast<int>(mode)])
                 .Text("result", kOutcomes[static_cast<int>(outcome)])));
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
  if (!st.ok()) return st;
  return internal::UuidToString(rec.id);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

namespace {

// The id of a single-record write: InvalidArgument at "id" unless a UUID.
Status ParseIdArgument(std::string_view id, internal::Uuid* out) {
  return internal::ParseUuid(id, out)
             ? Status::Ok()
             : Status::InvalidArgument("not a UUID", "id");
}

}  // namespace

Status Store::Update(std::string_view tracker_id, std::string_view id,
                     std::string_view json, Timestamp now,
                     std::string_view actor) try {
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  internal::Uuid uuid;
  LIBEXPORT_RETURN_IF_ERROR(ParseIdArgument(id, &uuid));
  return impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    auto key = internal::MakeRecordKey(e.number, uuid);
    MDB_val k = ToVal(internal::KeyView(key)), v;
    int rc = mdb_get(txn, impl_->records, &k, &v);
    if (rc == MDB_NOTFOUND) {
      return Status::NotFound("customization not found: " +
                              internal::UuidToString(uuid));
    }
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(records)", rc);
    internal::RecordView view;
    LIBEXPORT_RETURN_IF_ERROR(
        internal::RecordView::Parse(internal::KeyView(key), ToView(v), &view));
    internal::ReplacementStamps stamps;
    if (!internal::CanonicalCreatedAt(view.json(), &stamps.created_at)) {
      return Status::Corruption("stored customization " +
                                internal::UuidToString(uuid) +
                                " has no created_at");
    }
    stamps.id = &uuid;
    stamps.updated_at = Rfc3339{now, 0};
    internal::EncodedRecord rec;
    LIBEXPORT_RETURN_IF_ERROR(
        internal::EncodeCustomizationJson(json, now, &rec, &stamps));
    internal::History history = impl_->MakeHistory(txn, &e);
    Impl::PutOutcome outcome;
    LIBEXPORT_RETURN_IF_ERROR(
        impl_->PutRecord(txn, &history, rec.id, rec.value, &outcome));
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(
        txn, internal::AuditRecord("update", tracker_id, actor)
                 .Text("id", internal::UuidToString(uuid))
                 .Text("result", outcome == Impl::PutOutcome::kUnchanged
                                     ? "unchanged"
                                     : "replaced")));
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::Delete(std::string_view tracker_id, std::string_view id,
                     std::string_view actor) try {
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  internal::Uuid uuid;
  LIBEXPORT_RETURN_IF_ERROR(ParseIdArgument(id, &uuid));
  return impl_->Write([&](MDB_txn* txn) -> Status {
    TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    internal::History history = impl_->MakeHistory(txn, &e);
    LIBEXPORT_RETURN_IF_ERROR(impl_->DeleteRecord(txn, &history, uuid));
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(
        txn, internal::AuditRecord("delete", tracker_id, actor)
                 .Text("id", internal::UuidToString(uuid))));
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
