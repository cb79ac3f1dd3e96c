#include "planner.h"

namespace libexport::internal {

Status ChoosePlan(const Store::Impl& impl, MDB_txn* txn, uint32_t tracker,
                  const std::vector<std::vector<IndexKey>>& keys, Plan* plan) {
  const std::vector<IndexKey>* best = nullptr;
  uint64_t best_count = 0;
  for (const auto& filter_keys : keys) {
    uint64_t sum = 0;
    for (const auto& key : filter_keys) {
      uint64_t n = 0;
      LIBEXPORT_RETURN_IF_ERROR(impl.CountIndex(txn, key, &n));
      sum += n;
    }
    if (best == nullptr || sum < best_count) {
      best = &filter_keys;
      best_count = sum;
    }
  }
  uint64_t total = 0;
  LIBEXPORT_RETURN_IF_ERROR(impl.CountRecords(txn, tracker, &total));
  *plan = Plan{};
  if (best != nullptr && best_count * 4 < total) {
    plan->access = Plan::Access::kIndex;
    plan->index = *best;
    plan->records_to_read = best_count;
  } else {
    plan->access = best == nullptr || best_count > 0 ? Plan::Access::kScan
                                                     : Plan::Access::kNone;
    plan->records_to_read = total;
  }
  return Status::Ok();
}

}  // namespace libexport::internal
