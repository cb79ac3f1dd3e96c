// The export endpoint on httplib: routing by string compare on the raw
// request target, HMAC auth (hmac_auth.h), one Store::Export streamed into a
// chunked response, metrics and the access log.
//
// Decision order for POST /v1/recommender/pin/{T}/scopes/export, each step
// answered before any byte of the export is produced:
//   1. shutting down                                   -> 503
//   2. Range header                                    -> 416
//   3. method other than POST                          -> 405
//   4. {T} not a valid tracker id                      -> 404
//   5. auth prechecks (headers, tracker match, Date)   -> 401
//   6. tracker unknown (no key to check the signature) -> 404
//   7. signature                                       -> 401
//   8. Accept allows neither JSON nor NDJSON           -> 406
//   9. query parameters (ParseExportQuery)             -> 422
//  10. 200, streamed in the negotiated representation (format from Accept,
//      content coding from Accept-Encoding, coded by Store::Export itself)
#include "libexport/http/export_routes.h"

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "error_json.h"
#include "http_metrics.h"
#include "libexport/http/hmac_auth.h"
#include "libexport/negotiation.h"
#include "libexport/query.h"
#include "libexport/store.h"
#include "libexport/time.h"
#include "request_parts.h"
#include "stream_sink.h"

namespace libexport::http {

using libexport::Status;
using libexport::Timestamp;
using libexport::http::AuthInput;
using libexport::http::AuthResult;

namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kPrefix = "/v1/recommender/pin/";
constexpr std::string_view kSuffix = "/scopes/export";

Timestamp ToTimestamp(std::chrono::system_clock::time_point tp) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                tp.time_since_epoch())
                .count();
  int64_t s = ns / 1'000'000'000;
  int64_t r = ns % 1'000'000'000;
  if (r < 0) {
    r += 1'000'000'000;
    --s;
  }
  return Timestamp{s, static_cast<int32_t>(r)};
}

}  // namespace

class ExportRoutes::Impl {
 public:
  Impl(std::shared_ptr<libexport::Store> store, ExportRoutesOptions options)
      : store_(std::move(store)), options_(std::move(options)) {
    if (!options_.clock)
      options_.clock = [] { return std::chrono::system_clock::now(); };
  }

  httplib::Server::HandlerResponse PreRoute(const httplib::Request& req,
                                            httplib::Response& res);
  void HandleExportWithBody(const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader);
  void HandleException(const httplib::Request& req, httplib::Response& res);

  struct Route {
    bool matched = false;
    std::string tracker_id;  // raw segment; may be invalid
  };
  static Route MatchExport(std::string_view path) {
    Route r;
    if (path.size() <= kPrefix.size() + kSuffix.size()) return r;
    if (path.substr(0, kPrefix.size()) != kPrefix) return r;
    if (path.substr(path.size() - kSuffix.size()) != kSuffix) return r;
    std::string_view middle = path.substr(
        kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
    if (middle.find('/') != std::string_view::npos) return r;
    r.matched = true;
    r.tracker_id = std::string(middle);
    return r;
  }

  // Runs the export decision chain and, on success, sets up the stream.
  void HandleExport(const httplib::Request& req, httplib::Response& res,
                    const std::string& tracker_id,
                    std::chrono::steady_clock::time_point start);

  void Reply(const httplib::Request& req, httplib::Response& res,
             std::string_view route, const std::string& tracker_id, int status,
             std::string body, std::chrono::steady_clock::time_point start) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    // An unread body would be parsed as the next request: ask the client
    // to close (httplib 0.11 cannot force it from a handler).
    if (HasBody(req)) res.set_header("Connection", "close");
    uint64_t bytes = body.size();
    SetBody(req, res, std::move(body), kJson);
    Finish(req, route, tracker_id, status, bytes, start, false);
  }

  void Finish(const httplib::Request& req, std::string_view route,
              const std::string& tracker_id, int status, uint64_t bytes,
              std::chrono::steady_clock::time_point start, bool aborted,
              std::string abort_reason = {}) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    metrics_.Record(route, status, bytes, seconds);
    if (options_.access_log) {
      AccessLogEntry e;
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

  std::shared_ptr<libexport::Store> store_;
  ExportRoutesOptions options_;
  HttpMetrics metrics_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<int64_t> shutdown_deadline_ns_{0};  // steady_clock
  std::atomic<int> active_streams_{0};
};

namespace {

std::string NotFoundRouteBody(const httplib::Request& req) {
  return ErrorJson(
      404, "route_not_found",
      "no route " + req.method + " " + std::string(PathOf(req.target)));
}

// Store::Export writes into httplib's chunked stream through this, in
// batches of about 64 KiB (each DataSink::write is one chunk and one send).

// What the provider and the releaser share; they run after the handler
// returned, so nothing may point at handler locals.
struct StreamState {
  ExportRoutes::Impl* impl = nullptr;
  libexport::ExportQuery query;
  std::chrono::steady_clock::time_point start;
  httplib::Request request_copy;  // method and target for the log
  bool started = false;
  bool finished = false;
  std::string abort_reason;
  uint64_t bytes = 0;
  libexport::ExportStats stats;
};

}  // namespace

httplib::Server::HandlerResponse ExportRoutes::Impl::PreRoute(
    const httplib::Request& req, httplib::Response& res) {
  using HR = httplib::Server::HandlerResponse;
  auto start = std::chrono::steady_clock::now();
  std::string_view path = PathOf(req.target);
  Route route = MatchExport(path);

  bool is_health = options_.serve_health && path == "/healthz";
  bool is_metrics = options_.serve_metrics && path == "/metrics";
  if (!route.matched && !is_health && !is_metrics &&
      !options_.not_found_for_other_paths) {
    return HR::Unhandled;
  }
  std::string_view route_name = route.matched ? "export"
                                : is_health   ? "healthz"
                                : is_metrics  ? "metrics"
                                              : "not_found";
  if (req.has_header("Range")) {
    Reply(req, res, route_name, route.tracker_id, 416,
          ErrorJson(416, "range_not_supported",
                    "Range requests are not supported"),
          start);
    return HR::Handled;
  }
  if (is_health || is_metrics) {
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET");
      Reply(req, res, route_name, "", 405,
            ErrorJson(405, "method_not_allowed",
                      std::string(path) + " accepts GET only"),
            start);
      return HR::Handled;
    }
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    std::string body;
    if (is_health) {
      body = shutting_down_ ? "{\"status\":\"shutting_down\"}"
                            : "{\"status\":\"ok\"}";
      if (shutting_down_) res.status = 503;
      SetBody(req, res, body, kJson);
    } else {
      body = metrics_.Text(active_streams_.load());
      SetBody(req, res, body, "text/plain; version=0.0.4; charset=utf-8");
    }
    Finish(req, route_name, "", res.status, body.size(), start, false);
    return HR::Handled;
  }
  if (!route.matched) {
    Reply(req, res, route_name, "", 404, NotFoundRouteBody(req), start);
    return HR::Handled;
  }
  // The export route. A request that carries a body goes on to the POST
  // route, which reads (and discards) the body under a cap first.
  // A multipart/form-data body is not read at all (httplib would parse it
  // into parts, and a plain reader gets no callback for them): answered
  // here, the body left to the connection (drained or closed).
  if (req.method == "POST" && HasBody(req) && !req.is_multipart_form_data())
    return HR::Unhandled;
  HandleExport(req, res, route.tracker_id, start);
  return HR::Handled;
}

void ExportRoutes::Impl::HandleExportWithBody(
    const httplib::Request& req, httplib::Response& res,
    const httplib::ContentReader& reader) {
  auto start = std::chrono::steady_clock::now();
  Route route = MatchExport(PathOf(req.target));
  if (!route.matched) {
    // The regex matched the decoded path but the raw one is not ours.
    Reply(req, res, "not_found", "", 404, NotFoundRouteBody(req), start);
    return;
  }
  size_t received = 0;
  size_t cap = options_.max_body_bytes;
  bool ok = reader([&](const char*, size_t n) {
    received += n;
    return received <= cap;
  });
  if (!ok && received > cap) {
    Reply(req, res, "export", route.tracker_id, 413,
          ErrorJson(413, "payload_too_large",
                    "the export takes no request body; at most " +
                        std::to_string(cap) + " bytes are accepted"),
          start);
    res.set_header("Connection", "close");
    return;
  }
  if (!ok) {
    Reply(req, res, "export", route.tracker_id, 400,
          ErrorJson(400, "bad_request", "the request body could not be read"),
          start);
    res.set_header("Connection", "close");
    return;
  }
  HandleExport(req, res, route.tracker_id, start);
}

void ExportRoutes::Impl::HandleExport(
    const httplib::Request& req, httplib::Response& res,
    const std::string& tracker_id,
    std::chrono::steady_clock::time_point start) {
  if (shutting_down_) {
    res.set_header("Connection", "close");
    Reply(req, res, "export", tracker_id, 503,
          ErrorJson(503, "shutting_down", "the server is shutting down"),
          start);
    return;
  }
  if (req.method != "POST") {
    res.set_header("Allow", "POST");
    Reply(req, res, "export", tracker_id, 405,
          ErrorJson(405, "method_not_allowed",
                    "the export route accepts POST only"),
          start);
    return;
  }
  if (!libexport::IsValidTrackerId(tracker_id)) {
    Reply(req, res, "export", tracker_id, 404,
          ErrorJson(404, "tracker_not_found", "no such tracker"), start);
    return;
  }

  Timestamp now = ToTimestamp(options_.clock());
  std::string path(PathOf(req.target));
  AuthInput input;
  input.method = req.method;
  input.path = path;
  input.authorization = HeaderValues(req, "Authorization");
  input.date = HeaderValues(req, "Date");
  input.content_type = HeaderValues(req, "Content-Type");
  int64_t skew = options_.max_clock_skew.count();
  AuthResult auth = libexport::http::PrecheckAuth(input, tracker_id, now, skew);
  if (auth.ok()) {
    libexport::Result<std::vector<std::string>> keys =
        store_->SigningKeys(tracker_id, now);
    if (!keys.ok()) {
      if (keys.status().code() == Status::Code::kNotFound) {
        Reply(req, res, "export", tracker_id, 404,
              ErrorJson(404, "tracker_not_found",
                        "tracker '" + tracker_id + "' does not exist"),
              start);
      } else {
        Reply(req, res, "export", tracker_id, 500,
              ErrorJson(500, "internal", "the store could not be read"), start);
      }
      return;
    }
    auth = libexport::http::VerifySignature(input, std::move(auth), *keys);
  }
  if (!auth.ok()) {
    Reply(req, res, "export", tracker_id, 401,
          UnauthorizedJson(auth, libexport::FormatHttpDate(now), skew), start);
    return;
  }

  // The representation is negotiated before the parameters are checked:
  // prune_report depends on the format.
  std::optional<libexport::ExportFormat> format =
      libexport::NegotiateFormat(HeaderValues(req, "Accept"));
  if (!format) {
    Reply(req, res, "export", tracker_id, 406,
          ErrorJson(406, "not_acceptable",
                    "the export is available as application/json or "
                    "application/x-ndjson; the Accept header allows neither"),
          start);
    return;
  }
  const libexport::Representation representation{
      *format,
      libexport::NegotiateCoding(HeaderValues(req, "Accept-Encoding"))};
  libexport::Result<libexport::ExportQuery> query = libexport::ParseExportQuery(
      tracker_id, ParseQuery(QueryOf(req.target)), now, representation);
  if (!query.ok()) {
    const Status& st = query.status();
    if (st.code() == Status::Code::kInvalidArgument) {
      Reply(req, res, "export", tracker_id, 422,
            ErrorJson(422, "invalid_parameter", st.message(), st.field()),
            start);
    } else {
      Reply(req, res, "export", tracker_id, 500,
            ErrorJson(500, "internal", "the query could not be built"), start);
    }
    return;
  }

  // Decided: 200. From here on, an error can only cut the stream.
  auto state = std::make_shared<StreamState>();
  state->impl = this;
  state->query = std::move(query).value();
  state->start = start;
  state->request_copy.method = req.method;
  state->request_copy.target = req.target;
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  // The bytes depend on both headers. cpp-httplib 0.11.4 never compresses
  // these media types itself (it only does for an exact "application/json",
  // text/* and a few others), so the coding is ours alone.
  res.set_header("Vary", "Accept, Accept-Encoding");
  if (representation.coding != libexport::ContentCoding::kIdentity) {
    res.set_header(
        "Content-Encoding",
        std::string(libexport::ContentCodingName(representation.coding)));
  }
  if (HasBody(req)) res.set_header("Connection", "close");
  active_streams_.fetch_add(1);
  res.set_chunked_content_provider(
      std::string(libexport::MediaTypeOf(representation.format)),
      [state](size_t, httplib::DataSink& sink) -> bool {
        if (state->started) {  // not expected: the first call finishes
          sink.done();
          return true;
        }
        state->started = true;
        Impl* impl = state->impl;
        auto cap = impl->options_.max_stream_time.count() > 0
                       ? state->start + impl->options_.max_stream_time
                       : std::chrono::steady_clock::time_point::max();
        DataSinkExportSink adapter(sink, cap, impl->shutting_down_,
                                   impl->shutdown_deadline_ns_);
        Status st = impl->store_->Export(state->query, adapter, &state->stats);
        bool ok = st.ok() && adapter.Flush();
        state->bytes = adapter.bytes_sent();
        if (!ok) {
          state->abort_reason = adapter.stop_reason() != nullptr
                                    ? adapter.stop_reason()
                                    : st.ToString();
          return false;  // httplib closes the connection
        }
        state->finished = true;
        sink.done();
        return true;
      },
      [state](bool success) {
        Impl* impl = state->impl;
        impl->active_streams_.fetch_sub(1);
        impl->metrics_.RecordPruned(state->stats.pins_pruned_expired,
                                    state->stats.pins_pruned_missing);
        bool aborted = !(success && state->finished);
        if (aborted) impl->metrics_.RecordAbortedStream();
        if (aborted && state->abort_reason.empty()) {
          state->abort_reason = state->started ? "client_gone" : "not_started";
        }
        impl->Finish(state->request_copy, "export", state->query.tracker_id,
                     200, state->bytes, state->start, aborted,
                     state->abort_reason);
      });
}

void ExportRoutes::Impl::HandleException(const httplib::Request& req,
                                         httplib::Response& res) {
  res.status = 500;
  res.headers.clear();
  res.set_content(ErrorJson(500, "internal", "internal server error"),
                  std::string(kJson));
  Finish(req, "error", "", 500, res.body.size(),
         std::chrono::steady_clock::now(), false);
}

ExportRoutes::ExportRoutes(std::shared_ptr<libexport::Store> store,
                           ExportRoutesOptions options)
    : impl_(std::make_unique<Impl>(std::move(store), std::move(options))) {}

ExportRoutes::~ExportRoutes() = default;

httplib::Server::HandlerResponse ExportRoutes::PreRoute(
    const httplib::Request& req, httplib::Response& res) {
  return impl_->PreRoute(req, res);
}

std::string ExportRoutes::MetricsText() const {
  return impl_->metrics_.Text(impl_->active_streams_.load());
}

void ExportRoutes::BeginShutdown(
    std::chrono::steady_clock::time_point deadline) {
  impl_->shutdown_deadline_ns_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          deadline.time_since_epoch())
          .count());
  impl_->shutting_down_.store(true);
}

int ExportRoutes::ActiveStreams() const {
  return impl_->active_streams_.load();
}

std::unique_ptr<ExportRoutes> MountExportRoutes(
    httplib::Server& server, std::shared_ptr<libexport::Store> store,
    ExportRoutesOptions options) {
  bool install = options.install_pre_routing_handler;
  auto routes =
      std::make_unique<ExportRoutes>(std::move(store), std::move(options));
  ExportRoutes::Impl* impl = routes->impl_.get();
  if (install) {
    server.set_pre_routing_handler(
        [impl](const httplib::Request& req, httplib::Response& res) {
          return impl->PreRoute(req, res);
        });
  }
  // Only export requests that carry a body reach this route (the
  // pre-routing handler answers the rest before httplib reads a body). The
  // pattern is bounded: libstdc++ regex recursion grows with the input.
  server.Post(R"(/v1/recommender/pin/[A-Za-z0-9_-]{1,64}/scopes/export)",
              [impl](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
                impl->HandleExportWithBody(req, res, reader);
              });
  server.set_exception_handler(
      [impl](const httplib::Request& req, httplib::Response& res,
             std::exception_ptr) { impl->HandleException(req, res); });
  return routes;
}

void ConfigureServer(httplib::Server& server, int threads) {
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(10000);
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int n = threads > 0 ? threads : 64;
  server.new_task_queue = [n] { return new httplib::ThreadPool(n); };
}

}  // namespace libexport::http
