// The export endpoint as routes a host mounts onto its own httplib::Server:
//
//   POST /v1/recommender/pin/{TRACKER_ID}/scopes/export   (HMAC, streamed;
//        ETag and X-Libexport-Cursor; If-None-Match -> 304)
//   POST /v1/recommender/pin/{TRACKER_ID}/scopes/changes  (HMAC; since,
//        limit, wait: the change feed, a long poll with wait)
//   and with route_groups = kAll the write side, all HMAC:
//   POST   .../{TRACKER_ID}/scope             create (201)
//   GET    .../{TRACKER_ID}/scope/{ID}        get (200)
//   PUT    .../{TRACKER_ID}/scope/{ID}        update, full replacement (204)
//   DELETE .../{TRACKER_ID}/scope/{ID}        delete (204)
//   POST   .../{TRACKER_ID}/scopes            list (200, paginated)
//   GET    .../{TRACKER_ID}/summary           summary (200)
//   POST   .../{TRACKER_ID}/scopes/_bulk      bulk NDJSON (200)
//   POST   .../{TRACKER_ID}/catalog/_bulk     catalog add / remove (200)
//   GET  /healthz                                          (optional, no auth)
//   GET  /metrics                                          (optional,
//   Prometheus)
//
// Usage (see examples/host_server.cpp):
//
//   auto store = libexport::Store::Open("data/store");
//   httplib::Server server;
//   libexport::http::ConfigureServer(server);       // recommended defaults
//   auto routes = libexport::http::MountExportRoutes(server, *store, {});
//   server.listen("127.0.0.1", 8080);
//
// How it hooks in: MountExportRoutes installs the server's pre-routing
// handler (httplib has one slot) and one POST route. The pre-routing handler
// answers the export route, /healthz and /metrics itself, before httplib
// reads a request body; that is what lets a POST with no body and no
// Content-Length (the public docs' `curl -X POST`) get its answer at once
// instead of waiting for the read timeout. Other paths fall through to the
// host's routes (or get a JSON 404 with `not_found_for_other_paths`). A host
// that needs its own pre-routing handler sets `install_pre_routing_handler =
// false` and calls ExportRoutes::PreRoute first from its handler.
//
// IMPORTANT (lifetime): the returned ExportRoutes must outlive the server's
// listen(); the handlers hold a reference to it. The Store is shared.
//
// Thread safety: the handlers run on httplib's worker threads concurrently;
// ExportRoutes is internally synchronized.
#ifndef LIBEXPORT_HTTP_EXPORT_ROUTES_H_
#define LIBEXPORT_HTTP_EXPORT_ROUTES_H_

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "libexport/time.h"

namespace libexport {
class Store;
}

namespace libexport::http {

// One finished request, for the access log. Never carries headers, so never
// the Authorization header or a signature.
struct AccessLogEntry {
  libexport::Timestamp time;  // when the answer was done (system clock)
  std::string remote_addr;    // the client's address; empty when unknown
  int remote_port = -1;
  // The request's X-Request-Id when sane (at most 128 visible ASCII bytes),
  // else one generated; the response carries it back in X-Request-Id.
  std::string request_id;
  std::string method;
  std::string path;        // as sent, query included
  std::string tracker_id;  // from the path; empty for other routes
  int status = 0;
  uint64_t bytes = 0;      // response body bytes sent
  double duration_ms = 0;  // from routing to the last byte
  bool aborted = false;    // a stream cut short
  // Why: "client_gone" (a write failed or timed out), "time_cap",
  // "shutdown", or the store's error. Empty when not aborted.
  std::string abort_reason;
};

// `TIME ADDR:PORT method path tracker=T status=S bytes=B duration_ms=D
// request_id=ID[ aborted=REASON]`, TIME in RFC 3339 UTC with milliseconds,
// "-" for what is unknown; in method and path, control characters, spaces,
// '\\' and non-ASCII bytes are written as \xHH (a request target cannot
// inject terminal escapes or fake a line).
std::string FormatAccessLogLine(const AccessLogEntry& entry);

// The same entry as one JSON object on one line (no newline):
// {"time","remote_addr","remote_port","request_id","method","path",
// "tracker","status","bytes","duration_ms"[,"abort_reason"]}; a string
// that is empty or unknown is null. Method and path are escaped as in
// the text line first, so the line is ASCII and always valid JSON.
std::string FormatAccessLogJson(const AccessLogEntry& entry);

struct ExportRoutesOptions {
  // Allowed distance between the request's Date and the server clock, in
  // both directions. Default: 5 s, as the reference service.
  std::chrono::seconds max_clock_skew{5};

  // The longest one export may stream; past it the stream is cut (the
  // client sees a truncated chunked body) and the read transaction is
  // released. Bounds how long a slow client pins an LMDB reader. Default:
  // 300 s. Zero: no cap.
  std::chrono::seconds max_stream_time{300};

  // Request bodies are not used by the export; one that is sent anyway is
  // read and discarded up to this many bytes, else 413. Default: 64 KiB.
  size_t max_body_bytes = 64 * 1024;

  // The clock for Date checks and the export's `now`. Default: the system
  // clock. Tests inject a fixed one.
  std::function<std::chrono::system_clock::time_point()> clock;

  // Called once per request the routes answer, after the last byte.
  // Default: none. Runs on a worker thread; must be thread-safe.
  std::function<void(const AccessLogEntry&)> access_log;

  // Changes requests with `wait` that may be held at once, each holding a
  // worker thread for up to `wait` seconds (at most 60); past it they get
  // 503 with Retry-After. Keep it well below the server's thread count so
  // that exports always find a worker. Default: 16.
  int max_waiting_changes = 16;

  // Which route groups are served. kExport: the export alone.
  // kExportAndChanges (default): and the changes feed. kAll: and the write
  // side, the reference service's other customization routes (create, get,
  // update, delete, list, summary, bulk, catalog bulk; docs/http_api.md).
  enum class RouteGroups { kExport, kExportAndChanges, kAll };
  RouteGroups route_groups = RouteGroups::kExportAndChanges;

  // Answer every write route (create, update, delete, bulk, catalog bulk)
  // with 403, code read_only, after authentication. Default: false.
  bool read_only = false;

  // The largest request body of create and update (one customization),
  // else 413. Default: 1 MiB.
  size_t max_record_body_bytes = 1 << 20;
  // The largest body of bulk and catalog bulk, counted after a gzip
  // Content-Encoding is decoded (a zip bomb gets 413), else 413. Default:
  // 64 MiB. A restore of a large backup raises it (and max_bulk_records).
  size_t max_bulk_body_bytes = 64 << 20;
  // The most records of one bulk (NDJSON lines or the export document's
  // results) or catalog bulk, else 413. 0: no cap. Default: 5000, as the
  // reference service.
  size_t max_bulk_records = 5000;
  // A request body over this many bytes is spooled to an unnamed, owner-only
  // temporary file in the store's directory and imported from a read-only
  // mapping of it, instead of being held in the heap; the file is gone when
  // the request is answered. A body that cannot be spooled (the disk is
  // full) gets 507, code spool_failed. Default: 4 MiB.
  size_t spool_threshold_bytes = 4 << 20;

  // Serve GET /healthz and GET /metrics. Default: true.
  bool serve_health = true;
  bool serve_metrics = true;

  // Answer every other path with a JSON 404 (405 for a non-GET on
  // /healthz or /metrics). For a sidecar that owns the server. Default:
  // false, so a host's own routes keep working.
  bool not_found_for_other_paths = false;

  // Install PreRoute as the server's pre-routing handler, and the routes'
  // Expect: 100-continue handler (a bulk body that authentication or the
  // byte cap refuses is answered before its client sends it). Default:
  // true.
  bool install_pre_routing_handler = true;
};

class ExportRoutes {
 public:
  ExportRoutes(std::shared_ptr<libexport::Store> store,
               ExportRoutesOptions options);
  ~ExportRoutes();
  ExportRoutes(const ExportRoutes&) = delete;
  ExportRoutes& operator=(const ExportRoutes&) = delete;

  // Handled when the request was one of ours (the response is set),
  // Unhandled otherwise. Call from a host's pre-routing handler when
  // install_pre_routing_handler is false.
  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req,
                                            httplib::Response& res);

  // The answer to a request with Expect: 100-continue: 100, or the status
  // of a body route's request that admission (401, 404, 403 ...) or the
  // body cap (413) refuses, with `res` set, so that its client never sends
  // the body. Install with server.set_expect_100_continue_handler when
  // install_pre_routing_handler is false.
  int ExpectContinue(const httplib::Request& req, httplib::Response& res);

  // The Prometheus text exposition of the counters (GET /metrics).
  std::string MetricsText() const;

  // Graceful shutdown, step 1: streams still running at `deadline` are cut
  // and new requests get 503. Call, then server.stop(), then wait for
  // listen() to return.
  void BeginShutdown(std::chrono::steady_clock::time_point deadline);

  // Exports streaming right now.
  int ActiveStreams() const;

  class Impl;

 private:
  friend std::unique_ptr<ExportRoutes> MountExportRoutes(
      httplib::Server&, std::shared_ptr<libexport::Store>, ExportRoutesOptions);
  std::unique_ptr<Impl> impl_;
};

// Creates the routes and mounts them onto `server`: the pre-routing handler
// (unless disabled) and a POST route for export requests that carry a body.
// Also installs an exception handler that answers a generic JSON 500 (the
// default would leak e.what() into a header).
std::unique_ptr<ExportRoutes> MountExportRoutes(
    httplib::Server& server, std::shared_ptr<libexport::Store> store,
    ExportRoutesOptions options = {});

// Server settings for serving exports (dependencies.md section 1): TCP_NODELAY,
// a pool of `threads` workers (one per keep-alive connection, so size it at
// or above the expected concurrent clients), keep-alive max count 10000,
// plain SO_REUSEADDR (httplib's default SO_REUSEPORT lets a second server
// bind the same port silently). Timeouts stay as the caller sets them.
void ConfigureServer(httplib::Server& server, int threads = 64);

}  // namespace libexport::http

#endif  // LIBEXPORT_HTTP_EXPORT_ROUTES_H_
