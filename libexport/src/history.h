// A tracker's history (docs/store_format.md, "History"): the change
// sequence, the changes table (for each live record and catalog identity the
// seq of its latest change, and tombstones for the deleted ones), the graves
// that find a subject's tombstone again, and the pin-window boundaries. The
// writer side that every write transaction goes through, and the small
// readers the changes feed and the export validator use.
#ifndef LIBEXPORT_SRC_HISTORY_H_
#define LIBEXPORT_SRC_HISTORY_H_

#include <lmdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libexport/status.h"
#include "record.h"
#include "tracker.h"

namespace libexport {
class Store;
}

namespace libexport::internal {

enum class ChangeOp : uint8_t {
  kUpsert = 1,
  kDelete = 2,
  kCatalogAdd = 3,
  kCatalogRemove = 4,
};

// A changes-table value: the op (u8); for a tombstone (kDelete,
// kCatalogRemove) the commit time (i64 microseconds); then the subject (the
// 16-byte id, or the identity's bytes).
struct ChangeEntry {
  ChangeOp op = ChangeOp::kUpsert;
  int64_t deleted_at = 0;  // tombstones only
  std::string_view subject;
  bool tombstone() const {
    return op == ChangeOp::kDelete || op == ChangeOp::kCatalogRemove;
  }
};
// Corruption when `value` is not one.
Status DecodeChange(std::string_view value, ChangeEntry* out);

// Appends `v` in lower-case hex, zero-padded to at least `min_digits`
// (1: no leading zeros, the form of a cursor's parts and of a change's
// "seq"; 16: an ETag's hash).
void AppendHex(std::string* out, uint64_t v, int min_digits = 1);

// "<generation>-<seq>", lower-case hex.
std::string FormatCursor(uint64_t generation, uint64_t seq);
// False unless `text` is two 1-16 digit lower-case hex numbers joined by '-'.
bool ParseCursor(std::string_view text, uint64_t* generation, uint64_t* seq);

// The latest pin-window boundary of `tracker` at or before `micros`, or
// nullopt when there is none.
Result<std::optional<int64_t>> LatestBoundary(MDB_txn* txn, MDB_dbi dbi,
                                              uint32_t tracker, int64_t micros);

// What one write transaction does to one tracker's history. Every write
// path (Put, Delete, Import, catalog changes) makes one, reports each change
// through it, and calls Finish before it commits.
class History {
 public:
  // `now_micros`: the commit time tombstones carry and compaction measures
  // retention against. `retention_micros`: how long tombstones are kept.
  History(MDB_txn* txn, MDB_dbi changes, MDB_dbi graves, MDB_dbi boundaries,
          TrackerEntry* tracker, int64_t now_micros, int64_t retention_micros);

  TrackerEntry& tracker() { return *tracker_; }
  // The sequence for the next change.
  uint64_t Next() { return ++tracker_->seq; }

  // A record written with `seq` (from Next()), replacing the one of
  // `old_seq` (0: there was none).
  Status RecordPut(const Uuid& id, uint64_t old_seq, uint64_t seq);
  // A record of `old_seq` deleted: a tombstone at a new seq.
  Status RecordDeleted(const Uuid& id, uint64_t old_seq);
  // An identity added to the catalog with `seq` (from Next()).
  Status IdentityAdded(std::string_view identity, uint64_t seq);
  // An identity of `old_seq` removed from the catalog: a tombstone.
  Status IdentityRemoved(std::string_view identity, uint64_t old_seq);
  // The pin windows of a record that appears (+1) or goes (-1).
  void Windows(const RecordView& record, int delta);

  // Writes the boundary counts and runs one bounded tombstone compaction
  // step (at most kCompactionStep entries). Call once, last, then store the
  // tracker entry (Store::Impl::FinishHistory does both).
  Status Finish();

  static constexpr int kCompactionStep = 256;

 private:
  Status Put(uint64_t seq, ChangeOp op, std::string_view subject);
  Status Drop(uint64_t seq);
  Status Bury(uint8_t kind, std::string_view subject, ChangeOp op);
  Status Exhume(uint8_t kind, std::string_view subject);
  Status Compact();

  MDB_txn* txn_;
  MDB_dbi changes_, graves_, boundaries_;
  TrackerEntry* tracker_;
  int64_t now_, retention_;
  std::vector<std::pair<int64_t, int64_t>> boundary_deltas_;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_HISTORY_H_
