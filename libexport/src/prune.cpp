#include "prune.h"

#include <string_view>

namespace libexport::internal {

namespace {

constexpr std::string_view kAvailableTrue = ",\"available\":true}";
constexpr std::string_view kAvailableFalse = ",\"available\":false}";
// The canonical JSON starts with the id (docs/store_format.md).
constexpr std::string_view kIdHead = "{\"id\":\"";
constexpr size_t kIdSize = 36;

}  // namespace

Status PrunedRecordWriter::Decide(const RecordView& r, const PinEntry& p,
                                  Verdict* v) {
  *v = Verdict::kKeep;
  if (q_.remove_expired_pins && p.active_to <= now_) {
    *v = Verdict::kExpired;
  } else if (q_.remove_nonexisting_item_pins && p.type == PinType::kItem) {
    bool found = false;
    LIBEXPORT_RETURN_IF_ERROR(
        catalog_->Contains(p.identity, r.str(p.identity), &found));
    if (!found) *v = Verdict::kMissing;
  }
  return Status::Ok();
}

Status PrunedRecordWriter::Write(const RecordView& r, ExportOutput* out) {
  kept_.clear();
  bool available = false;
  size_t n = r.pin_count();
  for (size_t i = 0; i < n; ++i) {
    PinEntry p = r.pin(i);
    Verdict v;
    LIBEXPORT_RETURN_IF_ERROR(Decide(r, p, &v));
    if (v == Verdict::kExpired) {
      ++stats_->pins_pruned_expired;
      continue;
    }
    if (v == Verdict::kMissing) {
      ++stats_->pins_pruned_missing;
      continue;
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

Status PrunedRecordWriter::WritePruned(const RecordView& r, ExportOutput* out,
                                       uint64_t* entries) {
  std::string_view json = r.json();
  if (!json.starts_with(kIdHead) || json.size() <= kIdHead.size() + kIdSize) {
    return Status::Corruption("record JSON does not start with its id");
  }
  std::string_view id = json.substr(kIdHead.size(), kIdSize);
  for (size_t i = 0; i < r.pin_count(); ++i) {
    PinEntry p = r.pin(i);
    Verdict v;
    LIBEXPORT_RETURN_IF_ERROR(Decide(r, p, &v));
    if (v == Verdict::kKeep) continue;
    out->Append(*entries == 0 ? "\n" : ",\n");
    ++*entries;
    out->Append(kIdHead);
    out->Append(id);
    out->Append(v == Verdict::kExpired
                    ? "\",\"reason\":\"expired\",\"pin\":"
                    : "\",\"reason\":\"nonexisting_item\",\"pin\":");
    out->Append(json.substr(p.begin, p.end - p.begin));
    out->Append('}');
  }
  return Status::Ok();
}

}  // namespace libexport::internal
