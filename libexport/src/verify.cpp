// Verify: every record of a tracker decodes, and the indexes and the
// records agree (exportctl verify; the crash tests run it after kill -9).
#include <algorithm>

#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;

Status Store::Verify(std::string_view tracker_id, VerifyReport* report) const {
  *report = VerifyReport{};
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), tracker_id, &tracker));
  char prefix_bytes[4];
  internal::PutBE32(prefix_bytes, tracker.number);
  std::string_view prefix(prefix_bytes, 4);

  Impl::IndexEntries expected, actual;
  {
    internal::Cursor c;
    int rc = c.Open(txn.get(), impl_->records);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
    MDB_val k = ToVal(prefix), v;
    for (rc = c.Get(&k, &v, MDB_SET_RANGE);
         rc == MDB_SUCCESS && ToView(k).starts_with(prefix);
         rc = c.Get(&k, &v, MDB_NEXT)) {
      ++report->records;
      internal::Uuid id;
      if (k.mv_size != internal::kRecordKeySize) {
        report->problems.push_back("record key of " +
                                   std::to_string(k.mv_size) + " bytes");
        continue;
      }
      std::memcpy(id.data(), ToView(k).data() + 4, 16);
      internal::RecordView r;
      Status st = internal::RecordView::Parse(ToView(v), &r);
      if (!st.ok()) {
        report->problems.push_back("record " + internal::UuidToString(id) +
                                   " does not decode: " + st.message());
        continue;
      }
      for (const auto& key : internal::IndexKeysOf(tracker.number, r)) {
        expected.emplace_back(key, id);
      }
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_cursor_get", rc);
  }
  {
    internal::Cursor c;
    int rc = c.Open(txn.get(), impl_->index);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
    MDB_val k = ToVal(prefix), v;
    for (rc = c.Get(&k, &v, MDB_SET_RANGE);
         rc == MDB_SUCCESS && ToView(k).starts_with(prefix);
         rc = c.Get(&k, &v, MDB_NEXT)) {
      if (k.mv_size != internal::kIndexKeySize || v.mv_size != 16) {
        report->problems.push_back("malformed index entry");
        continue;
      }
      std::pair<internal::IndexKey, internal::Uuid> e;
      std::memcpy(e.first.data(), k.mv_data, internal::kIndexKeySize);
      std::memcpy(e.second.data(), v.mv_data, 16);
      actual.push_back(e);
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_cursor_get", rc);
  }
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
  {
    internal::Cursor c;
    int rc = c.Open(txn.get(), impl_->catalog);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
    MDB_val k = ToVal(prefix), v;
    for (rc = c.Get(&k, &v, MDB_SET_RANGE);
         rc == MDB_SUCCESS && ToView(k).starts_with(prefix);
         rc = c.Get(&k, &v, MDB_NEXT)) {
      std::string_view list = ToView(v);
      while (list.size() >= 4) {
        uint32_t n = internal::LoadLE<uint32_t>(list.data());
        if (list.size() - 4 < n) {
          report->problems.push_back("malformed catalog entry");
          break;
        }
        ++report->catalog_items;
        list.remove_prefix(4 + n);
      }
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_cursor_get", rc);
  }
  if (report->catalog_items != tracker.catalog_items) {
    report->problems.push_back("catalog holds " +
                               std::to_string(report->catalog_items) +
                               " identities but the tracker counts " +
                               std::to_string(tracker.catalog_items));
  }
  return Status::Ok();
}

}  // namespace libexport
