// The client side of a signed export request: the export path, the query
// encoding and the three HMAC headers (docs/http_api.md). Used by
// `exportctl request` and by hosts that call an exportd.
#ifndef LIBEXPORT_HTTP_SIGNED_CLIENT_H_
#define LIBEXPORT_HTTP_SIGNED_CLIENT_H_

#include <string>
#include <string_view>

namespace libexport::http {

// "/v1/recommender/pin/<tracker>/scopes/export"
std::string ExportPath(std::string_view tracker_id);
// "/v1/recommender/pin/<tracker>/scopes/changes"
std::string ChangesPath(std::string_view tracker_id);
// "/v1/recommender/pin/<tracker>/<rest>": rest "scope", "scope/<id>",
// "scopes", "summary", "scopes/_bulk", "catalog/_bulk" (the write routes).
std::string TrackerPath(std::string_view tracker_id, std::string_view rest);

// RFC 3986 unreserved characters kept, every other byte %XX.
std::string PercentEncode(std::string_view s);

// The three headers of a signed request.
struct SignedHeaders {
  std::string content_type;
  std::string date;
  std::string authorization;  // "ApiAuth <tracker>:<signature>"
};

// Signs `method` + `path` (without the query) at `date` (an HTTP date).
SignedHeaders SignRequest(std::string_view tracker_id, std::string_view key,
                          std::string_view method, std::string_view path,
                          std::string_view content_type, std::string_view date);

}  // namespace libexport::http

#endif  // LIBEXPORT_HTTP_SIGNED_CLIENT_H_
