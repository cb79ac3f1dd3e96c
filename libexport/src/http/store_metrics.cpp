#include "store_metrics.h"

#include <algorithm>

#include "metrics_text.h"

namespace libexport::http {

std::string StoreMetricsText(const Store& store) {
  std::string out;
  int errors = 0;
  StoreStats s;
  if (store.Stats(&s).ok()) {
    AppendMetric(&out, "libexport_store_map_size_bytes", "gauge",
                 "The LMDB map's size: address space reserved "
                 "(StoreOptions::max_map_size), not disk.",
                 static_cast<double>(s.map_size_bytes));
    AppendMetric(&out, "libexport_store_used_bytes", "gauge",
                 "Pages written up to the last one (freed pages are reused, "
                 "not returned).",
                 static_cast<double>(s.used_bytes));
    AppendMetric(&out, "libexport_store_data_file_bytes", "gauge",
                 "The size of data.mdb on disk.",
                 static_cast<double>(s.data_file_bytes));
    AppendMetric(&out, "libexport_store_reader_slots_used", "gauge",
                 "Reader slots held by a read transaction of any process.",
                 s.reader_slots_used);
    AppendMetric(&out, "libexport_store_reader_slots_max", "gauge",
                 "Reader slots there are (StoreOptions::max_readers).",
                 s.reader_slots_max);
  } else {
    ++errors;
  }
  Result<std::vector<TrackerInfo>> trackers = store.ListTrackers();
  if (trackers.ok()) {
    std::vector<TrackerInfo>& list = *trackers;
    std::sort(list.begin(), list.end(),
              [](const TrackerInfo& a, const TrackerInfo& b) {
                return a.tracker_id < b.tracker_id;
              });
    AppendMetric(&out, "libexport_store_trackers", "gauge",
                 "Trackers in the store.", static_cast<double>(list.size()));
    const size_t shown = std::min(list.size(), kMaxTrackersInMetrics);
    auto per_tracker = [&](std::string_view name, std::string_view help,
                           uint64_t TrackerInfo::*count) {
      AppendFamily(&out, name, "gauge", help);
      for (size_t i = 0; i < shown; ++i) {
        AppendSample(&out, name, "tracker=\"" + list[i].tracker_id + "\"",
                     static_cast<double>(list[i].*count));
      }
    };
    per_tracker("libexport_store_customizations",
                "Customizations per tracker (the first 100 trackers by id).",
                &TrackerInfo::customizations);
    per_tracker("libexport_store_catalog_items",
                "Catalog items per tracker (the first 100 trackers by id).",
                &TrackerInfo::catalog_items);
  } else {
    ++errors;
  }
  AppendMetric(&out, "libexport_store_scrape_errors", "gauge",
               "Store families left out of this scrape by a read error.",
               errors);
  return out;
}

}  // namespace libexport::http
