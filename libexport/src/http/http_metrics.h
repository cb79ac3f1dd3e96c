// Counters for GET /metrics, in the Prometheus text format (version 0.0.4).
//
// Thread safety: every method may be called concurrently. Record takes a
// mutex (a map lookup per request); the rest are atomics.
#ifndef LIBEXPORT_SRC_HTTP_HTTP_METRICS_H_
#define LIBEXPORT_SRC_HTTP_HTTP_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace libexport::http {

class HttpMetrics {
 public:
  // One finished request: route label ("export", "healthz", "metrics",
  // "not_found", "error"), status, body bytes, wall time.
  void Record(std::string_view route, int status, uint64_t bytes,
              double seconds);
  void RecordPruned(uint64_t expired, uint64_t nonexisting_item);
  // A stream cut short, by reason: "client_gone", "time_cap", "shutdown",
  // "not_started"; any other reason (a store error's text) counts as
  // "store_error", so the label has a bounded set of values.
  void RecordAbortedStream(std::string_view reason);
  // Stored records an export skipped because they did not decode.
  void RecordCorrupt(uint64_t records);
  // Stored records an export read (ExportStats::records_scanned).
  void RecordScanned(uint64_t records);
  std::string Text(int active_streams) const;

  // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

 private:
  struct Latency {
    std::array<uint64_t, kBuckets.size() + 1> counts{};  // last: +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Latency> latency_;
  std::atomic<uint64_t> bytes_out_{0};
  std::atomic<uint64_t> pruned_expired_{0};
  std::atomic<uint64_t> pruned_missing_{0};
  std::map<std::string, uint64_t> aborted_streams_;  // under mu_
  std::atomic<uint64_t> records_corrupt_{0};
  std::atomic<uint64_t> records_scanned_{0};
};

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_HTTP_METRICS_H_
