// The changes feed: a tracker's changes after a cursor, in seq order, from
// one snapshot (docs/store_format.md, "History"), and the wait for the next
// one (long polling).
#include <algorithm>
#include <thread>

#include "guard.h"
#include "history.h"
#include "libexport/json_string.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::ChangeEntry;
using internal::ChangeOp;
using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;

namespace {

constexpr size_t kFlushBytes = 64 << 10;

// Where a cursor points in a tracker's history: the seq to continue after.
// `since` empty is the beginning. Gone for a cursor the history cannot
// serve: another generation, beyond the last seq, or before the oldest
// tombstone still kept.
Result<uint64_t> ResolveSince(std::string_view since,
                              const internal::TrackerEntry& tracker,
                              bool* from_beginning) {
  *from_beginning = since.empty();
  if (since.empty()) return uint64_t{0};
  uint64_t generation = 0, seq = 0;
  if (!internal::ParseCursor(since, &generation, &seq)) {
    return Status::InvalidArgument(
        "not a cursor: pass the cursor of an export or of an earlier changes "
        "response, or nothing to start from the beginning",
        "since");
  }
  if (generation != tracker.generation || seq > tracker.seq) {
    return Status::Gone(
        "the cursor is of another generation of this tracker (it was removed "
        "and created again, or the cursor is of another store): start again "
        "from the beginning",
        "since");
  }
  if (seq < tracker.compacted_through) {
    return Status::Gone(
        "the cursor is older than the oldest deletion still remembered: "
        "start again from the beginning",
        "since");
  }
  return seq;
}

void AppendSeq(std::string* out, uint64_t seq) {
  out->append("{\"seq\":\"");
  internal::AppendHex(out, seq);
  out->append("\",\"op\":\"");
}

}  // namespace

Result<std::string> Store::Impl::CursorIn(MDB_txn* txn,
                                          std::string_view tracker_id) const {
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(FindTracker(txn, tracker_id, &tracker));
  return internal::FormatCursor(tracker.generation, tracker.seq);
}

Result<std::string> Store::LatestCursor(std::string_view tracker_id) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  return impl_->CursorIn(txn.get(), tracker_id);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::Changes(const ChangesQuery& query, ExportSink& sink,
                      ChangesResult* result) const try {
  ChangesResult local;
  if (result == nullptr) result = &local;
  *result = ChangesResult{};
  if (query.limit < 1 || query.limit > kMaxChangesLimit) {
    return Status::InvalidArgument(
        "limit must be 1 to " + std::to_string(kMaxChangesLimit), "limit");
  }
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), query.tracker_id, &tracker));
  bool from_beginning = false;
  Result<uint64_t> after = ResolveSince(query.since, tracker, &from_beginning);
  if (!after.ok()) return after.status();

  std::string out = "{\"changes\":[";
  bool stopped = false;
  auto flush = [&](bool force) {
    if (stopped || (!force && out.size() < kFlushBytes)) return;
    stopped = !sink.Write(out);
    out.clear();
  };
  const auto prefix = internal::TrackerPrefix(tracker.number);
  const auto start = internal::MakeChangeKey(tracker.number, *after + 1);
  uint64_t last = *after;
  internal::Cursor c;
  int rc = c.Open(txn.get(), impl_->changes);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(internal::KeyView(start)), v;
  for (rc = c.Get(&k, &v, MDB_SET_RANGE);
       rc == MDB_SUCCESS && !stopped &&
       ToView(k).starts_with(internal::PrefixView(prefix));
       rc = c.Get(&k, &v, MDB_NEXT)) {
    const uint64_t seq = internal::LoadBE64(ToView(k).data() + 4);
    ChangeEntry entry;
    if (!internal::DecodeChange(ToView(v), &entry).ok()) continue;
    if (from_beginning && entry.tombstone()) continue;
    if (result->changes == query.limit) {
      result->more = true;
      break;
    }
    std::string_view record_json;
    if (entry.op == ChangeOp::kUpsert) {
      internal::Uuid id;
      std::memcpy(id.data(), entry.subject.data(), id.size());
      const auto rk = internal::MakeRecordKey(tracker.number, id);
      MDB_val rkv = ToVal(internal::KeyView(rk)), rv;
      int got = mdb_get(txn.get(), impl_->records, &rkv, &rv);
      internal::RecordView view;
      if (got != MDB_SUCCESS ||
          !internal::RecordView::Parse(internal::KeyView(rk), ToView(rv), &view)
               .ok()) {
        if (got == MDB_SUCCESS) ++result->records_corrupt;
        if (got != MDB_SUCCESS && got != MDB_NOTFOUND)
          return LmdbStatus("mdb_get(records)", got);
        continue;
      }
      record_json = view.json();
    }
    if (result->changes > 0) out.push_back(',');
    AppendSeq(&out, seq);
    switch (entry.op) {
      case ChangeOp::kUpsert:
        out.append("upsert\",\"customization\":").append(record_json);
        break;
      case ChangeOp::kDelete: {
        internal::Uuid id;
        std::memcpy(id.data(), entry.subject.data(), id.size());
        out.append("delete\",\"id\":\"")
            .append(internal::UuidToString(id))
            .append("\"");
        break;
      }
      case ChangeOp::kCatalogAdd:
      case ChangeOp::kCatalogRemove:
        out.append(entry.op == ChangeOp::kCatalogAdd ? "catalog_add"
                                                     : "catalog_remove");
        out.append("\",\"identity\":");
        AppendJsonString(&out, entry.subject);
        break;
    }
    out.push_back('}');
    ++result->changes;
    last = seq;
    flush(false);
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND && !result->more && !stopped) {
    return LmdbStatus("mdb_cursor_get(changes)", rc);
  }
  // Without more, every change up to the snapshot's seq was delivered.
  result->cursor = internal::FormatCursor(tracker.generation,
                                          result->more ? last : tracker.seq);
  out.append("],\"cursor\":\"").append(result->cursor).append("\",\"more\":");
  out.append(result->more ? "true}" : "false}");
  flush(true);
  if (stopped) return Status::Aborted("the changes were stopped by their sink");
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::WaitForChanges(std::string_view tracker_id,
                             std::string_view since,
                             std::chrono::milliseconds timeout) const try {
  uint64_t generation = 0, seq = 0;
  if (!since.empty() && !internal::ParseCursor(since, &generation, &seq)) {
    return Status::InvalidArgument("not a cursor", "since");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const uint64_t commits = impl_->commit_count();
    {
      Impl::ReadTxn txn;
      LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
      internal::TrackerEntry tracker;
      Status found = impl_->FindTracker(txn.get(), tracker_id, &tracker);
      if (found.code() == Status::Code::kNotFound) return Status::Ok();
      LIBEXPORT_RETURN_IF_ERROR(found);
      if (since.empty() ? tracker.seq > 0
                        : tracker.generation != generation || tracker.seq > seq)
        return Status::Ok();
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return Status::Ok();
    // Another process's commits wake nobody here: look again every 100 ms.
    impl_->WaitForCommit(
        commits, std::min(deadline, now + std::chrono::milliseconds(100)));
  }
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
