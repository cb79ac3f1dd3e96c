#include "history.h"

#include <algorithm>

#include "keys.h"
#include "lmdb_env.h"

namespace libexport::internal {

namespace {

constexpr uint8_t kGraveRecord = 1;
constexpr uint8_t kGraveIdentity = 2;

std::string_view SubjectOf(const Uuid& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

bool ParseHex(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 16) return false;
  uint64_t v = 0;
  for (char c : text) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace

Status DecodeChange(std::string_view value, ChangeEntry* out) {
  if (value.empty() || value[0] < 1 || value[0] > 4) {
    return Status::Corruption("bad change entry");
  }
  out->op = static_cast<ChangeOp>(value[0]);
  value.remove_prefix(1);
  if (out->tombstone()) {
    if (value.size() < 8) return Status::Corruption("bad change entry");
    out->deleted_at = LoadLE<int64_t>(value.data());
    value.remove_prefix(8);
  }
  const bool record =
      out->op == ChangeOp::kUpsert || out->op == ChangeOp::kDelete;
  if (record ? value.size() != 16 : value.empty()) {
    return Status::Corruption("bad change entry");
  }
  out->subject = value;
  return Status::Ok();
}

void AppendHex(std::string* out, uint64_t v, int min_digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[16];
  int n = 0;
  do {
    buf[n++] = kHex[v & 15];
    v >>= 4;
  } while (v != 0 || n < std::min(min_digits, 16));
  while (n > 0) out->push_back(buf[--n]);
}

std::string FormatCursor(uint64_t generation, uint64_t seq) {
  std::string s;
  AppendHex(&s, generation);
  s.push_back('-');
  AppendHex(&s, seq);
  return s;
}

bool ParseCursor(std::string_view text, uint64_t* generation, uint64_t* seq) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return false;
  return ParseHex(text.substr(0, dash), generation) &&
         ParseHex(text.substr(dash + 1), seq);
}

Result<std::optional<int64_t>> LatestBoundary(MDB_txn* txn, MDB_dbi dbi,
                                              uint32_t tracker,
                                              int64_t micros) {
  Cursor c;
  int rc = c.Open(txn, dbi);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  const BoundaryKey want = MakeBoundaryKey(tracker, micros);
  MDB_val k = ToVal(KeyView(want)), v;
  rc = c.Get(&k, &v, MDB_SET_RANGE);
  if (rc == MDB_SUCCESS && ToView(k) == KeyView(want)) {
    return std::optional<int64_t>(micros);
  }
  if (rc == MDB_SUCCESS) {
    rc = c.Get(&k, &v, MDB_PREV);
  } else if (rc == MDB_NOTFOUND) {
    rc = c.Get(&k, &v, MDB_LAST);
  }
  if (rc == MDB_NOTFOUND) return std::optional<int64_t>();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get(boundaries)", rc);
  const auto prefix = TrackerPrefix(tracker);
  if (ToView(k).size() != kBoundaryKeySize ||
      !ToView(k).starts_with(PrefixView(prefix))) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(BoundaryOf(ToView(k)));
}

History::History(MDB_txn* txn, MDB_dbi changes, MDB_dbi graves,
                 MDB_dbi boundaries, TrackerEntry* tracker, int64_t now_micros,
                 int64_t retention_micros)
    : txn_(txn),
      changes_(changes),
      graves_(graves),
      boundaries_(boundaries),
      tracker_(tracker),
      now_(now_micros),
      retention_(retention_micros) {}

Status History::Put(uint64_t seq, ChangeOp op, std::string_view subject) {
  std::string v(1, static_cast<char>(op));
  if (op == ChangeOp::kDelete || op == ChangeOp::kCatalogRemove) {
    AppendLE<int64_t>(&v, now_);
  }
  v.append(subject);
  const ChangeKey key = MakeChangeKey(tracker_->number, seq);
  MDB_val k = ToVal(KeyView(key)), val = ToVal(v);
  return LmdbStatus("mdb_put(changes)", mdb_put(txn_, changes_, &k, &val, 0));
}

Status History::Drop(uint64_t seq) {
  if (seq == 0) return Status::Ok();
  const ChangeKey key = MakeChangeKey(tracker_->number, seq);
  MDB_val k = ToVal(KeyView(key));
  int rc = mdb_del(txn_, changes_, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  return LmdbStatus("mdb_del(changes)", rc);
}

// A tombstone at a new seq, and its grave (so a later re-creation of the
// subject finds and removes it: each subject is in the feed once).
Status History::Bury(uint8_t kind, std::string_view subject, ChangeOp op) {
  const uint64_t seq = Next();
  LIBEXPORT_RETURN_IF_ERROR(Put(seq, op, subject));
  const GraveKey key = MakeGraveKey(tracker_->number, kind, Hash64(subject));
  char seq_be[8];
  PutBE64(seq_be, seq);
  MDB_val k = ToVal(KeyView(key)), v = ToVal({seq_be, 8});
  return LmdbStatus("mdb_put(graves)", mdb_put(txn_, graves_, &k, &v, 0));
}

// Removes the tombstone of `subject`, if it has one.
Status History::Exhume(uint8_t kind, std::string_view subject) {
  const GraveKey key = MakeGraveKey(tracker_->number, kind, Hash64(subject));
  MDB_val k = ToVal(KeyView(key)), v;
  std::vector<uint64_t> seqs;
  {
    Cursor c;
    int rc = c.Open(txn_, graves_);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
    for (rc = c.Get(&k, &v, MDB_SET); rc == MDB_SUCCESS;
         rc = c.Get(&k, &v, MDB_NEXT_DUP)) {
      if (v.mv_size == 8) seqs.push_back(LoadBE64(ToView(v).data()));
    }
    if (rc != MDB_NOTFOUND) return LmdbStatus("mdb_cursor_get(graves)", rc);
  }
  for (uint64_t seq : seqs) {
    const ChangeKey ck = MakeChangeKey(tracker_->number, seq);
    MDB_val cv, ckv = ToVal(KeyView(ck));
    int rc = mdb_get(txn_, changes_, &ckv, &cv);
    ChangeEntry entry;
    if (rc == MDB_SUCCESS && DecodeChange(ToView(cv), &entry).ok() &&
        entry.tombstone() && entry.subject == subject) {
      LIBEXPORT_RETURN_IF_ERROR(Drop(seq));
      char seq_be[8];
      PutBE64(seq_be, seq);
      MDB_val dup = ToVal({seq_be, 8});
      k = ToVal(KeyView(key));
      rc = mdb_del(txn_, graves_, &k, &dup);
      if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
        return LmdbStatus("mdb_del(graves)", rc);
    } else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      return LmdbStatus("mdb_get(changes)", rc);
    }
  }
  return Status::Ok();
}

Status History::RecordPut(const Uuid& id, uint64_t old_seq, uint64_t seq) {
  if (old_seq != 0) {
    LIBEXPORT_RETURN_IF_ERROR(Drop(old_seq));
  } else {
    LIBEXPORT_RETURN_IF_ERROR(Exhume(kGraveRecord, SubjectOf(id)));
  }
  return Put(seq, ChangeOp::kUpsert, SubjectOf(id));
}

Status History::RecordDeleted(const Uuid& id, uint64_t old_seq) {
  LIBEXPORT_RETURN_IF_ERROR(Drop(old_seq));
  return Bury(kGraveRecord, SubjectOf(id), ChangeOp::kDelete);
}

Status History::IdentityAdded(std::string_view identity, uint64_t seq) {
  LIBEXPORT_RETURN_IF_ERROR(Exhume(kGraveIdentity, identity));
  return Put(seq, ChangeOp::kCatalogAdd, identity);
}

Status History::IdentityRemoved(std::string_view identity, uint64_t old_seq) {
  LIBEXPORT_RETURN_IF_ERROR(Drop(old_seq));
  return Bury(kGraveIdentity, identity, ChangeOp::kCatalogRemove);
}

void History::Windows(const RecordView& record, int delta) {
  for (size_t i = 0; i < record.pin_count(); ++i) {
    const PinEntry p = record.pin(i);
    if (p.active_from != kOpenFrom)
      boundary_deltas_.emplace_back(p.active_from, delta);
    if (p.active_to != kOpenTo)
      boundary_deltas_.emplace_back(p.active_to, delta);
  }
}

// Tombstones older than the retention go, oldest first, at most
// kCompactionStep entries looked at per commit; compact_from remembers where
// the walk stopped (everything before it is live), compacted_through the
// newest tombstone dropped (a cursor before it can no longer be served).
Status History::Compact() {
  const uint64_t from =
      std::max(tracker_->compact_from, tracker_->compacted_through) + 1;
  if (from > tracker_->seq) return Status::Ok();
  const auto prefix = TrackerPrefix(tracker_->number);
  const ChangeKey start = MakeChangeKey(tracker_->number, from);
  Cursor c;
  int rc = c.Open(txn_, changes_);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(KeyView(start)), v;
  std::vector<std::pair<uint64_t, std::string>>
      buried;  // seq, subject kind+bytes
  int looked = 0;
  for (rc = c.Get(&k, &v, MDB_SET_RANGE);
       rc == MDB_SUCCESS && ToView(k).starts_with(PrefixView(prefix)) &&
       looked < kCompactionStep;
       rc = c.Get(&k, &v, MDB_NEXT), ++looked) {
    const uint64_t seq = LoadBE64(ToView(k).data() + 4);
    ChangeEntry entry;
    if (DecodeChange(ToView(v), &entry).ok() && entry.tombstone()) {
      if (now_ - entry.deleted_at < retention_) break;
      const uint8_t kind =
          entry.op == ChangeOp::kDelete ? kGraveRecord : kGraveIdentity;
      buried.emplace_back(seq, std::string(1, static_cast<char>(kind)) +
                                   std::string(entry.subject));
      tracker_->compacted_through = seq;
    }
    tracker_->compact_from = seq;
  }
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
    return LmdbStatus("mdb_cursor_get(changes)", rc);
  }
  for (const auto& [seq, subject] : buried) {
    LIBEXPORT_RETURN_IF_ERROR(Drop(seq));
    const std::string_view bytes = std::string_view(subject).substr(1);
    const GraveKey key = MakeGraveKey(
        tracker_->number, static_cast<uint8_t>(subject[0]), Hash64(bytes));
    char seq_be[8];
    PutBE64(seq_be, seq);
    MDB_val gk = ToVal(KeyView(key)), dup = ToVal({seq_be, 8});
    rc = mdb_del(txn_, graves_, &gk, &dup);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_del(graves)", rc);
  }
  return Status::Ok();
}

Status History::Finish() {
  std::sort(boundary_deltas_.begin(), boundary_deltas_.end());
  for (size_t i = 0; i < boundary_deltas_.size();) {
    const int64_t t = boundary_deltas_[i].first;
    int64_t delta = 0;
    for (; i < boundary_deltas_.size() && boundary_deltas_[i].first == t; ++i)
      delta += boundary_deltas_[i].second;
    if (delta == 0) continue;
    const BoundaryKey key = MakeBoundaryKey(tracker_->number, t);
    MDB_val k = ToVal(KeyView(key)), v;
    int rc = mdb_get(txn_, boundaries_, &k, &v);
    uint64_t count = 0;
    if (rc == MDB_SUCCESS && v.mv_size == 8) {
      count = LoadLE<uint64_t>(ToView(v).data());
    } else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      return LmdbStatus("mdb_get(boundaries)", rc);
    }
    const int64_t next = static_cast<int64_t>(count) + delta;
    if (next <= 0) {
      rc = rc == MDB_SUCCESS ? mdb_del(txn_, boundaries_, &k, nullptr)
                             : MDB_SUCCESS;
    } else {
      std::string n;
      AppendLE<uint64_t>(&n, static_cast<uint64_t>(next));
      MDB_val nv = ToVal(n);
      rc = mdb_put(txn_, boundaries_, &k, &nv, 0);
    }
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(boundaries)", rc);
  }
  boundary_deltas_.clear();
  return Compact();
}

}  // namespace libexport::internal
