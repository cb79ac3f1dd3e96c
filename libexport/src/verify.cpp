// Verify: every record of a tracker decodes, and the indexes and the
// records agree (exportctl verify; the crash tests run it after kill -9).
#include <algorithm>

#include "guard.h"
#include "identity_list.h"
#include "index.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

Status Store::Verify(std::string_view tracker_id, VerifyReport* report) const
    try {
  *report = VerifyReport{};
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), tracker_id, &tracker));
  const auto prefix_bytes = internal::TrackerPrefix(tracker.number);
  const std::string_view prefix = internal::PrefixView(prefix_bytes);

  Impl::IndexEntries expected, actual;
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn.get(), impl_->records, prefix,
      [&](std::string_view k, std::string_view v) {
        ++report->records;
        if (k.size() != internal::kRecordKeySize) {
          report->problems.push_back("record key of " +
                                     std::to_string(k.size()) + " bytes");
          return true;
        }
        internal::Uuid id;
        std::memcpy(id.data(), k.data() + 4, 16);
        internal::RecordView r;
        Status st = internal::RecordView::Parse(k, v, &r);
        if (!st.ok()) {
          report->problems.push_back("record " + internal::UuidToString(id) +
                                     " does not decode: " + st.message());
          return true;
        }
        for (const auto& key : internal::IndexKeysOf(tracker.number, r)) {
          expected.emplace_back(key, id);
        }
        // The history names the record at its seq (the changes feed).
        const auto ck =
            internal::MakeChangeKey(tracker.number, internal::RecordSeq(v));
        MDB_val ckv = internal::ToVal(internal::KeyView(ck)), cv;
        internal::ChangeEntry change;
        if (mdb_get(txn.get(), impl_->changes, &ckv, &cv) != MDB_SUCCESS ||
            !internal::DecodeChange(internal::ToView(cv), &change).ok() ||
            change.op != internal::ChangeOp::kUpsert ||
            change.subject !=
                std::string_view(reinterpret_cast<const char*>(id.data()),
                                 id.size())) {
          report->problems.push_back("customization " +
                                     internal::UuidToString(id) +
                                     " is missing from the change history");
        }
        return true;
      }));
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn.get(), impl_->index, prefix,
      [&](std::string_view k, std::string_view v) {
        if (k.size() != internal::kIndexKeySize || v.size() != 16) {
          report->problems.push_back("malformed index entry");
          return true;
        }
        std::pair<internal::IndexKey, internal::Uuid> e;
        std::memcpy(e.first.data(), k.data(), internal::kIndexKeySize);
        std::memcpy(e.second.data(), v.data(), 16);
        actual.push_back(e);
        return true;
      }));
  report->index_entries = actual.size();
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  std::sort(actual.begin(), actual.end());
  Impl::IndexEntries missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(),
                      actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(),
                      expected.end(), std::back_inserter(extra));
  if (!missing.empty()) {
    report->problems.push_back(
        std::to_string(missing.size()) +
        " index entries missing, first for customization " +
        internal::UuidToString(missing[0].second));
  }
  if (!extra.empty()) {
    report->problems.push_back(
        std::to_string(extra.size()) +
        " index entries point at no matching record, first at " +
        internal::UuidToString(extra[0].second));
  }
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn.get(), impl_->catalog, prefix,
      [&](std::string_view, std::string_view list) {
        if (!internal::ForEachIdentity(list, [&](std::string_view) {
              ++report->catalog_items;
              return true;
            })) {
          report->problems.push_back("malformed catalog entry");
        }
        return true;
      }));
  if (report->catalog_items != tracker.catalog_items) {
    report->problems.push_back("catalog holds " +
                               std::to_string(report->catalog_items) +
                               " identities but the tracker counts " +
                               std::to_string(tracker.catalog_items));
  }
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
