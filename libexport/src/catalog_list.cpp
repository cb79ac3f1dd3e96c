// Store::ListCatalog: every identity of a tracker's catalog, for `exportctl
// catalog list` and tracker export files.
#include <algorithm>

#include "guard.h"
#include "identity_list.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

Status Store::ListCatalog(std::string_view tracker_id,
                          std::vector<std::string>* identities) const try {
  identities->clear();
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry e;
  LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn.get(), tracker_id, &e));
  const auto prefix = internal::TrackerPrefix(e.number);
  bool malformed = false;
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn.get(), impl_->catalog, internal::PrefixView(prefix),
      [&](std::string_view, std::string_view list) {
        malformed = !internal::ForEachIdentity(list, [&](std::string_view id) {
          identities->emplace_back(id);
          return true;
        });
        return !malformed;
      }));
  if (malformed) {
    identities->clear();
    return Status::Corruption("a catalog value of tracker " +
                              std::string(tracker_id) + " does not decode");
  }
  std::sort(identities->begin(), identities->end());
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
