// POST /v1/recommender/pin/{T}/scopes/changes?since=&limit=&wait=: the
// tracker's changes after a cursor (Store::Changes), answered at once or,
// with `wait`, as soon as something commits (a long poll that holds one
// worker, under a cap).
#include <charconv>
#include <thread>

#include "error_json.h"
#include "libexport/store.h"
#include "routes_impl.h"

namespace libexport::http {

using libexport::Status;

namespace {

constexpr int kMaxWaitSeconds = 60;

class StringSink : public libexport::ExportSink {
 public:
  bool Write(std::string_view chunk) override {
    body.append(chunk);
    return true;
  }
  std::string body;
};

struct ChangesParams {
  libexport::ChangesQuery query;
  int wait_seconds = 0;
};

Status BadParam(const std::string& name, const std::string& why) {
  return Status::InvalidArgument(name + " " + why, name);
}

// since, limit and wait, each at most once; other names are ignored, as the
// export ignores them.
Status ParseChangesParams(
    const std::vector<std::pair<std::string, std::string>>& params,
    ChangesParams* out) {
  bool seen[3] = {false, false, false};
  for (const auto& [name, value] : params) {
    const int which = name == "since"   ? 0
                      : name == "limit" ? 1
                      : name == "wait"  ? 2
                                        : -1;
    if (which < 0) continue;
    if (seen[which]) return BadParam(name, "may appear once");
    seen[which] = true;
    if (which == 0) {
      out->query.since = value;
      continue;
    }
    int n = -1;
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), n);
    const int max = which == 1 ? static_cast<int>(libexport::kMaxChangesLimit)
                               : kMaxWaitSeconds;
    const int min = which == 1 ? 1 : 0;
    if (ec != std::errc() || end != value.data() + value.size() || n < min ||
        n > max) {
      return BadParam(name, "must be a whole number from " +
                                std::to_string(min) + " to " +
                                std::to_string(max));
    }
    if (which == 1) {
      out->query.limit = static_cast<size_t>(n);
    } else {
      out->wait_seconds = n;
    }
  }
  return Status::Ok();
}

}  // namespace

void ExportRoutes::Impl::HandleChanges(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  if (!AdmitNow(req, res, route, ToTimestamp(options_.clock()), start)) {
    return;
  }
  ChangesParams params;
  params.query.tracker_id = tracker_id;
  Status parsed = ParseChangesParams(ParseQuery(QueryOf(req.target)), &params);
  if (!parsed.ok()) {
    Reply(req, res, route.name, tracker_id, 422,
          ErrorJson(422, "invalid_parameter", parsed.message(), parsed.field()),
          start);
    return;
  }

  StringSink sink;
  libexport::ChangesResult result;
  Status st = store_->Changes(params.query, sink, &result);
  if (st.ok() && result.changes == 0 && params.wait_seconds > 0) {
    // Nothing yet: hold the request, under the cap on waiting requests.
    if (waiting_changes_.fetch_add(1) >= options_.max_waiting_changes) {
      waiting_changes_.fetch_sub(1);
      res.set_header("Retry-After", "1");
      Reply(req, res, route.name, tracker_id, 503,
            ErrorJson(503, "too_many_waiting",
                      "too many changes requests are waiting; retry, or "
                      "poll without wait"),
            start);
      return;
    }
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::seconds(params.wait_seconds);
    // In steps of at most a second, so a shutdown ends the wait.
    while (st.ok() && !shutting_down_) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      auto step = std::min<std::chrono::steady_clock::duration>(
          deadline - now, std::chrono::seconds(1));
      st = store_->WaitForChanges(
          tracker_id,
          params.query.since.empty() ? result.cursor : params.query.since,
          std::chrono::duration_cast<std::chrono::milliseconds>(step) +
              std::chrono::milliseconds(1));
      if (!st.ok()) break;
      sink.body.clear();
      st = store_->Changes(params.query, sink, &result);
      if (!st.ok() || result.changes > 0) break;
    }
    waiting_changes_.fetch_sub(1);
  }
  if (!st.ok()) {
    switch (st.code()) {
      case Status::Code::kInvalidArgument:
        Reply(req, res, route.name, tracker_id, 422,
              ErrorJson(422, "invalid_parameter", st.message(), st.field()),
              start);
        return;
      case Status::Code::kGone:
        Reply(req, res, route.name, tracker_id, 410,
              ErrorJson(410, "cursor_expired", st.message(), st.field()),
              start);
        return;
      case Status::Code::kNotFound:
        Reply(req, res, route.name, tracker_id, 404,
              ErrorJson(404, "tracker_not_found",
                        "tracker '" + tracker_id + "' does not exist"),
              start);
        return;
      default:
        Reply(req, res, route.name, tracker_id, 500,
              ErrorJson(500, "internal", "the store could not be read"), start);
        return;
    }
  }
  res.set_header("X-Libexport-Cursor", result.cursor);
  Reply(req, res, route.name, tracker_id, 200, std::move(sink.body), start);
}

}  // namespace libexport::http
