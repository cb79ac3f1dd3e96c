// Pruning: one stored record written for an export, its pins pruned as the
// query asks (expired, or pinning an item missing from the catalog), and
// `available` computed over the pins it keeps.
#ifndef LIBEXPORT_SRC_PRUNE_H_
#define LIBEXPORT_SRC_PRUNE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "catalog_set.h"
#include "libexport/query.h"
#include "libexport/store.h"
#include "record.h"

namespace libexport::internal {

// Not thread-safe; one per export. `catalog` may be null when the query
// does not remove_nonexisting_item_pins.
class PrunedRecordWriter {
 public:
  PrunedRecordWriter(const ExportQuery& q, CatalogSet* catalog,
                     ExportStats* stats)
      : q_(q), now_(ToMicros(q.now)), catalog_(catalog), stats_(stats) {}

  // Appends the record's JSON, as exported, to `out`; counts the pins it
  // prunes in the stats. Errors: those of the catalog lookups.
  Status Write(const RecordView& r, std::string* out);

 private:
  const ExportQuery& q_;
  int64_t now_;
  CatalogSet* catalog_;
  ExportStats* stats_;
  std::vector<std::pair<uint32_t, uint32_t>> kept_;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_PRUNE_H_
