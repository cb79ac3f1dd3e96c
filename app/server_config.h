// exportd's settings: from flags, EXPORTD_* environment variables or a
// --config file, through one CLI11 parser.
#ifndef LIBEXPORT_APP_SERVER_CONFIG_H_
#define LIBEXPORT_APP_SERVER_CONFIG_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace libexport::app {

struct ServerConfig {
  std::string store = "./data/store";
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed at start)
  // Workers, started on demand. httplib holds one per open connection
  // (idle, slow or active), so this is the most connections open at once;
  // past it a new connection gets 503 + Retry-After at once.
  int threads = 1024;
  // The longest a request's head and body may take to arrive (slowloris
  // clients are cut here with 408); 2 s while 3/4 of the workers are busy.
  int request_timeout = 10;
  // The request head (request line + headers), past it 431 (414 for a
  // request line over 8 KiB).
  int max_header_bytes = 32 * 1024;
  // A second listener serving only GET /healthz and /metrics, on its own
  // few workers, so probes are answered however busy the main port is.
  // Empty: none.
  std::string health_host;
  int health_port = -1;
  int max_clock_skew = 5;
  int read_timeout = 5;
  int write_timeout = 5;
  int keep_alive_timeout = 5;
  int max_stream_seconds = 300;
  // How long SIGTERM/SIGINT lets running exports finish before cutting them.
  int shutdown_grace = 10;
  // Changes requests with `wait` held at once (each holds a worker).
  int max_waiting_changes = 16;
  // The route groups served: "all" (export, changes and the write side),
  // "export+changes" or "export".
  std::string routes = "all";
  // Every write route answers 403 read_only.
  bool read_only = false;
  // Caps of one bulk or catalog bulk request: its records and its body's
  // bytes (decompressed); 413 past either.
  int64_t max_bulk_records = 5000;
  int64_t max_bulk_bytes = 64 << 20;
  // Seconds deletions are remembered for the changes feed.
  int64_t tombstone_retention = 7 * 24 * 3600;
  // StoreOptions::catalog_memory_budget.
  int64_t catalog_memory_budget = int64_t{512} << 20;
  std::string tls_cert;
  std::string tls_key;
  bool access_log = true;
  // "text" (FormatAccessLogLine) or "json" (FormatAccessLogJson, one object
  // a line).
  std::string log_format = "text";
};

// Parses the words after the program name into `config`. Each setting comes
// from, first to last: its flag, the --config file (`name = value` lines,
// the flag's name without dashes), the environment (EXPORTD_ and the flag's
// name in upper snake case), the default. Returns nullopt when exportd
// should start; otherwise the exit code, having written the help (--help,
// --version) to `out` or a usage error naming the flag, setting or file to
// `err`.
std::optional<int> ParseServerFlags(const std::vector<std::string>& args,
                                    ServerConfig* config, std::ostream& out,
                                    std::ostream& err);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_SERVER_CONFIG_H_
