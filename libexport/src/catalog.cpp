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

Status CheckIdentities(const std::vector<std::string>& identities) {
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

Status Store::AddCatalogItems(std::string_view tracker_id,
                              const std::vector<std::string>& identities,
                              uint64_t* changed) try {
  LIBEXPORT_RETURN_IF_ERROR(CheckIdentities(identities));
  uint64_t added = 0;
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    added = 0;
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    internal::History history = impl_->MakeHistory(txn, &e);
    for (const auto& [key, identity] : SortedKeys(e.number, identities)) {
      MDB_val k = ToVal(internal::KeyView(key)), v;
      std::string list;
      int rc = mdb_get(txn, impl_->catalog, &k, &v);
      if (rc == MDB_SUCCESS) {
        if (internal::IdentityListContains(ToView(v), *identity)) continue;
        list.assign(ToView(v));
      } else if (rc != MDB_NOTFOUND) {
        return LmdbStatus("mdb_get(catalog)", rc);
      }
      const uint64_t seq = history.Next();
      internal::IdentityListAppend(&list, *identity, seq);
      MDB_val nv = ToVal(list);
      rc = mdb_put(txn, impl_->catalog, &k, &nv, 0);
      if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(catalog)", rc);
      LIBEXPORT_RETURN_IF_ERROR(history.IdentityAdded(*identity, seq));
      ++added;
    }
    e.catalog_items += added;
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
  if (st.ok() && changed != nullptr) *changed = added;
  return st;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::RemoveCatalogItems(std::string_view tracker_id,
                                 const std::vector<std::string>& identities,
                                 uint64_t* changed) try {
  LIBEXPORT_RETURN_IF_ERROR(CheckIdentities(identities));
  uint64_t removed = 0;
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    removed = 0;
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    internal::History history = impl_->MakeHistory(txn, &e);
    for (const auto& [key, identity] : SortedKeys(e.number, identities)) {
      MDB_val k = ToVal(internal::KeyView(key)), v;
      int rc = mdb_get(txn, impl_->catalog, &k, &v);
      if (rc == MDB_NOTFOUND) continue;
      if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(catalog)", rc);
      std::string kept;
      uint64_t old_seq = 0;
      if (!internal::IdentityListRemove(ToView(v), *identity, &kept, &old_seq))
        continue;
      if (kept.empty()) {
        rc = mdb_del(txn, impl_->catalog, &k, nullptr);
      } else {
        MDB_val nv = ToVal(kept);
        rc = mdb_put(txn, impl_->catalog, &k, &nv, 0);
      }
      if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(catalog)", rc);
      LIBEXPORT_RETURN_IF_ERROR(history.IdentityRemoved(*identity, old_seq));
      ++removed;
    }
    e.catalog_items -= std::min(e.catalog_items, removed);
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
  if (st.ok() && changed != nullptr) *changed = removed;
  return st;
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
