// The signed client behind `exportctl request`: builds the HMAC headers of
// CONTRACT.md section 4, sends the export POST and prints the body, or
// prints the equivalent shell (date, printf, openssl, curl) with
// --print-curl.
#ifndef LIBEXPORT_APP_SIGNED_CLIENT_H_
#define LIBEXPORT_APP_SIGNED_CLIENT_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

// `args` are the words after `request`:
//   TRACKER --url URL --key KEY [--model M] [--tag T] [--target-type X]
//   [--target-identity I] [--remove-expired-pins]
//   [--remove-nonexisting-item-pins] [--print-curl] [--insecure]
//   [--ca-cert FILE]
// The response body goes to `out` for a 2xx, to `err` otherwise. Returns 0
// for a 2xx, 1 for any other status, 2 for bad usage, 3 when the request
// could not be sent.
int RunRequestCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);

namespace libexport_http {

// "/v1/recommender/pin/<tracker>/scopes/export"
std::string ExportPath(std::string_view tracker_id);

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

}  // namespace libexport_http

#endif  // LIBEXPORT_APP_SIGNED_CLIENT_H_
