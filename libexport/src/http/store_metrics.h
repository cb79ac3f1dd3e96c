// The store's gauges for GET /metrics: map size, bytes used, the data file,
// reader slots, and per-tracker record and catalog counts for the first
// kMaxTrackersInMetrics trackers (by id), so a store with many trackers
// cannot blow up the scrape.
//
// Thread safety: may be called concurrently (one read transaction).
#ifndef LIBEXPORT_SRC_HTTP_STORE_METRICS_H_
#define LIBEXPORT_SRC_HTTP_STORE_METRICS_H_

#include <cstddef>
#include <string>

#include "libexport/store.h"

namespace libexport::http {

inline constexpr size_t kMaxTrackersInMetrics = 100;

// The families in the text format. A family the store cannot answer (an I/O
// error) is left out; libexport_store_scrape_errors says how many were.
std::string StoreMetricsText(const Store& store);

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_STORE_METRICS_H_
