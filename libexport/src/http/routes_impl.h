// ExportRoutes::Impl: the state every route shares (store, options,
// metrics, shutdown) and the steps they share (routing, the auth prelude,
// replies and the access log). The export route is in export_routes.cpp,
// the changes route in changes_route.cpp.
#ifndef LIBEXPORT_SRC_HTTP_ROUTES_IMPL_H_
#define LIBEXPORT_SRC_HTTP_ROUTES_IMPL_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http_metrics.h"
#include "libexport/http/export_routes.h"
#include "libexport/store.h"
#include "libexport/time.h"
#include "request_parts.h"

namespace libexport::http {

inline constexpr std::string_view kJson = "application/json; charset=utf-8";

// Whether `method` is one of `allow` ("GET, PUT, DELETE"; route_table.cpp).
bool MethodAllowed(std::string_view allow, std::string_view method);

libexport::Timestamp ToTimestamp(std::chrono::system_clock::time_point tp);

class ExportRoutes::Impl {
 public:
  Impl(std::shared_ptr<libexport::Store> store, ExportRoutesOptions options)
      : store_(std::move(store)), options_(std::move(options)) {
    if (!options_.clock)
      options_.clock = [] { return std::chrono::system_clock::now(); };
  }

  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req,
                                            httplib::Response& res);
  void HandleWithBody(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader);
  void HandleException(const httplib::Request& req, httplib::Response& res);

  // /v1/recommender/pin/{T}/...: the export, the changes feed and, when the
  // host serves them, the write side (write_routes.cpp).
  struct Route {
    bool matched = false;
    // For logs and metrics: "export", "changes", "create", "get",
    // "update", "delete", "scope" (another method on /scope/{ID}), "list",
    // "summary", "bulk", "catalog_bulk".
    std::string_view name;
    std::string tracker_id;   // raw segment; may be invalid
    std::string id;           // /scope/{ID}: raw segment; may be invalid
    std::string_view allow;   // the methods the path takes ("POST")
    bool write = false;       // changes data: 403 when read-only
    bool takes_body = false;  // read under a cap (BodyCap), spooled if large
  };
  // `method` picks the name on /scope/{ID}. Unmatched for a group the
  // options do not serve.
  Route MatchRoute(std::string_view path, std::string_view method) const;
  // The answer to Expect: 100-continue: 100, or the status of a request
  // that admission or the body cap refuses (res then holds the reply), so
  // that its client never sends the body.
  int ExpectContinue(const httplib::Request& req, httplib::Response& res);
  // Whether an identity body's Content-Length is over BodyCap(route).
  bool DeclaredOverCap(const httplib::Request& req, const Route& route) const;
  // 413 payload_too_large for a body over BodyCap(route); the connection
  // is closed (the rest of the body is not read).
  void ReplyBodyTooLarge(const httplib::Request& req, httplib::Response& res,
                         const Route& route,
                         std::chrono::steady_clock::time_point start);
  // The byte cap of a route's request body (decompressed).
  size_t BodyCap(const Route& route) const;

  // The steps every tracker route takes first (admission.cpp): shutting
  // down (503), method
  // (405), tracker id (404), auth prechecks (401), tracker unknown (404),
  // signature (401; the keys are read from `snapshot`). True when the
  // request may go on; otherwise the reply is set.
  bool Admit(const httplib::Request& req, httplib::Response& res,
             const Route& route, const libexport::Snapshot& snapshot,
             libexport::Timestamp now,
             std::chrono::steady_clock::time_point start);

  // The handler of an admitted-or-not tracker route (each handler admits).
  void Dispatch(const httplib::Request& req, httplib::Response& res,
                const Route& route, std::string_view body,
                std::chrono::steady_clock::time_point start);

  // Admit, from a snapshot opened for it and closed before returning (503
  // when it cannot be opened): for the routes whose answer is read or
  // written afterwards, in the Store's own transactions.
  bool AdmitNow(const httplib::Request& req, httplib::Response& res,
                const Route& route, libexport::Timestamp now,
                std::chrono::steady_clock::time_point start);

  // Runs the export decision chain and, on success, sets up the stream.
  void HandleExport(const httplib::Request& req, httplib::Response& res,
                    const Route& route,
                    std::chrono::steady_clock::time_point start);
  // The write side (write_routes.cpp, bulk_route.cpp); `body` is the
  // request body, read under BodyCap.
  void HandleWrite(const httplib::Request& req, httplib::Response& res,
                   const Route& route, std::string_view body,
                   std::chrono::steady_clock::time_point start);
  void HandleList(const httplib::Request& req, httplib::Response& res,
                  const Route& route, libexport::Timestamp now,
                  std::chrono::steady_clock::time_point start);
  void HandleBulk(const httplib::Request& req, httplib::Response& res,
                  const Route& route, std::string_view body,
                  libexport::Timestamp now,
                  std::chrono::steady_clock::time_point start);
  void HandleCatalogBulk(const httplib::Request& req, httplib::Response& res,
                         const Route& route, std::string_view body,
                         std::chrono::steady_clock::time_point start);
  // Who writes, for the store's audit log: "<tracker>@<client address>"
  // (the tracker whose key signed the request).
  static std::string ActorOf(const httplib::Request& req, const Route& route) {
    return route.tracker_id + "@" + req.remote_addr;
  }
  // The answer to a failed store call: InvalidArgument 422 (field named),
  // NotFound 404 (tracker or customization), AlreadyExists 409,
  // ResourceExhausted 507, anything else 500.
  void ReplyStoreError(const httplib::Request& req, httplib::Response& res,
                       const Route& route, const libexport::Status& status,
                       std::chrono::steady_clock::time_point start);
  // The changes feed (changes_route.cpp).
  void HandleChanges(const httplib::Request& req, httplib::Response& res,
                     const Route& route,
                     std::chrono::steady_clock::time_point start);

  void Reply(const httplib::Request& req, httplib::Response& res,
             std::string_view route, const std::string& tracker_id, int status,
             std::string body, std::chrono::steady_clock::time_point start,
             std::string_view content_type = kJson) {
    res.status = status;
    if (!res.has_header("Cache-Control"))
      res.set_header("Cache-Control", "no-store");
    // An unread body would be parsed as the next request: ask the client
    // to close (httplib 0.11 cannot force it from a handler).
    if (HasBody(req)) res.set_header("Connection", "close");
    uint64_t bytes = body.size();
    SetBody(req, res, std::move(body), content_type);
    Finish(req, res.get_header_value("X-Request-Id"), route, tracker_id, status,
           bytes, start, false);
  }

  // `request_id`: the X-Request-Id PreRoute set on the response.
  void Finish(const httplib::Request& req, const std::string& request_id,
              std::string_view route, const std::string& tracker_id, int status,
              uint64_t bytes, std::chrono::steady_clock::time_point start,
              bool aborted, std::string abort_reason = {}) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    metrics_.Record(route, status, bytes, seconds);
    if (options_.access_log) {
      AccessLogEntry e;
      e.time = libexport::SystemNow();
      e.remote_addr = req.remote_addr;
      e.remote_port = req.remote_port;
      e.request_id = request_id;
      e.method = req.method;
      e.path = req.target;
      e.tracker_id = tracker_id;
      e.status = status;
      e.bytes = bytes;
      e.duration_ms = seconds * 1000.0;
      e.aborted = aborted;
      e.abort_reason = std::move(abort_reason);
      options_.access_log(e);
    }
  }

  // GET /metrics: the counters, the store's gauges, the process_* families.
  std::string MetricsText() const;

  std::shared_ptr<libexport::Store> store_;
  ExportRoutesOptions options_;
  HttpMetrics metrics_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<int64_t> shutdown_deadline_ns_{0};  // steady_clock
  std::atomic<int> active_streams_{0};
  std::atomic<int> waiting_changes_{0};  // long polls holding a worker
};

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_ROUTES_IMPL_H_
