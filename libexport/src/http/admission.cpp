// Admission: the steps every tracker route takes before it does anything
// (Admit; AdmitNow opens the snapshot first): shutting down, method,
// tracker id, the HMAC checks against the tracker's keys, read-only.
#include "error_json.h"
#include "libexport/http/hmac_auth.h"
#include "libexport/store.h"
#include "libexport/time.h"
#include "request_parts.h"
#include "routes_impl.h"

namespace libexport::http {

using libexport::Status;
using libexport::Timestamp;

bool ExportRoutes::Impl::Admit(const httplib::Request& req,
                               httplib::Response& res, const Route& route,
                               const libexport::Snapshot& snapshot,
                               Timestamp now,
                               std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  if (shutting_down_) {
    res.set_header("Connection", "close");
    Reply(req, res, route.name, tracker_id, 503,
          ErrorJson(503, "shutting_down", "the server is shutting down"),
          start);
    return false;
  }
  if (!MethodAllowed(route.allow, req.method)) {
    res.set_header("Allow", std::string(route.allow));
    Reply(req, res, route.name, tracker_id, 405,
          ErrorJson(405, "method_not_allowed",
                    route.allow == "POST"
                        ? "the " + std::string(route.name) +
                              " route accepts POST only"
                        : std::string(PathOf(req.target)) + " accepts " +
                              std::string(route.allow)),
          start);
    return false;
  }
  if (!libexport::IsValidTrackerId(tracker_id)) {
    Reply(req, res, route.name, tracker_id, 404,
          ErrorJson(404, "tracker_not_found", "no such tracker"), start);
    return false;
  }
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
        snapshot.SigningKeys(tracker_id, now);
    if (!keys.ok()) {
      if (keys.status().code() == Status::Code::kNotFound) {
        Reply(req, res, route.name, tracker_id, 404,
              ErrorJson(404, "tracker_not_found",
                        "tracker '" + tracker_id + "' does not exist"),
              start);
      } else {
        Reply(req, res, route.name, tracker_id, 500,
              ErrorJson(500, "internal", "the store could not be read"), start);
      }
      return false;
    }
    auth = libexport::http::VerifySignature(input, std::move(auth), *keys);
  }
  if (!auth.ok()) {
    Reply(req, res, route.name, tracker_id, 401,
          UnauthorizedJson(auth, libexport::FormatHttpDate(now), skew), start);
    return false;
  }
  if (route.write && options_.read_only) {
    Reply(req, res, route.name, tracker_id, 403,
          ErrorJson(403, "read_only",
                    "this server is read-only: it serves no write route"),
          start);
    return false;
  }
  return true;
}

bool ExportRoutes::Impl::AdmitNow(const httplib::Request& req,
                                  httplib::Response& res, const Route& route,
                                  Timestamp now,
                                  std::chrono::steady_clock::time_point start) {
  libexport::Result<libexport::Snapshot> snapshot = store_->OpenSnapshot();
  if (!snapshot.ok()) {
    res.set_header("Retry-After", "1");
    Reply(req, res, route.name, route.tracker_id, 503,
          ErrorJson(503, "unavailable", "the store could not be read"), start);
    return false;
  }
  return Admit(req, res, route, *snapshot, now, start);
}

}  // namespace libexport::http
