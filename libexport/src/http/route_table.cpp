// Which route a request path is: the path as sent (no decoding), matched
// by string compares, never by a regex (libstdc++ regex recursion grows
// with the input).
#include <array>

#include "routes_impl.h"

namespace libexport::http {

namespace {

constexpr std::string_view kPrefix = "/v1/recommender/pin/";

struct Entry {
  std::string_view suffix;  // after "{T}/"
  std::string_view name;
  std::string_view allow;
  bool write;
  bool takes_body;
  ExportRoutesOptions::RouteGroups group;
};

using Groups = ExportRoutesOptions::RouteGroups;

constexpr std::array<Entry, 7> kFixed = {{
    {"scopes/export", "export", "POST", false, false, Groups::kExport},
    {"scopes/changes", "changes", "POST", false, false,
     Groups::kExportAndChanges},
    {"scope", "create", "POST", true, true, Groups::kAll},
    {"scopes", "list", "POST", false, true, Groups::kAll},
    {"summary", "summary", "GET", false, false, Groups::kAll},
    {"scopes/_bulk", "bulk", "POST", true, true, Groups::kAll},
    {"catalog/_bulk", "catalog_bulk", "POST", true, true, Groups::kAll},
}};

}  // namespace

ExportRoutes::Impl::Route ExportRoutes::Impl::MatchRoute(
    std::string_view path, std::string_view method) const {
  Route r;
  if (path.substr(0, kPrefix.size()) != kPrefix) return r;
  std::string_view rest = path.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return r;
  std::string_view tracker = rest.substr(0, slash);
  std::string_view tail = rest.substr(slash + 1);
  const auto served = [&](Groups g) {
    return static_cast<int>(g) <= static_cast<int>(options_.route_groups);
  };
  for (const Entry& e : kFixed) {
    if (tail != e.suffix || !served(e.group)) continue;
    r.matched = true;
    r.name = e.name;
    r.allow = e.allow;
    r.write = e.write;
    r.takes_body = e.takes_body;
    r.tracker_id = std::string(tracker);
    return r;
  }
  constexpr std::string_view kScope = "scope/";
  if (!served(Groups::kAll) || tail.substr(0, kScope.size()) != kScope)
    return r;
  std::string_view id = tail.substr(kScope.size());
  if (id.empty() || id.find('/') != std::string_view::npos) return r;
  r.matched = true;
  r.allow = "GET, PUT, DELETE";
  r.name = method == "GET"      ? "get"
           : method == "PUT"    ? "update"
           : method == "DELETE" ? "delete"
                                : "scope";
  r.write = method == "PUT" || method == "DELETE";
  r.takes_body = method == "PUT";
  r.tracker_id = std::string(tracker);
  r.id = std::string(id);
  return r;
}

bool MethodAllowed(std::string_view allow, std::string_view method) {
  size_t pos = 0;
  while (pos <= allow.size()) {
    size_t comma = allow.find(", ", pos);
    if (comma == std::string_view::npos) comma = allow.size();
    if (allow.substr(pos, comma - pos) == method) return true;
    pos = comma + 2;
  }
  return false;
}

size_t ExportRoutes::Impl::BodyCap(const Route& route) const {
  if (!route.takes_body) return options_.max_body_bytes;
  if (route.name == "bulk" || route.name == "catalog_bulk")
    return options_.max_bulk_body_bytes;
  return options_.max_record_body_bytes;
}

}  // namespace libexport::http
