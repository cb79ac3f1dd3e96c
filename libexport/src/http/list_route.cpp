// POST /v1/recommender/pin/{T}/scopes?limit=&offset=&sort=&model=&tag=
// &target_type=&target_identity=: one page of the tracker's customizations
// that match the filters (the export's filters, repeated as arrays), with
// the total count. Read by one unpruned NDJSON export of the same snapshot;
// ordered by id (the export's own order, streamed: memory is one page) or
// by the sort keys, then id (memory: offset + limit records).
#include <algorithm>
#include <charconv>
#include <queue>

#include "error_json.h"
#include "libexport/query.h"
#include "libexport/store.h"
#include "routes_impl.h"

namespace libexport::http {

using libexport::Status;

namespace {

constexpr size_t kDefaultLimit = 50;
constexpr size_t kMaxLimit = 1000;

enum class SortField { kId, kModel, kCreatedAt, kUpdatedAt };
struct SortKey {
  SortField field;
  bool descending;
};

struct ListParams {
  size_t limit = kDefaultLimit;
  size_t offset = 0;
  std::vector<SortKey> sort;
  std::vector<std::pair<std::string, std::string>> filters;
};

Status BadParam(const std::string& name, const std::string& why) {
  return Status::InvalidArgument(name + " " + why, name);
}

Status ParseCount(const std::string& name, const std::string& value, size_t max,
                  size_t* out) {
  size_t n = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() ||
      end != value.data() + value.size() || n > max) {
    return BadParam(name,
                    "must be a whole number from 0 to " + std::to_string(max));
  }
  *out = n;
  return Status::Ok();
}

Status ParseSort(const std::string& value, SortKey* out) {
  std::string_view v = value;
  const size_t colon = v.find(':');
  std::string_view field = v.substr(0, colon);
  std::string_view dir = colon == std::string_view::npos
                             ? std::string_view("asc")
                             : v.substr(colon + 1);
  if (dir != "asc" && dir != "desc") {
    return BadParam(
        "sort", "direction must be asc or desc, got '" + ValidUtf8(dir) + "'");
  }
  out->descending = dir == "desc";
  if (field == "id") {
    out->field = SortField::kId;
  } else if (field == "model") {
    out->field = SortField::kModel;
  } else if (field == "created_at") {
    out->field = SortField::kCreatedAt;
  } else if (field == "updated_at") {
    out->field = SortField::kUpdatedAt;
  } else {
    return BadParam("sort",
                    "must be created_at, updated_at, id or model, each "
                    "optionally :asc or :desc; got '" +
                        ValidUtf8(value) + "'");
  }
  return Status::Ok();
}

Status ParseListParams(
    const std::vector<std::pair<std::string, std::string>>& params,
    ListParams* out) {
  bool seen_limit = false, seen_offset = false;
  for (const auto& [name, value] : params) {
    if (name == "limit" || name == "offset") {
      bool& seen = name == "limit" ? seen_limit : seen_offset;
      if (seen) return BadParam(name, "may appear once");
      seen = true;
      LIBEXPORT_RETURN_IF_ERROR(
          ParseCount(name, value, name == "limit" ? kMaxLimit : size_t{1} << 40,
                     name == "limit" ? &out->limit : &out->offset));
    } else if (name == "sort") {
      SortKey key;
      LIBEXPORT_RETURN_IF_ERROR(ParseSort(value, &key));
      out->sort.push_back(key);
    } else if (name == "model" || name == "tag" || name == "target_type" ||
               name == "target_identity") {
      out->filters.emplace_back(name, value);
    }
  }
  return Status::Ok();
}

// One exported customization (an NDJSON line, without its newline) and
// what it sorts by. The line is canonical: {"id":"<36>","model":"...",...,
// "created_at":"...","updated_at":"...","available":..}.
struct Item {
  std::string line;
  std::string_view id() const { return std::string_view(line).substr(7, 36); }
  // The model as JSON text (escapes kept): bytewise order of that text.
  std::string_view model() const {
    std::string_view l = line;
    const size_t begin = 7 + 36 + std::string_view("\",\"model\":\"").size();
    size_t i = begin;
    while (i < l.size() && l[i] != '"') i += l[i] == '\\' ? 2 : 1;
    return l.substr(begin, std::min(i, l.size()) - begin);
  }
  libexport::Timestamp Time(std::string_view member) const {
    std::string_view l = line;
    const size_t at = l.rfind(member);
    if (at == std::string_view::npos) return {};
    const size_t begin = at + member.size();
    const size_t end = l.find('"', begin);
    libexport::Result<libexport::Rfc3339> t =
        libexport::ParseRfc3339(l.substr(begin, end - begin));
    return t.ok() ? t->time : libexport::Timestamp{};
  }
};

// Strict weak order of the sort keys, then id ascending.
struct ItemLess {
  const std::vector<SortKey>* keys;
  bool operator()(const Item& a, const Item& b) const {
    for (const SortKey& k : *keys) {
      int c = 0;
      switch (k.field) {
        case SortField::kId:
          c = a.id().compare(b.id());
          break;
        case SortField::kModel:
          c = a.model().compare(b.model());
          break;
        case SortField::kCreatedAt:
        case SortField::kUpdatedAt: {
          const std::string_view m = k.field == SortField::kCreatedAt
                                         ? ",\"created_at\":\""
                                         : ",\"updated_at\":\"";
          const libexport::Timestamp x = a.Time(m), y = b.Time(m);
          c = x < y ? -1 : y < x ? 1 : 0;
          break;
        }
      }
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    return a.id() < b.id();
  }
};

// Splits the export's NDJSON into lines and keeps the page.
class PageSink : public libexport::ExportSink {
 public:
  explicit PageSink(const ListParams& params)
      : params_(params), heap_(ItemLess{&params.sort}) {
    by_id_ =
        params.sort.empty() || (params.sort.front().field == SortField::kId &&
                                !params.sort.front().descending);
  }
  bool Write(std::string_view chunk) override {
    size_t pos = 0;
    while (pos < chunk.size()) {
      const size_t nl = chunk.find('\n', pos);
      if (nl == std::string_view::npos) {
        partial_.append(chunk.substr(pos));
        break;
      }
      partial_.append(chunk.substr(pos, nl - pos));
      Take(std::move(partial_));
      partial_.clear();
      pos = nl + 1;
    }
    return true;
  }
  size_t total() const { return total_; }
  // The page, in order.
  std::vector<Item> Page() {
    if (by_id_) return std::move(page_);
    std::vector<Item> all;
    while (!heap_.empty()) {
      all.push_back(std::move(const_cast<Item&>(heap_.top())));
      heap_.pop();
    }
    std::reverse(all.begin(), all.end());
    if (params_.offset >= all.size()) return {};
    return std::vector<Item>(
        std::make_move_iterator(all.begin() + params_.offset),
        std::make_move_iterator(all.end()));
  }

 private:
  void Take(std::string line) {
    if (line.size() < 7 + 36) return;
    const size_t index = total_++;
    if (by_id_) {  // the export's own order
      if (index >= params_.offset && page_.size() < params_.limit)
        page_.push_back(Item{std::move(line)});
      return;
    }
    const size_t keep = params_.offset + params_.limit;
    if (keep == 0) return;
    heap_.push(Item{std::move(line)});
    if (heap_.size() > keep) heap_.pop();  // the last in order goes
  }
  const ListParams& params_;
  std::priority_queue<Item, std::vector<Item>, ItemLess> heap_;
  bool by_id_ = true;
  std::vector<Item> page_;
  std::string partial_;
  size_t total_ = 0;
};

}  // namespace

void ExportRoutes::Impl::HandleList(
    const httplib::Request& req, httplib::Response& res, const Route& route,
    libexport::Timestamp now, std::chrono::steady_clock::time_point start) {
  const std::string& tracker_id = route.tracker_id;
  ListParams params;
  Status st = ParseListParams(ParseQuery(QueryOf(req.target)), &params);
  libexport::Result<libexport::ExportQuery> query =
      st.ok()
          ? libexport::ParseExportQuery(tracker_id, params.filters, now,
                                        {libexport::ExportFormat::kNdjson,
                                         libexport::ContentCoding::kIdentity})
          : libexport::Result<libexport::ExportQuery>(st);
  if (!query.ok()) {
    const Status& bad = query.status();
    Reply(req, res, route.name, tracker_id, 422,
          ErrorJson(422, "invalid_parameter", bad.message(), bad.field()),
          start);
    return;
  }
  PageSink sink(params);
  st = store_->Export(*query, sink);
  if (!st.ok()) return ReplyStoreError(req, res, route, st, start);
  std::vector<Item> page = sink.Page();
  std::string out =
      "{\"pagination\":{\"total\":" + std::to_string(sink.total()) +
      ",\"limit\":" + std::to_string(params.limit) +
      ",\"offset\":" + std::to_string(params.offset) + "},\"results\":[";
  for (size_t i = 0; i < page.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += page[i].line;
  }
  out += "]}";
  Reply(req, res, route.name, tracker_id, 200, std::move(out), start);
}

}  // namespace libexport::http
