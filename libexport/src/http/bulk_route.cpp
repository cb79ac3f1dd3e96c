// The bulk routes: many records in one request, all or nothing.
//
//   POST /v1/recommender/pin/{T}/scopes/_bulk?conflict_strategy=
//        raise|ignore|override|replace
//     NDJSON, one customization per line, or, with Content-Type
//     application/json, an export document {"results":[...]} (a restore:
//     `exportctl restore` sends a backup as it is); Store::Import, one
//     transaction.
//     200 {} | 400 a record that is not JSON | 409 every conflicting id
//     (raise) | 413 more records than the cap | 422 every bad record, with
//     its line (NDJSON) or index (document) and field.
//   POST /v1/recommender/pin/{T}/catalog/_bulk?op=add|remove
//     One identity per line (ParseCatalogLines). 200 {"changed":N}.
//
// The body was read under the route's byte cap (a gzip body decoded first)
// by HandleWithBody: in memory, or spooled to a file and mapped.
#include "error_json.h"
#include "libexport/negotiation.h"
#include "libexport/store.h"
#include "routes_impl.h"

namespace libexport::http {

using libexport::Status;

namespace {

// The one value of parameter `name` (nullopt when absent); a repeat is
// InvalidArgument.
Status SingleParam(
    const std::vector<std::pair<std::string, std::string>>& params,
    std::string_view name, std::optional<std::string>* out) {
  for (const auto& [n, v] : params) {
    if (n != name) continue;
    if (*out) {
      return Status::InvalidArgument(std::string(name) + " may appear once",
                                     std::string(name));
    }
    *out = v;
  }
  return Status::Ok();
}

// ,"line":12 for an NDJSON line (1-based), ,"record":3 for an element of
// an export document's results (0-based); nothing for another location
// (the document as a whole).
void AppendLocation(std::string* out, std::string_view location) {
  for (auto [head, member] : {std::pair{"line ", ",\"line\":"},
                              std::pair{"results[", ",\"record\":"}}) {
    const std::string_view h = head;
    if (location.substr(0, h.size()) != h) continue;
    size_t n = 0;
    for (char c : location.substr(h.size())) {
      if (c == ']') break;
      if (c < '0' || c > '9') return;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    out->append(member);
    out->append(std::to_string(n));
    return;
  }
}

// ,"errors":[{"line":N,"field":"...","message":"..."}...],"error_count":N
std::string ErrorList(const libexport::ImportReport& report) {
  std::string out = ",\"errors\":[";
  bool first = true;
  for (const libexport::RecordError& e : report.errors) {
    if (!first) out.push_back(',');
    first = false;
    std::string members;
    AppendLocation(&members, e.location);
    if (!e.field.empty()) members += ",\"field\":" + JsonQuote(e.field);
    members += ",\"message\":" + JsonQuote(e.message);
    out += "{" + members.substr(1) + "}";
  }
  out += "],\"error_count\":" + std::to_string(report.error_count);
  return out;
}

// The id a conflict error names ("customization <id> already exists ...").
std::string ConflictId(const libexport::RecordError& e) {
  constexpr std::string_view kHead = "customization ";
  if (e.message.rfind(kHead, 0) != 0) return {};
  return e.message.substr(kHead.size(), 36);
}

}  // namespace

void ExportRoutes::Impl::HandleBulk(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    std::string_view body, libexport::Timestamp now,
    std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  std::optional<std::string> strategy;
  Status st = SingleParam(ParseQuery(QueryOf(req.target)), "conflict_strategy",
                          &strategy);
  libexport::ImportOptions options;
  // application/json: an export document (a backup), else NDJSON.
  options.format =
      libexport::MediaTypeOfContentType(req.get_header_value("Content-Type")) ==
              "application/json"
          ? libexport::ImportFormat::kJson
          : libexport::ImportFormat::kNdjson;
  options.now = now;
  options.actor = ActorOf(req, route);
  if (st.ok() && strategy) {
    if (*strategy == "raise") {
      options.on_conflict = libexport::OnConflict::kRaise;
    } else if (*strategy == "ignore") {
      options.on_conflict = libexport::OnConflict::kIgnore;
    } else if (*strategy == "override") {
      options.on_conflict = libexport::OnConflict::kOverride;
    } else if (*strategy == "replace") {
      options.replace = true;
    } else {
      st = Status::InvalidArgument(
          "conflict_strategy must be raise, ignore, override or replace, "
          "got '" +
              ValidUtf8(*strategy) + "'",
          "conflict_strategy");
    }
  }
  if (!st.ok()) {
    Reply(req, res, route.name, tracker_id, 422,
          ErrorJson(422, "invalid_parameter", st.message(), st.field()), start);
    return;
  }
  options.max_records = options_.max_bulk_records;
  // Every conflicting id and every bad record fit in the report.
  options.max_reported_errors = options_.max_bulk_records > 0
                                    ? options_.max_bulk_records
                                    : libexport::kMaxReportedErrors;
  libexport::ImportReport report;
  st = store_->Import(tracker_id, body, options, &report);
  if (!st.ok() && options_.max_bulk_records > 0 &&
      report.records > options_.max_bulk_records) {
    Reply(req, res, route.name, tracker_id, 413,
          ErrorJson(413, "too_many_records",
                    "the body has " + std::to_string(report.records) +
                        " records; at most " +
                        std::to_string(options_.max_bulk_records) +
                        " are accepted in one request; nothing was imported"),
          start);
    return;
  }
  if (st.ok()) {
    Reply(req, res, route.name, tracker_id, 200, "{}", start);
    return;
  }
  if (st.code() == Status::Code::kAlreadyExists) {
    std::string ids = ",\"ids\":[";
    bool first = true;
    for (const libexport::RecordError& e : report.errors) {
      const std::string id = ConflictId(e);
      if (id.empty()) continue;
      if (!first) ids.push_back(',');
      first = false;
      ids += JsonQuote(id);
    }
    ids += "]";
    Reply(req, res, route.name, tracker_id, 409,
          ErrorJsonWith(409, "conflict", st.message(), ids), start);
    return;
  }
  if (st.code() == Status::Code::kInvalidArgument && !report.errors.empty()) {
    const libexport::RecordError& e = report.errors.front();
    // A line that is not JSON at all is a 400, one that breaks the format
    // a 422; both name the line (and the field).
    const bool syntax = e.message.rfind("invalid JSON", 0) == 0;
    const int status = syntax ? 400 : 422;
    std::string message = e.location;
    if (!e.field.empty()) message += ": " + e.field;
    message += ": " + e.message;
    if (report.error_count > 1) {
      message += " (and " + std::to_string(report.error_count - 1) +
                 " more bad record(s))";
    }
    message += "; nothing was imported";
    std::string members;
    AppendLocation(&members, e.location);
    if (!e.field.empty()) members += ",\"field\":" + JsonQuote(e.field);
    members += ErrorList(report);
    Reply(req, res, route.name, tracker_id, status,
          ErrorJsonWith(status, syntax ? "invalid_json" : "invalid_record",
                        message, members),
          start);
    return;
  }
  ReplyStoreError(req, res, route, st, start);
}

void ExportRoutes::Impl::HandleCatalogBulk(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    std::string_view body, std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  std::optional<std::string> op;
  Status st = SingleParam(ParseQuery(QueryOf(req.target)), "op", &op);
  if (st.ok() && (!op || (*op != "add" && *op != "remove"))) {
    st = Status::InvalidArgument("op must be add or remove", "op");
  }
  if (!st.ok()) {
    Reply(req, res, route.name, tracker_id, 422,
          ErrorJson(422, "invalid_parameter", st.message(), st.field()), start);
    return;
  }
  std::vector<std::string> identities;
  st = libexport::ParseCatalogLines(body, &identities);
  if (!st.ok()) {
    std::string members;
    AppendLocation(&members, st.field());
    Reply(req, res, route.name, tracker_id, 422,
          ErrorJsonWith(422, "invalid_record",
                        st.message() + "; nothing changed", members),
          start);
    return;
  }
  if (options_.max_bulk_records > 0 &&
      identities.size() > options_.max_bulk_records) {
    Reply(req, res, route.name, tracker_id, 413,
          ErrorJson(413, "too_many_records",
                    "the body has " + std::to_string(identities.size()) +
                        " identities; at most " +
                        std::to_string(options_.max_bulk_records) +
                        " are accepted in one request; nothing changed"),
          start);
    return;
  }
  uint64_t changed = 0;
  st = *op == "add" ? store_->AddCatalogItems(tracker_id, identities, &changed,
                                              ActorOf(req, route))
                    : store_->RemoveCatalogItems(tracker_id, identities,
                                                 &changed, ActorOf(req, route));
  if (!st.ok()) return ReplyStoreError(req, res, route, st, start);
  Reply(req, res, route.name, tracker_id, 200,
        "{\"changed\":" + std::to_string(changed) + "}", start);
}

}  // namespace libexport::http
