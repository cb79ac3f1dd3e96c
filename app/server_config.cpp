#include "server_config.h"

#include <charconv>

#include "cli.h"
#include "libexport/version.h"

namespace libexport::app {
namespace {

// "HOST:PORT" -> host, port; false for anything else.
bool SplitListen(const std::string& v, std::string* host, int* port) {
  const size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  const char* begin = v.data() + colon + 1;
  const char* end = v.data() + v.size();
  int p = -1;
  auto [at, ec] = std::from_chars(begin, end, p);
  if (ec != std::errc() || at != end || p < 0 || p > 65535) return false;
  *host = v.substr(0, colon);
  *port = p;
  return true;
}

}  // namespace

std::optional<int> ParseServerFlags(const std::vector<std::string>& args,
                                    ServerConfig* c, std::ostream& out,
                                    std::ostream& err) {
  CLI::App app(
      "exportd: the HTTP sidecar. Serves the export endpoint, /healthz and "
      "/metrics from a libexport store; SIGTERM or SIGINT stops it.",
      "exportd");
  app.set_version_flag("--version", libexport::VersionLine("exportd"));
  app.set_config("--config", "",
                 "read settings from FILE: `name = value` lines, a name being "
                 "a flag without its dashes (store = \"/srv/store\")")
      ->type_name("FILE");
  app.allow_config_extras(false);

  app.add_option("--store", c->store, "the store directory")
      ->capture_default_str();
  const CLI::Validator host_port(
      [](std::string& v) {
        std::string host;
        int port = 0;
        return SplitListen(v, &host, &port) ? std::string()
                                            : "expected HOST:PORT, got " + v;
      },
      "HOST:PORT");
  std::string listen = c->host + ":" + std::to_string(c->port);
  app.add_option("--listen", listen,
                 "HOST:PORT to listen on; port 0 picks a free one (printed "
                 "at start)")
      ->capture_default_str()
      ->check(host_port);
  std::string health_listen;
  app.add_option("--health-listen", health_listen,
                 "also serve /healthz and /metrics on HOST:PORT, on workers "
                 "of their own (default: off)")
      ->check(host_port);
  app.add_option("--threads", c->threads,
                 "the most connections open at once, one worker thread each, "
                 "started on demand; past it 503 + Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--request-timeout", c->request_timeout,
                 "SECONDS a request head and body may take to arrive, else "
                 "408 (2 s when 3/4 of the workers are busy)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-header-bytes", c->max_header_bytes,
                 "request line + headers, else 431 (a request line over 8192: "
                 "414)")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1 << 30));
  app.add_option("--max-clock-skew", c->max_clock_skew,
                 "SECONDS a request's Date may differ from the clock, both "
                 "ways")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--read-timeout", c->read_timeout, "SECONDS per read")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--write-timeout", c->write_timeout, "SECONDS per write")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--keep-alive-timeout", c->keep_alive_timeout,
                 "SECONDS an idle keep-alive connection stays open")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-stream-seconds", c->max_stream_seconds,
                 "cap on one export's streaming (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-waiting-changes", c->max_waiting_changes,
                 "changes requests with wait held at once (503 past it); "
                 "keep it well below --threads")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--routes", c->routes,
                 "the route groups served: all (the export, the changes feed "
                 "and the write routes), export+changes, or export")
      ->capture_default_str()
      ->check(CLI::IsMember({"all", "export+changes", "export"}));
  app.add_flag("--read-only", c->read_only,
               "answer every write route (create, update, delete, bulk, "
               "catalog bulk) with 403 read_only");
  app.add_option("--max-bulk-records", c->max_bulk_records,
                 "records (lines) one bulk or catalog bulk request may carry "
                 "(413 past it); raise it to restore a larger backup")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-bulk-bytes", c->max_bulk_bytes,
                 "BYTES of one bulk or catalog bulk body, after gzip is "
                 "decoded (413 past it); a body over 4 MiB is spooled to a "
                 "temporary file in the store's directory, not held in "
                 "memory")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--tombstone-retention", c->tombstone_retention,
                 "SECONDS deletions are remembered for the changes feed "
                 "(older cursors get 410)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--catalog-memory-budget", c->catalog_memory_budget,
                 "BYTES the catalog tables shared by exports that prune by "
                 "catalog may hold in all; past it an export looks items up "
                 "in the store instead (same output, slower); 0: never")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--shutdown-grace", c->shutdown_grace,
                 "SECONDS running exports may finish after SIGTERM/SIGINT")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  CLI::Option* cert =
      app.add_option("--tls-cert", c->tls_cert,
                     "serve HTTPS (TLS 1.2 minimum) with this PEM certificate");
  CLI::Option* key =
      app.add_option("--tls-key", c->tls_key, "the certificate's PEM key");
  cert->check(CLI::ExistingFile)->needs(key);
  key->check(CLI::ExistingFile)->needs(cert);
  app.add_flag("--access-log,!--no-access-log", c->access_log,
               "one line per request on stderr (default: on)");
  app.add_option("--log-format", c->log_format,
                 "the access log's lines: text (`TIME ADDR:PORT METHOD PATH "
                 "key=value...`) or json (one object a line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.footer(ExitCodesHelp(false) +
             "\nSettings come from, first to last: the flag, the --config "
             "file, the environment\n(EXPORTD_ and the flag's name in upper "
             "snake case: EXPORTD_STORE, EXPORTD_LISTEN, ...),\nthe default.");
  SetEnvNames(app, "EXPORTD_");

  if (auto code = ParseCommandLine(app, args, "exportd", out, err)) {
    return code;
  }
  SplitListen(listen, &c->host, &c->port);  // both checked above
  if (!health_listen.empty()) {
    SplitListen(health_listen, &c->health_host, &c->health_port);
  }
  return std::nullopt;
}

}  // namespace libexport::app
