// The export engine: plan (which index to walk), filter, prune, and copy
// stored canonical JSON to the sink. No JSON is parsed here.
#include <string>
#include <unordered_map>
#include <vector>

#include "libexport/store.h"
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

constexpr size_t kChunkSize = 64 << 10;
constexpr std::string_view kAvailableTrue = ",\"available\":true}";
constexpr std::string_view kAvailableFalse = ",\"available\":false}";

// Batches output into chunks of ~64 KiB for the sink.
class Output {
 public:
  explicit Output(ExportSink& sink) : sink_(sink) {
    buf_.reserve(kChunkSize + 4096);
  }
  void Append(std::string_view s) { buf_.append(s); }
  // False when the sink asked to stop.
  bool MaybeFlush() { return buf_.size() < kChunkSize || Flush(); }
  bool Flush() {
    if (buf_.empty()) return true;
    bytes_ += buf_.size();
    bool more = sink_.Write(buf_);
    buf_.clear();
    return more;
  }
  uint64_t bytes() const { return bytes_; }

 private:
  ExportSink& sink_;
  std::string buf_;
  uint64_t bytes_ = 0;
};

bool RefEquals(const RecordView& r, const StrRef& ref, uint64_t hash,
               std::string_view want) {
  return ref.hash == hash && r.str(ref) == want;
}

// The filters of a query, hashed once.
class Matcher {
 public:
  explicit Matcher(const ExportQuery& q) : q_(q) {
    if (q.model) model_hash_ = internal::Hash64(*q.model);
    if (q.tag) tag_hash_ = internal::Hash64(*q.tag);
    if (q.target_identity)
      identity_hash_ = internal::Hash64(*q.target_identity);
  }
  bool HasFilters() const {
    return q_.model || q_.tag || q_.target_type || q_.target_identity;
  }

  bool Matches(const RecordView& r) const {
    if (q_.target_type && r.target_type() != *q_.target_type) return false;
    if (q_.model && !RefEquals(r, r.model_ref(), model_hash_, *q_.model))
      return false;
    if (q_.target_identity &&
        !(r.has_target_identity() &&
          RefEquals(r, r.target_identity_ref(), identity_hash_,
                    *q_.target_identity))) {
      return false;
    }
    if (q_.tag) {
      for (size_t i = 0; i < r.tag_count(); ++i) {
        if (RefEquals(r, r.tag_ref(i), tag_hash_, *q_.tag)) return true;
      }
      return false;
    }
    return true;
  }

  // The index keys of the filters present, for the planner.
  std::vector<internal::IndexKey> Keys(uint32_t tracker) const {
    std::vector<internal::IndexKey> keys;
    if (q_.target_identity)
      keys.push_back(internal::MakeIndexKey(tracker, IndexKind::kTargetIdentity,
                                            identity_hash_));
    if (q_.tag)
      keys.push_back(
          internal::MakeIndexKey(tracker, IndexKind::kTag, tag_hash_));
    if (q_.model)
      keys.push_back(
          internal::MakeIndexKey(tracker, IndexKind::kModel, model_hash_));
    if (q_.target_type)
      keys.push_back(
          internal::MakeIndexKey(tracker, IndexKind::kTargetType,
                                 static_cast<uint64_t>(*q_.target_type)));
    return keys;
  }

 private:
  const ExportQuery& q_;
  uint64_t model_hash_ = 0, tag_hash_ = 0, identity_hash_ = 0;
};

// Catalog membership for one export. When the export will check many pins
// for the size of the catalog, the tracker's catalog is read once, in key
// order, into a flat hash table over a compact copy of the identities (so a
// probe stays in cache instead of touching a random page of the map);
// otherwise each distinct identity is looked up in the B-tree and memoized.
// Either way the identity's bytes decide, never the hash alone.
class CatalogLookup {
 public:
  CatalogLookup(MDB_txn* txn, MDB_dbi dbi, uint32_t tracker)
      : txn_(txn), dbi_(dbi), tracker_(tracker) {}

  // Chooses the strategy from the catalog's size and the number of records
  // the export will read: a sequential read of the whole catalog costs less
  // than one random B-tree lookup per pinned item once the catalog holds
  // fewer than ~16 identities per record to read (a record pins a few).
  Status Prepare(uint64_t catalog_items, uint64_t records_to_read) {
    if (catalog_items > records_to_read * 16) return Status::Ok();
    return Load(catalog_items);
  }

  Status Contains(const StrRef& ref, std::string_view identity, bool* found) {
    if (loaded_) {
      *found = false;
      for (size_t i = Slot(ref.hash); table_[i].offset != kEmpty;
           i = (i + 1) & mask_) {
        const Entry& e = table_[i];
        if (e.hash == ref.hash && e.length == identity.size() &&
            std::string_view(arena_).substr(e.offset, e.length) == identity) {
          *found = true;
          break;
        }
      }
      return Status::Ok();
    }
    auto it = memo_.find(identity);
    if (it != memo_.end()) {
      *found = it->second;
      return Status::Ok();
    }
    auto key = internal::MakeCatalogKey(tracker_, ref.hash);
    MDB_val k = ToVal(internal::KeyView(key)), v;
    int rc = mdb_get(txn_, dbi_, &k, &v);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_get(catalog)", rc);
    *found = rc == MDB_SUCCESS &&
             internal::IdentityListContains(ToView(v), identity);
    if (memo_.size() < (1u << 20)) memo_.emplace(identity, *found);
    return Status::Ok();
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Entry {
    uint64_t hash = 0;
    uint32_t offset = kEmpty;  // into arena_
    uint32_t length = 0;
  };

  size_t Slot(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9e3779b97f4a7c15ull) >> shift_);
  }

  // One identity of the catalog; false when the table is full (the stored
  // count was off), and the export falls back to B-tree lookups.
  bool Insert(uint64_t hash, std::string_view identity) {
    if (++used_ * 2 > table_.size() || arena_.size() > UINT32_MAX / 2) {
      return false;
    }
    size_t i = Slot(hash);
    while (table_[i].offset != kEmpty) i = (i + 1) & mask_;
    table_[i] = Entry{hash, static_cast<uint32_t>(arena_.size()),
                      static_cast<uint32_t>(identity.size())};
    arena_.append(identity);
    return true;
  }

  Status Load(uint64_t catalog_items) {
    int bits = 4;
    while ((uint64_t{1} << bits) < catalog_items * 2 + 2) ++bits;
    table_.assign(size_t{1} << bits, Entry{});
    mask_ = table_.size() - 1;
    shift_ = 64 - bits;
    bool full = false;
    const auto prefix = internal::TrackerPrefix(tracker_);
    LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
        txn_, dbi_, internal::PrefixView(prefix),
        [&](std::string_view key, std::string_view list) {
          if (key.size() != internal::kCatalogKeySize) return true;
          uint64_t hash = 0;
          for (size_t i = 4; i < internal::kCatalogKeySize; ++i) {
            hash = hash << 8 | static_cast<uint8_t>(key[i]);
          }
          // Normally one identity per key; more share a hash.
          while (list.size() >= 4) {
            uint32_t n = internal::LoadLE<uint32_t>(list.data());
            if (list.size() - 4 < n) break;
            if (!Insert(hash, list.substr(4, n))) {
              full = true;
              return false;
            }
            list.remove_prefix(4 + n);
          }
          return true;
        }));
    if (full) {
      table_.clear();
      arena_.clear();
      return Status::Ok();
    }
    loaded_ = true;
    return Status::Ok();
  }

  MDB_txn* txn_;
  MDB_dbi dbi_;
  uint32_t tracker_;
  std::unordered_map<std::string_view, bool> memo_;
  bool loaded_ = false;
  std::vector<Entry> table_;
  std::string arena_;
  size_t used_ = 0;
  size_t mask_ = 0;
  int shift_ = 64;
};

// Writes one record: its stored JSON, pins pruned as the query asks, and
// `available` over the pins it keeps.
class RecordWriter {
 public:
  RecordWriter(const ExportQuery& q, CatalogLookup* catalog, ExportStats* stats)
      : q_(q),
        now_(internal::ToMicros(q.now)),
        catalog_(catalog),
        stats_(stats) {}

  Status Write(const RecordView& r, Output* out) {
    kept_.clear();
    bool available = false;
    size_t n = r.pin_count();
    for (size_t i = 0; i < n; ++i) {
      PinEntry p = r.pin(i);
      if (q_.remove_expired_pins && p.active_to <= now_) {
        ++stats_->pins_pruned_expired;
        continue;
      }
      if (q_.remove_nonexisting_item_pins && p.type == PinType::kItem) {
        bool found = false;
        LIBEXPORT_RETURN_IF_ERROR(
            catalog_->Contains(p.identity, r.str(p.identity), &found));
        if (!found) {
          ++stats_->pins_pruned_missing;
          continue;
        }
      }
      available = available || (p.active_from <= now_ && now_ < p.active_to);
      kept_.push_back({p.begin, p.end});
    }
    std::string_view json = r.json();
    if (kept_.size() == n) {
      out->Append(json.substr(0, json.size() - 1));
    } else {
      out->Append(json.substr(0, r.pins_begin()));
      for (size_t i = 0; i < kept_.size(); ++i) {
        if (i > 0) out->Append(",");
        out->Append(
            json.substr(kept_[i].first, kept_[i].second - kept_[i].first));
      }
      out->Append(json.substr(r.pins_end(), json.size() - 1 - r.pins_end()));
    }
    out->Append(available ? kAvailableTrue : kAvailableFalse);
    return Status::Ok();
  }

 private:
  const ExportQuery& q_;
  int64_t now_;
  CatalogLookup* catalog_;
  ExportStats* stats_;
  std::vector<std::pair<uint32_t, uint32_t>> kept_;
};

// Walks candidates in id order and writes the ones that match.
class Walker {
 public:
  Walker(const Matcher& m, RecordWriter* writer, Output* out,
         ExportStats* stats)
      : m_(m), writer_(writer), out_(out), stats_(stats) {}

  // Visits one stored record; false means stop (sink gone).
  Result<bool> Visit(std::string_view value) {
    ++stats_->records_scanned;
    RecordView r;
    if (!RecordView::Parse(value, &r).ok()) {
      ++stats_->records_corrupt;
      return true;
    }
    if (!m_.Matches(r)) return true;
    out_->Append(stats_->records_matched == 0 ? "{\"results\":[\n" : ",\n");
    ++stats_->records_matched;
    LIBEXPORT_RETURN_IF_ERROR(writer_->Write(r, out_));
    return out_->MaybeFlush();
  }

  bool Finish() {
    out_->Append(stats_->records_matched == 0 ? "{\"results\":[]}\n"
                                              : "\n]}\n");
    return out_->Flush();
  }

 private:
  const Matcher& m_;
  RecordWriter* writer_;
  Output* out_;
  ExportStats* stats_;
};

Status ScanRecords(MDB_txn* txn, MDB_dbi records, uint32_t tracker, Walker* w,
                   bool* stopped) {
  Status st;
  const auto prefix = internal::TrackerPrefix(tracker);
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn, records, internal::PrefixView(prefix),
      [&](std::string_view, std::string_view value) {
        Result<bool> more = w->Visit(value);
        if (!more.ok()) {
          st = more.status();
          return false;
        }
        *stopped = !*more;
        return *more;
      }));
  return st;
}

Status ScanIndex(MDB_txn* txn, MDB_dbi index, MDB_dbi records, uint32_t tracker,
                 const internal::IndexKey& key, Walker* w, bool* stopped) {
  internal::Cursor c;
  int rc = c.Open(txn, index);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(internal::KeyView(key)), v;
  rc = c.Get(&k, &v, MDB_SET);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get", rc);
  // DUPFIXED: ids come a page at a time.
  for (rc = c.Get(&k, &v, MDB_GET_MULTIPLE); rc == MDB_SUCCESS;
       rc = c.Get(&k, &v, MDB_NEXT_MULTIPLE)) {
    std::string_view ids = ToView(v);
    for (size_t at = 0; at + 16 <= ids.size(); at += 16) {
      internal::RecordKey rkey;
      internal::PutBE32(rkey.data(), tracker);
      std::memcpy(rkey.data() + 4, ids.data() + at, 16);
      MDB_val rk = ToVal(internal::KeyView(rkey)), rv;
      int grc = mdb_get(txn, records, &rk, &rv);
      if (grc == MDB_NOTFOUND) continue;  // reported by Verify
      if (grc != MDB_SUCCESS) return LmdbStatus("mdb_get(records)", grc);
      Result<bool> more = w->Visit(ToView(rv));
      if (!more.ok()) return more.status();
      if (!*more) {
        *stopped = true;
        return Status::Ok();
      }
    }
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
    return LmdbStatus("mdb_cursor_get", rc);
  return Status::Ok();
}

}  // namespace

Status Store::Export(const ExportQuery& query, ExportSink& sink,
                     ExportStats* stats) const {
  LIBEXPORT_RETURN_IF_ERROR(ValidateExportQuery(query));
  ExportStats local;
  if (stats == nullptr) stats = &local;
  *stats = ExportStats{};

  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), query.tracker_id, &tracker));

  Matcher matcher(query);
  CatalogLookup catalog(txn.get(), impl_->catalog, tracker.number);
  RecordWriter writer(query, &catalog, stats);
  Output out(sink);
  Walker walker(matcher, &writer, &out, stats);
  bool stopped = false;
  Status st;

  // Plan: walk the filter index with the fewest ids, unless even that one
  // covers a large share of the tracker, where one sequential pass over the
  // records beats random lookups.
  std::optional<internal::IndexKey> best;
  uint64_t best_count = 0;
  for (const auto& key : matcher.Keys(tracker.number)) {
    uint64_t n = 0;
    LIBEXPORT_RETURN_IF_ERROR(impl_->CountIndex(txn.get(), key, &n));
    if (!best || n < best_count) {
      best = key;
      best_count = n;
    }
  }
  uint64_t total = 0;
  if (best || query.remove_nonexisting_item_pins)
    LIBEXPORT_RETURN_IF_ERROR(
        impl_->CountRecords(txn.get(), tracker.number, &total));
  const bool use_index = best && best_count * 4 < total;
  if (query.remove_nonexisting_item_pins) {
    LIBEXPORT_RETURN_IF_ERROR(
        catalog.Prepare(tracker.catalog_items, use_index ? best_count : total));
  }
  if (use_index) {
    st = ScanIndex(txn.get(), impl_->index, impl_->records, tracker.number,
                   *best, &walker, &stopped);
  } else if (!best || best_count > 0) {
    st = ScanRecords(txn.get(), impl_->records, tracker.number, &walker,
                     &stopped);
  }
  if (!st.ok()) return st;
  if (!stopped) stopped = !walker.Finish();
  stats->bytes_written = out.bytes();
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
                                          ExportStats* stats) const {
  std::string out;
  StringSink sink(&out);
  LIBEXPORT_RETURN_IF_ERROR(Export(query, sink, stats));
  return out;
}

Result<std::string> Store::Get(std::string_view tracker_id, std::string_view id,
                               Timestamp now) const {
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
  LIBEXPORT_RETURN_IF_ERROR(RecordView::Parse(ToView(v), &r));
  ExportQuery q;
  q.now = now;
  ExportStats stats;
  std::string json;
  StringSink sink(&json);
  Output out(sink);
  RecordWriter writer(q, nullptr, &stats);
  LIBEXPORT_RETURN_IF_ERROR(writer.Write(r, &out));
  out.Flush();
  return json;
}

Result<std::vector<std::string>> Store::FindPinning(
    std::string_view tracker_id, std::string_view identity) const {
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
    if (!RecordView::Parse(ToView(rv), &r).ok()) continue;
    for (size_t i = 0; i < r.pin_count(); ++i) {
      PinEntry p = r.pin(i);
      if (p.type == PinType::kItem &&
          RefEquals(r, p.identity, hash, identity)) {
        ids.push_back(internal::UuidToString(id));
        break;
      }
    }
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
    return LmdbStatus("mdb_cursor_get", rc);
  return ids;
}

}  // namespace libexport
