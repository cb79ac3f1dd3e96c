// The export validator (an ETag) and the cursor of an export: derived from
// the tracker's history and the query, without reading any customization.

#include "guard.h"
#include "history.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

namespace {

void AppendString(std::string* out, std::string_view s) {
  internal::AppendLE<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

void AppendSet(std::string* out, const std::set<std::string>& values) {
  internal::AppendLE<uint32_t>(out, static_cast<uint32_t>(values.size()));
  for (const auto& v : values) AppendString(out, v);
}

// Everything of the query the bytes depend on besides the data: the sets
// are ordered, so equal queries give equal text. `now` enters only as the
// boundary (the pruning and `available` change only when one is crossed).
std::string NormalizedQuery(const ExportQuery& q,
                            std::optional<int64_t> boundary) {
  std::string s = "export-validator 1";
  s.push_back(static_cast<char>(q.representation.format));
  s.push_back(static_cast<char>(q.representation.coding));
  s.push_back(static_cast<char>((q.remove_expired_pins ? 1 : 0) |
                                (q.remove_nonexisting_item_pins ? 2 : 0) |
                                (q.prune_report ? 4 : 0)));
  AppendSet(&s, q.models);
  AppendSet(&s, q.tags);
  internal::AppendLE<uint32_t>(&s,
                               static_cast<uint32_t>(q.target_types.size()));
  for (TargetType t : q.target_types) s.push_back(static_cast<char>(t));
  AppendSet(&s, q.target_identities);
  s.push_back(boundary ? 1 : 0);
  internal::AppendLE<int64_t>(&s, boundary.value_or(0));
  return s;
}

}  // namespace

Result<ExportValidator> Store::Impl::ExportEtagIn(
    MDB_txn* txn, const ExportQuery& query) const {
  LIBEXPORT_RETURN_IF_ERROR(ValidateExportQuery(query));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(FindTracker(txn, query.tracker_id, &tracker));
  auto boundary = internal::LatestBoundary(txn, boundaries, tracker.number,
                                           internal::ToMicros(*query.now));
  if (!boundary.ok()) return boundary.status();
  const uint64_t hash = internal::Checksum64(NormalizedQuery(query, *boundary));
  ExportValidator v;
  v.cursor = internal::FormatCursor(tracker.generation, tracker.seq);
  v.etag.reserve(v.cursor.size() + 20);
  v.etag.append("\"").append(v.cursor).append("-");
  internal::AppendHex(&v.etag, hash, 16);
  v.etag.append("\"");
  return v;
}

Result<ExportValidator> Store::ExportEtag(const ExportQuery& query) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  return impl_->ExportEtagIn(txn.get(), query);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
