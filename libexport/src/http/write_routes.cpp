// The write side's single-record routes and the summary, over the Store's
// Put / Get / Update / Delete / Summary:
//
//   POST   /v1/recommender/pin/{T}/scope        create -> 201 + the object
//   GET    /v1/recommender/pin/{T}/scope/{ID}   get    -> 200 + the object
//   PUT    /v1/recommender/pin/{T}/scope/{ID}   update -> 204
//   DELETE /v1/recommender/pin/{T}/scope/{ID}   delete -> 204
//   GET    /v1/recommender/pin/{T}/summary      summary -> 200
//
// Each is admitted as the export is (Admit: method, tracker, HMAC, then
// read-only), from one snapshot opened for the check; the write itself is
// the Store's own transaction.
#include "error_json.h"
#include "libexport/json_string.h"
#include "libexport/store.h"
#include "routes_impl.h"

namespace libexport::http {

using libexport::Status;

void ExportRoutes::Impl::ReplyStoreError(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    const Status& st, std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
      Reply(req, res, route.name, tracker_id, 422,
            ErrorJsonWith(422, "invalid_record",
                          st.field().empty() ? st.message()
                                             : st.field() + ": " + st.message(),
                          st.field().empty()
                              ? std::string()
                              : ",\"field\":" + JsonQuote(st.field())),
            start);
      return;
    case Status::Code::kNotFound: {
      const bool tracker = st.message().rfind("tracker", 0) == 0;
      Reply(req, res, route.name, tracker_id, 404,
            tracker ? ErrorJson(404, "tracker_not_found",
                                "tracker '" + tracker_id + "' does not exist")
                    : ErrorJson(404, "customization_not_found",
                                "no customization " + route.id +
                                    " in tracker '" + tracker_id + "'"),
            start);
      return;
    }
    case Status::Code::kAlreadyExists:
      Reply(req, res, route.name, tracker_id, 409,
            ErrorJson(409, "conflict", st.message()), start);
      return;
    case Status::Code::kResourceExhausted:
      Reply(req, res, route.name, tracker_id, 507,
            ErrorJson(507, "store_full", st.message()), start);
      return;
    default:
      Reply(req, res, route.name, tracker_id, 500,
            ErrorJson(500, "internal", "the store failed: " + st.ToString()),
            start);
      return;
  }
}

namespace {

void AppendSummary(const libexport::CustomizationSummary& s, std::string* out) {
  *out += "{\"scope_counts\":{";
  bool first = true;
  for (const auto& [model, count] : s.scope_counts) {
    if (!first) out->push_back(',');
    first = false;
    libexport::AppendJsonString(out, model);
    *out += ':' + std::to_string(count);
  }
  *out += "},\"user_tags\":[";
  first = true;
  for (const std::string& tag : s.user_tags) {
    if (!first) out->push_back(',');
    first = false;
    libexport::AppendJsonString(out, tag);
  }
  *out += "]}";
}

}  // namespace

void ExportRoutes::Impl::HandleWrite(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    std::string_view body, std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  const libexport::Timestamp now = ToTimestamp(options_.clock());
  if (!AdmitNow(req, res, route, now, start)) return;
  if (route.name == "list") {
    HandleList(req, res, route, now, start);
    return;
  }
  if (route.name == "bulk") {
    HandleBulk(req, res, route, body, now, start);
    return;
  }
  if (route.name == "catalog_bulk") {
    HandleCatalogBulk(req, res, route, body, start);
    return;
  }
  if (route.name == "summary") {
    libexport::CustomizationSummary summary;
    Status st = store_->Summary(tracker_id, &summary);
    if (!st.ok()) return ReplyStoreError(req, res, route, st, start);
    std::string out;
    AppendSummary(summary, &out);
    Reply(req, res, route.name, tracker_id, 200, std::move(out), start);
    return;
  }
  if (route.name == "get") {
    libexport::Result<std::string> json =
        store_->Get(tracker_id, route.id, now);
    if (!json.ok()) {
      // An id that is not a UUID names no customization.
      const Status& st = json.status();
      return ReplyStoreError(req, res, route,
                             st.code() == Status::Code::kInvalidArgument
                                 ? Status::NotFound("customization not found")
                                 : st,
                             start);
    }
    Reply(req, res, route.name, tracker_id, 200, std::move(json).value(),
          start);
    return;
  }
  if (route.name == "delete" || route.name == "update") {
    Status st = route.name == "delete"
                    ? store_->Delete(tracker_id, route.id, ActorOf(req, route))
                    : store_->Update(tracker_id, route.id, body, now,
                                     ActorOf(req, route));
    if (st.code() == Status::Code::kInvalidArgument && st.field() == "id" &&
        st.message() == "not a UUID") {
      st = Status::NotFound("customization not found");
    }
    if (!st.ok()) return ReplyStoreError(req, res, route, st, start);
    Reply(req, res, route.name, tracker_id, 204, std::string(), start);
    return;
  }
  // create
  libexport::Result<std::string> id =
      store_->Put(tracker_id, body, libexport::Store::PutMode::kCreate, now,
                  ActorOf(req, route));
  if (!id.ok()) return ReplyStoreError(req, res, route, id.status(), start);
  libexport::Result<std::string> json = store_->Get(tracker_id, *id, now);
  if (!json.ok()) return ReplyStoreError(req, res, route, json.status(), start);
  res.set_header("Location", std::string(PathOf(req.target)) + "/" + *id);
  Reply(req, res, route.name, tracker_id, 201, std::move(json).value(), start);
}

}  // namespace libexport::http
