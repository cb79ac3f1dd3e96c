// The standard process_* metric families of Prometheus client libraries,
// read from /proc for this process: process_cpu_seconds_total,
// process_open_fds, process_max_fds, process_virtual_memory_bytes,
// process_resident_memory_bytes, process_start_time_seconds.
//
// Thread safety: may be called concurrently (reads /proc only).
#ifndef LIBEXPORT_SRC_HTTP_PROCESS_METRICS_H_
#define LIBEXPORT_SRC_HTTP_PROCESS_METRICS_H_

#include <string>

namespace libexport::http {

// The families above in the text format; a family whose /proc file cannot
// be read (no /proc) is left out.
std::string ProcessMetricsText();

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_PROCESS_METRICS_H_
