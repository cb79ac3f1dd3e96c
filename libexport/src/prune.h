// Pruning: one stored record written for an export, its pins pruned as the
// query asks (expired, or pinning an item missing from the catalog), and
// `available` computed over the pins it keeps; and the prune report's
// entries for the pins it drops.
#ifndef LIBEXPORT_SRC_PRUNE_H_
#define LIBEXPORT_SRC_PRUNE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "catalog_set.h"
#include "export_output.h"
#include "libexport/query.h"
#include "libexport/store.h"
#include "record.h"

namespace libexport::internal {

// Not thread-safe; one per export. `catalog` may be null when the query
// does not remove_nonexisting_item_pins.
// `q` has passed ValidateExportQuery (its `now` is set).
class PrunedRecordWriter {
 public:
  PrunedRecordWriter(const ExportQuery& q, CatalogSet* catalog,
                     ExportStats* stats)
      : q_(q),
        now_(ToMicros(q.now.value())),
        catalog_(catalog),
        stats_(stats) {}

  // Appends the record's JSON, as exported, to `out` (the stored bytes as
  // views, so a large record is not copied); counts the pins it prunes in
  // the stats. Errors: those of the catalog lookups.
  Status Write(const RecordView& r, ExportOutput* out);

  // Appends one prune report entry per pin Write drops, in stored order:
  // `{"id":"<id>","reason":"expired"|"nonexisting_item","pin":{...}}` (the
  // pin as stored), each after ",\n" (after "\n" for the very first,
  // `*entries` == 0); counts them in `*entries`, not in the stats.
  Status WritePruned(const RecordView& r, ExportOutput* out, uint64_t* entries);

 private:
  enum class Verdict { kKeep, kExpired, kMissing };
  // Expiry first: a pin both expired and missing from the catalog is
  // "expired".
  Status Decide(const RecordView& r, const PinEntry& p, Verdict* v);

  const ExportQuery& q_;
  int64_t now_;
  CatalogSet* catalog_;
  ExportStats* stats_;
  std::vector<std::pair<uint32_t, uint32_t>> kept_;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_PRUNE_H_
