// What the HTTP routes read from an httplib::Request (the path and query of
// the target as sent, repeated header values, whether a body is coming) and
// how they set a small body safely under httplib 0.11.4.
#ifndef LIBEXPORT_SRC_HTTP_REQUEST_PARTS_H_
#define LIBEXPORT_SRC_HTTP_REQUEST_PARTS_H_

#include <httplib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace libexport::http {

// The target up to '?' / after it (empty when none).
std::string_view PathOf(std::string_view target);
std::string_view QueryOf(std::string_view target);

// Form-style decoding, as httplib does for req.params: '+' is a space, a
// malformed %XX is kept literally.
std::string DecodeQueryComponent(std::string_view s);

// The query in order (ParseExportQuery reports repeats and the first bad
// parameter; req.params is a multimap that loses the order).
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view q);

// Every value of header `name`, in the order received. The views live as
// long as `req`.
std::vector<std::string_view> HeaderValues(const httplib::Request& req,
                                           const char* name);

// A body the pre-routing handler would leave unread on the connection.
bool HasBody(const httplib::Request& req);

// httplib 0.11.4 applies Range to every set_content body (many overlapping
// ranges multiply it); a chunked body is never ranged. So a request that
// carries a Range header gets its (small) answer chunked.
void SetBody(const httplib::Request& req, httplib::Response& res,
             std::string body, std::string_view type);

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_REQUEST_PARTS_H_
