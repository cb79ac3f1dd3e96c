// The planner: how an export reads a tracker's records, from the sizes of
// the index keys of its filters.
#ifndef LIBEXPORT_SRC_PLANNER_H_
#define LIBEXPORT_SRC_PLANNER_H_

#include <lmdb.h>

#include <cstdint>
#include <vector>

#include "keys.h"
#include "store_impl.h"

namespace libexport::internal {

struct Plan {
  enum class Access {
    kNone,   // a filter's index keys hold no id: nothing can match
    kIndex,  // walk the union of the ids of `index` (id order), reading
             // each record
    kScan,   // one sequential pass over the tracker's records
  };
  Access access = Access::kScan;
  std::vector<IndexKey> index;  // the keys of one filter's values
  // How many records the plan reads (at most): for a scan, the tracker's
  // record count (its index's), which the scan checks it met.
  uint64_t records_to_read = 0;
};

// Walks the union of the index lists of the filter whose values hold the
// fewest ids (a k-way merge when it has several values), unless even that
// covers a large share of the tracker (a quarter or more), where one
// sequential pass over the records beats random lookups. A filter's count is
// the sum of its values' counts: exact for model, target type and target
// identity (a record has one of each), an upper bound for tags. `keys` are
// the filters' index keys (Filter::Keys).
Status ChoosePlan(const Store::Impl& impl, MDB_txn* txn, uint32_t tracker,
                  const std::vector<std::vector<IndexKey>>& keys, Plan* plan);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_PLANNER_H_
