// The sync state of a mirrored tracker (libexport/sync_state.h): one `meta`
// entry per tracker, keyed by the tracker's number (docs/store_format.md,
// "Sync state"), so a tracker removed and created again starts with none.
#include "libexport/sync_state.h"

#include "guard.h"
#include "keys.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;

namespace {

constexpr uint8_t kSyncStateVersion = 1;

// "sync" + the tracker number (u32 BE).
std::array<char, 8> SyncKey(uint32_t tracker) {
  std::array<char, 8> key{'s', 'y', 'n', 'c'};
  internal::PutBE32(key.data() + 4, tracker);
  return key;
}

std::string Encode(const SyncState& s) {
  std::string v(1, static_cast<char>(kSyncStateVersion));
  for (const std::string* field :
       {&s.upstream, &s.remote_tracker, &s.etag, &s.cursor}) {
    internal::AppendLE<uint32_t>(&v, static_cast<uint32_t>(field->size()));
    v += *field;
  }
  return v;
}

Status Decode(std::string_view v, SyncState* out) {
  const Status bad = Status::Corruption("bad sync state entry");
  if (v.empty() || static_cast<uint8_t>(v[0]) != kSyncStateVersion) return bad;
  v.remove_prefix(1);
  for (std::string* field :
       {&out->upstream, &out->remote_tracker, &out->etag, &out->cursor}) {
    if (v.size() < 4) return bad;
    const uint32_t n = internal::LoadLE<uint32_t>(v.data());
    v.remove_prefix(4);
    if (v.size() < n) return bad;
    field->assign(v.substr(0, n));
    v.remove_prefix(n);
  }
  return v.empty() ? Status::Ok() : bad;
}

}  // namespace

Status Store::Impl::GetSyncState(MDB_txn* txn, uint32_t tracker,
                                 SyncState* out) const {
  *out = SyncState{};
  const auto key = SyncKey(tracker);
  MDB_val k = ToVal(internal::KeyView(key)), v;
  const int rc = mdb_get(txn, meta, &k, &v);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(meta)", rc);
  return Decode(ToView(v), out);
}

Status Store::Impl::PutSyncState(MDB_txn* txn, uint32_t tracker,
                                 const SyncState& state) {
  const auto key = SyncKey(tracker);
  const std::string value = Encode(state);
  MDB_val k = ToVal(internal::KeyView(key)), v = ToVal(value);
  return LmdbStatus("mdb_put(meta)", mdb_put(txn, meta, &k, &v, 0));
}

Status Store::Impl::DeleteSyncState(MDB_txn* txn, uint32_t tracker) {
  const auto key = SyncKey(tracker);
  MDB_val k = ToVal(internal::KeyView(key));
  const int rc = mdb_del(txn, meta, &k, nullptr);
  return rc == MDB_NOTFOUND ? Status::Ok() : LmdbStatus("mdb_del(meta)", rc);
}

Result<SyncState> Store::SyncStateOf(std::string_view tracker_id) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry e;
  LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn.get(), tracker_id, &e));
  SyncState state;
  LIBEXPORT_RETURN_IF_ERROR(impl_->GetSyncState(txn.get(), e.number, &state));
  return state;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::SetSyncState(std::string_view tracker_id, const SyncState& state,
                           std::string_view actor) try {
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  return impl_->Write([&](MDB_txn* txn) -> Status {
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(
        txn, internal::AuditRecord("sync_state", tracker_id, actor)
                 .Text("upstream", state.upstream)
                 .Text("remote_tracker", state.remote_tracker)));
    return impl_->PutSyncState(txn, e.number, state);
  });
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
