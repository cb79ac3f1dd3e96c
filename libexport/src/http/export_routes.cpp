// The export endpoint on httplib: routing by string compare on the raw
// request target, admission (admission.cpp: HMAC auth), one Snapshot's
// export streamed into a chunked response, metrics and the access log.
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
//  10. If-None-Match names the export's ETag           -> 304, no body
//  11. 200 with ETag and X-Libexport-Cursor, streamed in the negotiated
//      representation (format from Accept, content coding from
//      Accept-Encoding, coded by the export itself)
// Steps 5-11 read one Snapshot: the key, the validator and the body are of
// the same instant.
#include "libexport/http/export_routes.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "error_json.h"
#include "http_metrics.h"
#include "libexport/negotiation.h"
#include "libexport/query.h"
#include "libexport/store.h"
#include "libexport/time.h"
#include "process_metrics.h"
#include "request_body.h"
#include "request_id.h"
#include "request_parts.h"
#include "routes_impl.h"
#include "store_metrics.h"
#include "stream_sink.h"

namespace libexport::http {

using libexport::Status;
using libexport::Timestamp;

namespace {

std::string NotFoundRouteBody(const httplib::Request& req) {
  return ErrorJson(
      404, "route_not_found",
      "no route " + req.method + " " + std::string(PathOf(req.target)));
}

// What the provider and the releaser share; they run after the handler
// returned, so nothing may point at handler locals.
struct StreamState {
  ExportRoutes::Impl* impl = nullptr;
  // The snapshot the key, the validator and the body are read from; reset
  // as soon as the body is written, to give the reader slot back.
  std::optional<libexport::Snapshot> snapshot;
  libexport::ExportQuery query;
  std::chrono::steady_clock::time_point start;
  // Method, target and client address for the log.
  httplib::Request request_copy;
  std::string request_id;
  bool started = false;
  bool finished = false;
  std::string abort_reason;
  uint64_t bytes = 0;
  libexport::ExportStats stats;
};

// Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110
// section 13.1.2 asks; "*" matches any current representation).
bool NoneMatchHits(const std::vector<std::string_view>& headers,
                   std::string_view etag) {
  for (std::string_view h : headers) {
    size_t pos = 0;
    while (pos < h.size()) {
      size_t comma = h.find(',', pos);
      if (comma == std::string_view::npos) comma = h.size();
      std::string_view tag = h.substr(pos, comma - pos);
      while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t'))
        tag.remove_prefix(1);
      while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t'))
        tag.remove_suffix(1);
      if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
      if (tag == "*" || tag == etag) return true;
      pos = comma + 1;
    }
  }
  return false;
}

// The provider's work: the export from the request's snapshot into the
// chunked stream. False cuts the stream (httplib closes the connection).
bool StreamExport(StreamState& state, httplib::DataSink& sink) {
  if (state.started) {  // not expected: the first call finishes
    sink.done();
    return true;
  }
  state.started = true;
  ExportRoutes::Impl* impl = state.impl;
  auto cap = impl->options_.max_stream_time.count() > 0
                 ? state.start + impl->options_.max_stream_time
                 : std::chrono::steady_clock::time_point::max();
  DataSinkExportSink adapter(sink, cap, impl->shutting_down_,
                             impl->shutdown_deadline_ns_);
  Status st = state.snapshot->Export(state.query, adapter, &state.stats);
  state.snapshot.reset();
  bool ok = st.ok() && adapter.Finish();
  state.bytes = adapter.bytes_sent();
  if (!ok) {
    if (adapter.stop_reason() != nullptr) {
      state.abort_reason = adapter.stop_reason();
    } else if (st.code() == Status::Code::kResourceExhausted ||
               st.code() == Status::Code::kInternal) {
      state.abort_reason = "internal";  // an exception inside the export
    } else {
      state.abort_reason = st.ToString();
    }
    return false;
  }
  state.finished = true;
  sink.done();
  return true;
}

// The releaser's work, once the response is over: metrics and the log.
void FinishStream(StreamState& state, bool success) {
  ExportRoutes::Impl* impl = state.impl;
  state.snapshot.reset();
  impl->active_streams_.fetch_sub(1);
  impl->metrics_.RecordPruned(state.stats.pins_pruned_expired,
                              state.stats.pins_pruned_missing);
  impl->metrics_.RecordScanned(state.stats.records_scanned);
  impl->metrics_.RecordCorrupt(state.stats.records_corrupt);
  bool aborted = !(success && state.finished);
  if (aborted && state.abort_reason.empty()) {
    state.abort_reason = state.started ? "client_gone" : "not_started";
  }
  if (aborted) impl->metrics_.RecordAbortedStream(state.abort_reason);
  impl->Finish(state.request_copy, state.request_id, "export",
               state.query.tracker_id, 200, state.bytes, state.start, aborted,
               state.abort_reason);
}

}  // namespace

libexport::Timestamp ToTimestamp(std::chrono::system_clock::time_point tp) {
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

httplib::Server::HandlerResponse ExportRoutes::Impl::PreRoute(
    const httplib::Request& req, httplib::Response& res) {
  using HR = httplib::Server::HandlerResponse;
  auto start = std::chrono::steady_clock::now();
  std::string_view path = PathOf(req.target);
  Route route = MatchRoute(path, req.method);

  bool is_health = options_.serve_health && path == "/healthz";
  bool is_metrics = options_.serve_metrics && path == "/metrics";
  if (!route.matched && !is_health && !is_metrics &&
      !options_.not_found_for_other_paths) {
    return HR::Unhandled;
  }
  // Echoed on every answer of ours, errors included.
  res.set_header("X-Request-Id", RequestIdOf(req));
  std::string_view route_name = route.matched ? route.name
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
      body = MetricsText();
      SetBody(req, res, body, "text/plain; version=0.0.4; charset=utf-8");
    }
    Finish(req, res.get_header_value("X-Request-Id"), route_name, "",
           res.status, body.size(), start, false);
    return HR::Handled;
  }
  if (!route.matched) {
    Reply(req, res, route_name, "", 404, NotFoundRouteBody(req), start);
    return HR::Handled;
  }
  // A tracker route. A request that carries a body goes on to the POST
  // (or PUT) route, which reads the body under a cap first; it is admitted
  // here first, so a request that will be refused is refused before any
  // byte of its body is read.
  // A multipart/form-data body is not read at all (httplib would parse it
  // into parts, and a plain reader gets no callback for them): answered
  // here, the body left to the connection (drained or closed).
  if ((req.method == "POST" || req.method == "PUT") &&
      MethodAllowed(route.allow, req.method) && HasBody(req) &&
      !req.is_multipart_form_data()) {
    if (route.takes_body &&
        !AdmitNow(req, res, route, ToTimestamp(options_.clock()), start)) {
      return HR::Handled;
    }
    // A plain body that says it is over the cap is refused unread.
    if (route.takes_body && DeclaredOverCap(req, route)) {
      ReplyBodyTooLarge(req, res, route, start);
      return HR::Handled;
    }
    return HR::Unhandled;
  }
  Dispatch(req, res, route, std::string_view(), start);
  return HR::Handled;
}

void ExportRoutes::Impl::Dispatch(const httplib::Request& req,
                                  httplib::Response& res, const Route& route,
                                  std::string_view body,
                                  std::chrono::steady_clock::time_point start) {
  if (route.name == "changes") {
    HandleChanges(req, res, route, start);
  } else if (route.name == "export") {
    HandleExport(req, res, route, start);
  } else {
    HandleWrite(req, res, route, body, start);
  }
}

bool ExportRoutes::Impl::DeclaredOverCap(const httplib::Request& req,
                                         const Route& route) const {
  return !req.has_header("Content-Encoding") &&
         std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr,
                       10) > BodyCap(route);
}

int ExportRoutes::Impl::ExpectContinue(const httplib::Request& req,
                                       httplib::Response& res) {
  auto start = std::chrono::steady_clock::now();
  Route route = MatchRoute(PathOf(req.target), req.method);
  // PreRoute answers the rest; a body route is admitted here too, so that
  // a refused request is refused before its client sends the body.
  if (!route.matched || !route.takes_body) return 100;
  if (!AdmitNow(req, res, route, ToTimestamp(options_.clock()), start)) {
    res.set_header("Connection", "close");
    return res.status;
  }
  if (DeclaredOverCap(req, route)) {
    ReplyBodyTooLarge(req, res, route, start);
    return res.status;
  }
  return 100;
}

void ExportRoutes::Impl::ReplyBodyTooLarge(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    std::chrono::steady_clock::time_point start) {
  const size_t cap = BodyCap(route);
  Reply(req, res, route.name, route.tracker_id, 413,
        ErrorJson(413, "payload_too_large",
                  route.takes_body
                      ? "the request body is over " + std::to_string(cap) +
                            " bytes (decompressed), this route's cap"
                      : "the route takes no request body; at most " +
                            std::to_string(cap) + " bytes are accepted"),
        start);
  res.set_header("Connection", "close");
}

void ExportRoutes::Impl::HandleWithBody(const httplib::Request& req,
                                        httplib::Response& res,
                                        const httplib::ContentReader& reader) {
  auto start = std::chrono::steady_clock::now();
  Route route = MatchRoute(PathOf(req.target), req.method);
  if (!route.matched) {
    // The regex matched the decoded path but the raw one is not ours.
    Reply(req, res, "not_found", "", 404, NotFoundRouteBody(req), start);
    return;
  }
  // A body the route does not use is read and dropped, under the cap; one
  // it uses is kept in memory, or past the spool threshold in a file.
  RequestBody body(store_->path(), options_.spool_threshold_bytes);
  Status spool;
  const size_t cap = BodyCap(route);
  size_t received = 0;
  bool ok = reader([&](const char* data, size_t n) {
    received += n;
    if (received > cap) return false;
    if (route.takes_body) spool = body.Append(std::string_view(data, n));
    return spool.ok();
  });
  if (spool.ok() && ok) spool = body.Finish();
  if (!spool.ok()) {
    Reply(req, res, route.name, route.tracker_id, 507,
          ErrorJson(507, "spool_failed",
                    "the request body could not be spooled to the store's "
                    "directory (" +
                        spool.message() + "); nothing was imported"),
          start);
    res.set_header("Connection", "close");
    return;
  }
  if (!ok && received > cap) return ReplyBodyTooLarge(req, res, route, start);
  if (!ok) {
    Reply(req, res, route.name, route.tracker_id, 400,
          ErrorJson(400, "bad_request", "the request body could not be read"),
          start);
    res.set_header("Connection", "close");
    return;
  }
  Dispatch(req, res, route, body.view(), start);
}

void ExportRoutes::Impl::HandleExport(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  // One snapshot answers the key, the validator and the body.
  libexport::Result<libexport::Snapshot> snapshot = store_->OpenSnapshot();
  if (!snapshot.ok()) {
    Reply(req, res, "export", tracker_id, 503,
          ErrorJson(503, "unavailable", "the store could not be read"), start);
    res.set_header("Retry-After", "1");
    return;
  }
  Timestamp now = ToTimestamp(options_.clock());
  if (!Admit(req, res, route, *snapshot, now, start)) return;

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

  libexport::Result<libexport::ExportValidator> validator =
      snapshot->ExportEtag(*query);
  if (!validator.ok()) {
    Reply(req, res, "export", tracker_id, 500,
          ErrorJson(500, "internal", "the store could not be read"), start);
    return;
  }
  res.set_header("ETag", validator->etag);
  res.set_header("X-Libexport-Cursor", validator->cursor);
  res.set_header("Cache-Control", "private, no-cache");
  res.set_header("Vary", "Accept, Accept-Encoding");
  if (NoneMatchHits(HeaderValues(req, "If-None-Match"), validator->etag)) {
    res.status = 304;  // no body, no record read
    if (HasBody(req)) res.set_header("Connection", "close");
    Finish(req, res.get_header_value("X-Request-Id"), "export", tracker_id, 304,
           0, start, false);
    return;
  }

  // Decided: 200. From here on, an error can only cut the stream.
  auto state = std::make_shared<StreamState>();
  state->impl = this;
  state->snapshot.emplace(std::move(snapshot).value());
  state->query = std::move(query).value();
  state->start = start;
  state->request_copy.method = req.method;
  state->request_copy.target = req.target;
  state->request_copy.remote_addr = req.remote_addr;
  state->request_copy.remote_port = req.remote_port;
  state->request_id = res.get_header_value("X-Request-Id");
  res.status = 200;
  // The bytes depend on Accept and Accept-Encoding (Vary, above).
  // cpp-httplib 0.11.4 never compresses these media types itself (it only
  // does for an exact "application/json", text/* and a few others), so the
  // coding is ours alone.
  if (representation.coding != libexport::ContentCoding::kIdentity) {
    res.set_header(
        "Content-Encoding",
        std::string(libexport::ContentCodingName(representation.coding)));
  }
  if (HasBody(req)) res.set_header("Connection", "close");
  active_streams_.fetch_add(1);
  // Chunked, framed by the stream sink itself (stream_sink.h says why).
  res.set_header("Transfer-Encoding", "chunked");
  res.set_content_provider(
      std::string(libexport::MediaTypeOf(representation.format)),
      [state](size_t, httplib::DataSink& sink) -> bool {
        // httplib calls providers outside its handler try-block: an
        // exception here would end the process. It cuts the stream instead.
        try {
          return StreamExport(*state, sink);
        } catch (...) {
          state->snapshot.reset();
          state->abort_reason = "internal";
          return false;
        }
      },
      [state](bool success) noexcept {
        try {
          FinishStream(*state, success);
        } catch (...) {
          // Nothing left to tell: the access log itself failed.
        }
      });
}

void ExportRoutes::Impl::HandleException(const httplib::Request& req,
                                         httplib::Response& res) {
  res.status = 500;
  std::string request_id = res.get_header_value("X-Request-Id");
  if (request_id.empty()) request_id = RequestIdOf(req);
  res.headers.clear();
  res.set_header("X-Request-Id", request_id);
  res.set_content(ErrorJson(500, "internal", "internal server error"),
                  std::string(kJson));
  Finish(req, request_id, "error", "", 500, res.body.size(),
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

int ExportRoutes::ExpectContinue(const httplib::Request& req,
                                 httplib::Response& res) {
  return impl_->ExpectContinue(req, res);
}

std::string ExportRoutes::Impl::MetricsText() const {
  return metrics_.Text(active_streams_.load()) + StoreMetricsText(*store_) +
         ProcessMetricsText();
}

std::string ExportRoutes::MetricsText() const { return impl_->MetricsText(); }

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
    server.set_expect_100_continue_handler(
        [impl](const httplib::Request& req, httplib::Response& res) {
          return impl->ExpectContinue(req, res);
        });
  }
  // Only export requests that carry a body reach this route (the
  // pre-routing handler answers the rest before httplib reads a body). The
  // pattern is bounded: libstdc++ regex recursion grows with the input.
  const auto with_body = [impl](const httplib::Request& req,
                                httplib::Response& res,
                                const httplib::ContentReader& reader) {
    impl->HandleWithBody(req, res, reader);
  };
  server.Post(
      R"(/v1/recommender/pin/[A-Za-z0-9_-]{1,64}/(scopes/export|scopes/changes|scope|scopes|scopes/_bulk|catalog/_bulk))",
      with_body);
  server.Put(
      R"(/v1/recommender/pin/[A-Za-z0-9_-]{1,64}/scope/[0-9A-Za-z-]{1,64})",
      with_body);
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
