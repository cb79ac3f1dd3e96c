#include "planner.h"

#include <optional>

namespace libexport::internal {

Status ChoosePlan(const Store::Impl& impl, MDB_txn* txn, uint32_t tracker,
                  const std::vector<IndexKey>& keys, bool count_records,
                  Plan* plan) {
  std::optional<IndexKey> best;
  uint64_t best_count = 0;
  for (const auto& key : keys) {
    uint64_t n = 0;
    LIBEXPORT_RETURN_IF_ERROR(impl.CountIndex(txn, key, &n));
    if (!best || n < best_count) {
      best = key;
      best_count = n;
    }
  }
  uint64_t total = 0;
  if (best || count_records)
    LIBEXPORT_RETURN_IF_ERROR(impl.CountRecords(txn, tracker, &total));
  *plan = Plan{};
  if (best && best_count * 4 < total) {
    plan->access = Plan::Access::kIndex;
    plan->index = *best;
    plan->records_to_read = best_count;
  } else {
    plan->access =
        !best || best_count > 0 ? Plan::Access::kScan : Plan::Access::kNone;
    plan->records_to_read = total;
  }
  return Status::Ok();
}

}  // namespace libexport::internal
