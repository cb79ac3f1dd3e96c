#include "http_metrics.h"

#include <cstdio>

#include "libexport/version.h"
#include "metrics_text.h"

namespace libexport::http {
namespace {

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

void HttpMetrics::Record(std::string_view route, int status, uint64_t bytes,
                         double seconds) {
  bytes_out_.fetch_add(bytes, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(route), status}];
  Latency& l = latency_[std::string(route)];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++l.counts[i];
  l.sum += seconds;
  ++l.count;
}

void HttpMetrics::RecordPruned(uint64_t expired, uint64_t nonexisting_item) {
  pruned_expired_.fetch_add(expired, std::memory_order_relaxed);
  pruned_missing_.fetch_add(nonexisting_item, std::memory_order_relaxed);
}

void HttpMetrics::RecordAbortedStream(std::string_view reason) {
  static constexpr std::string_view kReasons[] = {"client_gone", "time_cap",
                                                  "shutdown", "not_started"};
  std::string_view label = "store_error";
  for (std::string_view known : kReasons) {
    if (reason == known) label = known;
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++aborted_streams_[std::string(label)];
}

void HttpMetrics::RecordScanned(uint64_t records) {
  records_scanned_.fetch_add(records, std::memory_order_relaxed);
}

void HttpMetrics::RecordCorrupt(uint64_t records) {
  records_corrupt_.fetch_add(records, std::memory_order_relaxed);
}

std::string HttpMetrics::Text(int active_streams) const {
  std::string out;
  out +=
      "# HELP libexport_build_info The version and git commit serving.\n"
      "# TYPE libexport_build_info gauge\n"
      "libexport_build_info{version=\"";
  out += kVersion;
  out += "\",commit=\"";
  out += kGitCommit;
  out += "\"} 1\n";
  out +=
      "# HELP libexport_http_requests_total Requests answered, by route and "
      "status.\n"
      "# TYPE libexport_http_requests_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, n] : requests_) {
    out += "libexport_http_requests_total{route=\"" + key.first +
           "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
  }
  out +=
      "# HELP libexport_http_response_bytes_total Response body bytes "
      "sent.\n"
      "# TYPE libexport_http_response_bytes_total counter\n"
      "libexport_http_response_bytes_total " +
      std::to_string(bytes_out_.load()) + "\n";
  out +=
      "# HELP libexport_pins_pruned_total Pins dropped from exports, by "
      "reason.\n"
      "# TYPE libexport_pins_pruned_total counter\n"
      "libexport_pins_pruned_total{reason=\"expired\"} " +
      std::to_string(pruned_expired_.load()) +
      "\n"
      "libexport_pins_pruned_total{reason=\"nonexisting_item\"} " +
      std::to_string(pruned_missing_.load()) + "\n";
  AppendFamily(&out, "libexport_http_export_streams_aborted_total", "counter",
               "Exports cut short, by reason (client_gone, time_cap, "
               "shutdown, not_started, store_error).");
  if (aborted_streams_.empty()) {
    AppendSample(&out, "libexport_http_export_streams_aborted_total",
                 "reason=\"client_gone\"", 0);
  }
  for (const auto& [reason, n] : aborted_streams_) {
    AppendSample(&out, "libexport_http_export_streams_aborted_total",
                 "reason=\"" + reason + "\"", static_cast<double>(n));
  }
  AppendMetric(&out, "libexport_export_records_scanned_total", "counter",
               "Stored records exports read (a 304 reads none).",
               static_cast<double>(records_scanned_.load()));
  AppendMetric(&out, "libexport_export_records_corrupt_total", "counter",
               "Stored records exports skipped because they did not decode "
               "(run exportctl verify).",
               static_cast<double>(records_corrupt_.load()));
  out +=
      "# HELP libexport_http_export_streams_active Exports streaming now.\n"
      "# TYPE libexport_http_export_streams_active gauge\n"
      "libexport_http_export_streams_active " +
      std::to_string(active_streams) + "\n";
  out +=
      "# HELP libexport_http_request_duration_seconds Time from routing to "
      "the last byte.\n"
      "# TYPE libexport_http_request_duration_seconds histogram\n";
  for (const auto& [route, l] : latency_) {
    uint64_t cumulative = 0;
    std::string prefix =
        "libexport_http_request_duration_seconds_bucket{route=\"" + route +
        "\",le=\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += l.counts[i];
      out += prefix + Num(kBuckets[i]) + "\"} " + std::to_string(cumulative) +
             "\n";
    }
    cumulative += l.counts[kBuckets.size()];
    out += prefix + "+Inf\"} " + std::to_string(cumulative) + "\n";
    out += "libexport_http_request_duration_seconds_sum{route=\"" + route +
           "\"} " + Num(l.sum) + "\n";
    out += "libexport_http_request_duration_seconds_count{route=\"" + route +
           "\"} " + std::to_string(l.count) + "\n";
  }
  return out;
}

}  // namespace libexport::http
