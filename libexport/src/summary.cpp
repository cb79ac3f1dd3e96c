// Store::Summary: the customizations per model and the distinct tags of a
// tracker, from the model and tag indexes: one index key and one record
// per distinct model or tag, never a walk of every record.
#include <algorithm>
#include <cstring>

#include "guard.h"
#include "keys.h"
#include "libexport/store.h"
#include "lmdb_env.h"
#include "store_impl.h"

namespace libexport {

using internal::IndexKind;
using internal::RecordView;
using internal::ToVal;
using internal::ToView;

namespace {

// The text of index key `key` (of `kind`): read from the first record it
// holds (`first_id`), whose model or tag with the key's hash it is. Empty
// when that record is gone or does not decode.
std::string IndexedText(MDB_txn* txn, MDB_dbi records, uint32_t tracker,
                        IndexKind kind, std::string_view key,
                        std::string_view first_id) {
  if (first_id.size() != 16) return {};
  internal::Uuid id;
  std::memcpy(id.data(), first_id.data(), 16);
  const uint64_t hash = internal::LoadBE64(key.data() + 5);
  auto rkey = internal::MakeRecordKey(tracker, id);
  MDB_val rk = ToVal(internal::KeyView(rkey)), rv;
  if (mdb_get(txn, records, &rk, &rv) != MDB_SUCCESS) return {};
  RecordView r;
  if (!RecordView::Parse(internal::KeyView(rkey), ToView(rv), &r).ok()) {
    return {};
  }
  if (kind == IndexKind::kModel) return std::string(r.str(r.model_ref()));
  for (size_t i = 0; i < r.tag_count(); ++i) {
    if (r.tag_ref(i).hash == hash) return std::string(r.str(r.tag_ref(i)));
  }
  return {};
}

}  // namespace

Status Store::Summary(std::string_view tracker_id,
                      CustomizationSummary* summary) const try {
  *summary = CustomizationSummary{};
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), tracker_id, &tracker));
  for (IndexKind kind : {IndexKind::kModel, IndexKind::kTag}) {
    std::string prefix(
        internal::PrefixView(internal::TrackerPrefix(tracker.number)));
    prefix.push_back(static_cast<char>(kind));
    Status inner = Status::Ok();
    LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
        txn.get(), impl_->index, prefix,
        [&](std::string_view key, std::string_view first_id) {
          std::string text = IndexedText(txn.get(), impl_->records,
                                         tracker.number, kind, key, first_id);
          if (text.empty()) return true;  // a stale entry: nothing to name
          if (kind == IndexKind::kTag) {
            summary->user_tags.push_back(std::move(text));
            return true;
          }
          internal::IndexKey k;
          std::memcpy(k.data(), key.data(), k.size());
          uint64_t count = 0;
          inner = impl_->CountIndex(txn.get(), k, &count);
          if (!inner.ok()) return false;
          summary->scope_counts.emplace_back(std::move(text), count);
          return true;
        },
        MDB_NEXT_NODUP));
    LIBEXPORT_RETURN_IF_ERROR(inner);
  }
  std::sort(summary->scope_counts.begin(), summary->scope_counts.end());
  std::sort(summary->user_tags.begin(), summary->user_tags.end());
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
