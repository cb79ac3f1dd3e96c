// Store::Audit: what pruning would drop, counted per model, over one
// snapshot (libexport/store.h).
#include <algorithm>
#include <map>

#include "catalog_set.h"
#include "guard.h"
#include "libexport/store.h"
#include "lmdb_env.h"
#include "record.h"
#include "store_impl.h"

namespace libexport {

Status Store::Audit(std::string_view tracker_id, Timestamp at,
                    size_t worst_count, AuditReport* report) const try {
  *report = AuditReport{};
  Impl::ReadTxn txn;
  LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
  internal::TrackerEntry tracker;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->FindTracker(txn.get(), tracker_id, &tracker));
  uint64_t records = 0;
  LIBEXPORT_RETURN_IF_ERROR(
      impl_->CountRecords(txn.get(), tracker.number, &records));
  internal::CatalogSet catalog(txn.get(), impl_->catalog, tracker.number);
  LIBEXPORT_RETURN_IF_ERROR(
      catalog.Prepare(&impl_->catalog_cache, tracker, records,
                      impl_->options.catalog_memory_budget));
  const int64_t now = internal::ToMicros(at);
  using Counts = AuditReport::Counts;
  std::map<std::string, Counts, std::less<>> models;
  using Worst = AuditReport::Customization;
  auto worse = [](const Worst& a, const Worst& b) {
    const uint64_t x = a.counts.expired + a.counts.dangling,
                   y = b.counts.expired + b.counts.dangling;
    return x != y ? x > y : a.id < b.id;
  };
  std::vector<Worst> worst;  // a heap whose top is the least bad kept
  Status st;
  const auto prefix = internal::TrackerPrefix(tracker.number);
  LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
      txn.get(), impl_->records, internal::PrefixView(prefix),
      [&](std::string_view key, std::string_view value) {
        internal::RecordView r;
        if (!internal::RecordView::Parse(key, value, &r).ok()) {
          ++report->records_corrupt;
          return true;
        }
        AuditReport::Counts c;
        c.customizations = 1;
        for (size_t i = 0; i < r.pin_count(); ++i) {
          internal::PinEntry p = r.pin(i);
          ++c.pins;
          if (p.active_to <= now) {
            ++c.expired;
            continue;
          }
          if (p.active_from > now) ++c.not_yet_active;
          if (p.type == internal::PinType::kItem) {
            bool found = false;
            st = catalog.Contains(p.identity, r.str(p.identity), &found);
            if (!st.ok()) return false;
            if (!found) ++c.dangling;
          }
        }
        std::string_view model = r.str(r.model_ref());
        auto it = models.find(model);
        if (it == models.end()) it = models.emplace(model, Counts()).first;
        for (AuditReport::Counts* sum : {&it->second, &report->total}) {
          sum->customizations += 1;
          sum->pins += c.pins;
          sum->expired += c.expired;
          sum->dangling += c.dangling;
          sum->not_yet_active += c.not_yet_active;
        }
        if (worst_count > 0 && c.expired + c.dangling > 0) {
          internal::Uuid id;
          std::memcpy(id.data(), key.data() + 4, 16);
          worst.push_back({internal::UuidToString(id), std::string(model), c});
          std::push_heap(worst.begin(), worst.end(), worse);
          if (worst.size() > worst_count) {
            std::pop_heap(worst.begin(), worst.end(), worse);
            worst.pop_back();
          }
        }
        return true;
      }));
  LIBEXPORT_RETURN_IF_ERROR(st);
  std::sort(worst.begin(), worst.end(), worse);
  report->worst = std::move(worst);
  report->models.assign(models.begin(), models.end());
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
