#include "prune.h"

#include <string_view>

namespace libexport::internal {

namespace {

constexpr std::string_view kAvailableTrue = ",\"available\":true}";
constexpr std::string_view kAvailableFalse = ",\"available\":false}";

}  // namespace

Status PrunedRecordWriter::Write(const RecordView& r, std::string* out) {
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
    out->append(json.substr(0, json.size() - 1));
  } else {
    out->append(json.substr(0, r.pins_begin()));
    for (size_t i = 0; i < kept_.size(); ++i) {
      if (i > 0) out->append(",");
      out->append(
          json.substr(kept_[i].first, kept_[i].second - kept_[i].first));
    }
    out->append(json.substr(r.pins_end(), json.size() - 1 - r.pins_end()));
  }
  out->append(available ? kAvailableTrue : kAvailableFalse);
  return Status::Ok();
}

}  // namespace libexport::internal
