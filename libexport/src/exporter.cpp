// The exporter: runs a plan (planner.h), filters (filter.h) and prunes
// (prune.h) the records it reads, and copies their stored canonical JSON to
// the sink as a JSON document (with its prune report) or NDJSON, through
// the content coder (coding_sink.h) when one is asked for. No JSON is parsed
// here. Also the single-record reads: Get and FindPinning.
#include <memory>
#include <string>
#include <vector>

#include "catalog_set.h"
#include "coding_sink.h"
#include "export_output.h"
#include "filter.h"
#include "guard.h"
#include "id_union.h"
#include "libexport/store.h"
#include "planner.h"
#include "prune.h"
#include "store_impl.h"

namespace libexport {

using internal::IndexKind;
using internal::LmdbStatus;
using internal::PinEntry;
using internal::PinType;
using internal::RecordView;
using internal::StrRef;
using internal::ToVal;
using internal::ToView;

namespace {

// Walks candidates in id order and writes the ones that match: the records
// (first walk), then, for a prune report, what was pruned from them (a
// second walk over the same snapshot, so nothing is held in memory).
class Walker {
 public:
  Walker(const internal::Filter& m, internal::PrunedRecordWriter* writer,
         internal::ExportOutput* out, ExportStats* stats, ExportFormat format)
      : m_(m),
        writer_(writer),
        out_(out),
        stats_(stats),
        ndjson_(format == ExportFormat::kNdjson) {}

  // Ends the results; the next walk writes the prune report's entries.
  void BeginPruned() {
    CloseResults();
    out_->Append(",\"pruned\":[");
    pruned_walk_ = true;
  }

  // Visits one stored record, read at `key`; false means stop (sink gone).
  Result<bool> Visit(std::string_view key, std::string_view value) {
    if (!pruned_walk_) ++stats_->records_scanned;
    RecordView r;
    if (!RecordView::Parse(key, value, &r).ok()) {
      Corrupt(1);
      return true;
    }
    if (!m_.Matches(r)) return true;
    if (pruned_walk_) {
      LIBEXPORT_RETURN_IF_ERROR(writer_->WritePruned(r, out_, &pruned_));
      return out_->MaybeFlush();
    }
    if (!ndjson_) {
      out_->Append(stats_->records_matched == 0 ? "{\"results\":[\n" : ",\n");
    }
    ++stats_->records_matched;
    LIBEXPORT_RETURN_IF_ERROR(writer_->Write(r, out_));
    if (ndjson_) out_->Append("\n");
    return out_->MaybeFlush();
  }

  // `n` records the walk could not read (a damaged key); counted once, in
  // the first walk.
  void Corrupt(uint64_t n) {
    if (!pruned_walk_) stats_->records_corrupt += n;
  }

  bool Finish() {
    if (pruned_walk_) {
      out_->Append(pruned_ == 0 ? "]}\n" : "\n]}\n");
    } else if (!ndjson_) {
      CloseResults();
      out_->Append("}\n");
    }
    return out_->Flush();
  }

 private:
  void CloseResults() {
    out_->Append(stats_->records_matched == 0 ? "{\"results\":[]" : "\n]");
  }

  const internal::Filter& m_;
  internal::PrunedRecordWriter* writer_;
  internal::ExportOutput* out_;
  ExportStats* stats_;
  const bool ndjson_;
  bool pruned_walk_ = false;
  uint64_t pruned_ = 0;
};

// One pass over a tracker's records, in key order. Keys are sorted, so a key
// outside the tracker's range that is followed by one of its keys again was
// damaged (a flipped bit): it is counted as corrupt and the walk goes on,
// instead of taking it for the end of the data. `expected` is the tracker's
// record count (its index's): records the walk never met, such as one whose
// damaged key now sorts after the range, are counted as corrupt too.
Status ScanRecords(MDB_txn* txn, MDB_dbi records, uint32_t tracker,
                   uint64_t expected, Walker* w, bool* stopped) {
  const auto prefix_bytes = internal::TrackerPrefix(tracker);
  const std::string_view prefix = internal::PrefixView(prefix_bytes);
  internal::Cursor c;
  int rc = c.Open(txn, records);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(prefix), v;
  uint64_t met = 0;
  for (rc = c.Get(&k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS;
       rc = c.Get(&k, &v, MDB_NEXT)) {
    if (!ToView(k).starts_with(prefix)) {
      rc = c.Get(&k, &v, MDB_NEXT);
      if (rc != MDB_SUCCESS || !ToView(k).starts_with(prefix)) break;
      w->Corrupt(1);
      ++met;
    }
    ++met;
    Result<bool> more = w->Visit(ToView(k), ToView(v));
    if (!more.ok()) return more.status();
    if (!*more) {
      *stopped = true;
      return Status::Ok();
    }
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return LmdbStatus("mdb_cursor_get(records)", rc);
  }
  if (met < expected) w->Corrupt(expected - met);
  return Status::Ok();
}

// Visits the records of the union of `keys`' id lists, in id order.
Status ScanIndex(MDB_txn* txn, MDB_dbi index, MDB_dbi records, uint32_t tracker,
                 const std::vector<internal::IndexKey>& keys, Walker* w,
                 bool* stopped) {
  internal::IdUnion ids;
  LIBEXPORT_RETURN_IF_ERROR(ids.Open(txn, index, keys));
  // One cursor for every lookup: ids come in key order, and a positioned
  // cursor finds a key on its current leaf page without a descent from the
  // root (the denser the ids, the more often).
  internal::Cursor cursor;
  int orc = cursor.Open(txn, records);
  if (orc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", orc);
  internal::Uuid id;
  while (true) {
    Result<bool> have = ids.Next(&id);
    if (!have.ok()) return have.status();
    if (!*have) return Status::Ok();
    auto rkey = internal::MakeRecordKey(tracker, id);
    MDB_val rk = ToVal(internal::KeyView(rkey)), rv;
    int grc = cursor.Get(&rk, &rv, MDB_SET);
    if (grc == MDB_NOTFOUND) {
      // Indexed but not found: its key was damaged (Verify names it).
      w->Corrupt(1);
      continue;
    }
    if (grc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get(records)", grc);
    Result<bool> more = w->Visit(internal::KeyView(rkey), ToView(rv));
    if (!more.ok()) return more.status();
    if (!*more) {
      *stopped = true;
      return Status::Ok();
    }
  }
}

}  // namespace

Status Store::Export(const ExportQuery& query, ExportSink& sink,
                     ExportStats* stats) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  return impl_->ExportIn(txn.get(), query, sink, stats);
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Status Store::Impl::ExportIn(MDB_txn* txn, const ExportQuery& query,
                             ExportSink& sink, ExportStats* stats) const {
  LIBEXPORT_RETURN_IF_ERROR(ValidateExportQuery(query));
  ExportStats local;
  if (stats == nullptr) stats = &local;
  *stats = ExportStats{};

  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(FindTracker(txn, query.tracker_id, &tracker));

  // The sink chain: records -> ExportOutput (64 KiB batches, large records
  // as they are stored) -> coder -> sink.
  std::unique_ptr<internal::CodingSink> coder;
  ExportSink* target = &sink;
  if (query.representation.coding != ContentCoding::kIdentity) {
    auto made = internal::CodingSink::Make(query.representation.coding, &sink);
    if (!made.ok()) return made.status();
    coder = std::move(made).value();
    target = coder.get();
  }
  internal::Filter filter(query);
  internal::CatalogSet catalog_set(txn, catalog, tracker.number);
  internal::PrunedRecordWriter writer(query, &catalog_set, stats);
  internal::ExportOutput out(*target);
  Walker walker(filter, &writer, &out, stats, query.representation.format);
  bool stopped = false;

  internal::Plan plan;
  LIBEXPORT_RETURN_IF_ERROR(internal::ChoosePlan(
      *this, txn, tracker.number, filter.Keys(tracker.number), &plan));
  if (query.remove_nonexisting_item_pins) {
    LIBEXPORT_RETURN_IF_ERROR(
        catalog_set.Prepare(&catalog_cache, tracker, plan.records_to_read,
                            options.catalog_memory_budget));
    stats->catalog_table_bytes = catalog_set.table_bytes();
  }
  auto walk = [&]() -> Status {
    if (plan.access == internal::Plan::Access::kIndex) {
      return ScanIndex(txn, index, records, tracker.number, plan.index, &walker,
                       &stopped);
    }
    if (plan.access == internal::Plan::Access::kScan) {
      return ScanRecords(txn, records, tracker.number, plan.records_to_read,
                         &walker, &stopped);
    }
    return Status::Ok();
  };
  LIBEXPORT_RETURN_IF_ERROR(walk());
  if (!stopped && query.prune_report) {
    walker.BeginPruned();
    LIBEXPORT_RETURN_IF_ERROR(walk());
  }
  if (!stopped) stopped = !walker.Finish();
  if (!stopped && coder) stopped = !coder->Finish();
  if (coder) LIBEXPORT_RETURN_IF_ERROR(coder->status());
  stats->bytes_before_coding = out.bytes();
  stats->bytes_written = coder ? coder->bytes_out() : out.bytes();
  if (stopped) return Status::Aborted("the export was stopped by its sink");
  return Status::Ok();
}

namespace {

class StringSink : public ExportSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  bool Write(std::string_view chunk) override {
    out_->append(chunk);
    return true;
  }

 private:
  std::string* out_;
};

}  // namespace

Result<std::string> Store::ExportToString(const ExportQuery& query,
                                          ExportStats* stats) const try {
  std::string out;
  StringSink sink(&out);
  LIBEXPORT_RETURN_IF_ERROR(Export(query, sink, stats));
  return out;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::string> Store::Get(std::string_view tracker_id, std::string_view id,
                               Timestamp now) const try {
  internal::Uuid uuid;
  if (!internal::ParseUuid(id, &uuid))
    return Status::InvalidArgument("not a UUID", "id");
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), tracker_id, &tracker));
  auto key = internal::MakeRecordKey(tracker.number, uuid);
  MDB_val k = ToVal(internal::KeyView(key)), v;
  int rc = mdb_get(txn.get(), impl_->records, &k, &v);
  if (rc == MDB_NOTFOUND) {
    return Status::NotFound("customization not found: " +
                            internal::UuidToString(uuid));
  }
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(records)", rc);
  RecordView r;
  LIBEXPORT_RETURN_IF_ERROR(
      RecordView::Parse(internal::KeyView(key), ToView(v), &r));
  ExportQuery q;
  q.now = now;
  ExportStats stats;
  std::string json;
  StringSink sink(&json);
  internal::ExportOutput out(sink);
  internal::PrunedRecordWriter writer(q, nullptr, &stats);
  LIBEXPORT_RETURN_IF_ERROR(writer.Write(r, &out));
  out.Flush();
  return json;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

Result<std::vector<std::string>> Store::FindPinning(
    std::string_view tracker_id, std::string_view identity) const try {
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), tracker_id, &tracker));
  uint64_t hash = internal::Hash64(identity);
  auto key = internal::MakeIndexKey(tracker.number, IndexKind::kPinItem, hash);
  std::vector<std::string> ids;
  internal::Cursor c;
  int rc = c.Open(txn.get(), impl_->index);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(internal::KeyView(key)), v;
  for (rc = c.Get(&k, &v, MDB_SET); rc == MDB_SUCCESS;
       rc = c.Get(&k, &v, MDB_NEXT_DUP)) {
    if (v.mv_size != 16) return Status::Corruption("bad index entry");
    internal::Uuid id;
    std::memcpy(id.data(), v.mv_data, 16);
    auto rkey = internal::MakeRecordKey(tracker.number, id);
    MDB_val rk = ToVal(internal::KeyView(rkey)), rv;
    if (mdb_get(txn.get(), impl_->records, &rk, &rv) != MDB_SUCCESS) continue;
    RecordView r;
    if (!RecordView::Parse(internal::KeyView(rkey), ToView(rv), &r).ok())
      continue;
    for (size_t i = 0; i < r.pin_count(); ++i) {
      PinEntry p = r.pin(i);
      if (p.type == PinType::kItem &&
          internal::RefEquals(r, p.identity, hash, identity)) {
        ids.push_back(internal::UuidToString(id));
        break;
      }
    }
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
    return LmdbStatus("mdb_cursor_get", rc);
  return ids;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
