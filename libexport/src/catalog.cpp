// The per-tracker catalog: the item identities that exist, looked up when
// remove_nonexisting_item_pins prunes pins.
#include <algorithm>

#include "guard.h"
#include "identity_list.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;

namespace {

// Identities in key order, so the B-tree is written front to back.
std::vector<std::pair<internal::CatalogKey, const std::string*>> SortedKeys(
    uint32_t tracker, const std::vector<std::string>& identities) {
  std::vector<std::pair<internal::CatalogKey, const std::string*>> keys;
  keys.reserve(identities.size());
  for (const auto& id : identities) {
    keys.emplace_back(internal::MakeCatalogKey(tracker, internal::Hash64(id)),
                      &id);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

Status Store::Impl::CheckIdentities(
    const std::vector<std::string>& identities) {
  for (size_t i = 0; i < identities.size(); ++i) {
    const std::string& id = identities[i];
    if (id.empty() || id.size() > internal::kMaxIdentitySize) {
      return Status::InvalidArgument(
          "identity " + std::to_string(i + 1) + " is " +
              (id.empty() ? std::string("empty")
                          : std::to_string(id.size()) + " bytes") +
              "; identities are 1 to 1024 bytes",
          "identity");
    }
  }
  return Status::Ok();
}

Status Store::Impl::ChangeIdentities(MDB_txn* txn, internal::History* history,
                                     const std::vector<std::string>& identities,
                                     bool add, uint64_t* changed,
                                     std::vector<std::string>* sample) {
  *changed = 0;
  sample->clear();
  // In key order: each catalog page is visited once.
  for (const auto& [key, identity] :
       SortedKeys(history->tracker().number, identities)) {
    bool done = false;
    LIBEXPORT_RETURN_IF_ERROR(
        add ? AddIdentity(txn, history, *identity, &done)
            : RemoveIdentity(txn, history, *identity, &done));
    *changed += done;
    if (done && sample->size() < internal::AuditRecord::kAuditListSize)
      sample->push_back(*identity);
  }
  std::sort(sample->begin(), sample->end());
  return Status::Ok();
}

Status Store::Impl::AddIdentity(MDB_txn* txn, internal::History* history,
                                std::string_view identity, bool* added) {
  *added = false;
  internal::TrackerEntry& e = history->tracker();
  const auto key =
      internal::MakeCatalogKey(e.number, internal::Hash64(identity));
  MDB_val k = ToVal(internal::KeyView(key)), v;
  std::string list;
  int rc = mdb_get(txn, catalog, &k, &v);
  if (rc == MDB_SUCCESS) {
    if (internal::IdentityListContains(ToView(v), identity))
      return Status::Ok();
    list.assign(ToView(v));
  } else if (rc != MDB_NOTFOUND) {
    return LmdbStatus("mdb_get(catalog)", rc);
  }
  const uint64_t seq = history->Next();
  internal::IdentityListAppend(&list, identity, seq);
  MDB_val nv = ToVal(list);
  rc = mdb_put(txn, catalog, &k, &nv, 0);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(catalog)", rc);
  LIBEXPORT_RETURN_IF_ERROR(history->IdentityAdded(identity, seq));
  ++e.catalog_items;
  *added = true;
  return Status::Ok();
}

Status Store::Impl::RemoveIdentity(MDB_txn* txn, internal::History* history,
                                   std::string_view identity, bool* removed) {
  *removed = false;
  internal::TrackerEntry& e = history->tracker();
  const auto key =
      internal::MakeCatalogKey(e.number, internal::Hash64(identity));
  MDB_val k = ToVal(internal::KeyView(key)), v;
  int rc = mdb_get(txn, catalog, &k, &v);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(catalog)", rc);
  std::string kept;
  uint64_t old_seq = 0;
  if (!internal::IdentityListRemove(ToView(v), identity, &kept, &old_seq)) {
    return Status::Ok();
  }
  if (kept.empty()) {
    rc = mdb_del(txn, catalog, &k, nullptr);
  } else {
    MDB_val nv = ToVal(kept);
    rc = mdb_put(txn, catalog, &k, &nv, 0);
  }
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(catalog)", rc);
  LIBEXPORT_RETURN_IF_ERROR(history->IdentityRemoved(identity, old_seq));
  e.catalog_items -= std::min<uint64_t>(e.catalog_items, 1);
  *removed = true;
  return Status::Ok();
}

namespace {

// Adds (or removes) `identities` in one transaction.
Status ChangeCatalog(Store::Impl* impl, std::string_view tracker_id,
                     const std::vector<std::string>& identities,
                     uint64_t* changed, bool add, std::string_view actor) {
  LIBEXPORT_RETURN_IF_ERROR(Store::Impl::CheckIdentities(identities));
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(actor));
  uint64_t count = 0;
  Status st = impl->Write([&](MDB_txn* txn) -> Status {
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl->FindTracker(txn, tracker_id, &e));
    internal::History history = impl->MakeHistory(txn, &e);
    std::vector<std::string> sample;  // the first few, for the log
    LIBEXPORT_RETURN_IF_ERROR(impl->ChangeIdentities(txn, &history, identities,
                                                     add, &count, &sample));
    LIBEXPORT_RETURN_IF_ERROR(impl->AppendAudit(
        txn, internal::AuditRecord(add ? "catalog_add" : "catalog_remove",
                                   tracker_id, actor)
                 .Count("requested", identities.size())
                 .Count("changed", count)
                 .Texts("identities", sample)));
    return impl->FinishHistory(txn, &history, tracker_id);
  });
  if (st.ok() && changed != nullptr) *changed = count;
  return st;
}

}  // namespace

Status Store::AddCatalogItems(std::string_view tracker_id,
                              const std::vector<std::string>& identities,
                              uint64_t* changed, std::string_view actor) try {
  return ChangeCatalog(impl_.get(), tracker_id, identities, changed, true,
                       actor);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::RemoveCatalogItems(std::string_view tracker_id,
                                 const std::vector<std::string>& identities,
                                 uint64_t* changed,
                                 std::string_view actor) try {
  return ChangeCatalog(impl_.get(), tracker_id, identities, changed, false,
                       actor);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<bool> Store::CatalogContains(std::string_view tracker_id,
                                    std::string_view identity) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry e;
  LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn.get(), tracker_id, &e));
  auto key = internal::MakeCatalogKey(e.number, internal::Hash64(identity));
  MDB_val k = ToVal(internal::KeyView(key)), v;
  int rc = mdb_get(txn.get(), impl_->catalog, &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(catalog)", rc);
  return internal::IdentityListContains(ToView(v), identity);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
