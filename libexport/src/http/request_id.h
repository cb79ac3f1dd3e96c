// The request id of the access log and the X-Request-Id response header: the
// client's own X-Request-Id when it is sane, else one made here.
//
// Thread safety: both functions may be called concurrently.
#ifndef LIBEXPORT_SRC_HTTP_REQUEST_ID_H_
#define LIBEXPORT_SRC_HTTP_REQUEST_ID_H_

#include <httplib.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace libexport::http {

// The longest X-Request-Id taken from a request.
inline constexpr size_t kMaxRequestIdBytes = 128;

// 1 to kMaxRequestIdBytes bytes, each a visible ASCII character (0x21 to
// 0x7e): nothing a log reader could mistake for a field separator, a new
// line or a terminal escape.
bool IsSaneRequestId(std::string_view id);

// The request's X-Request-Id when there is exactly one and it is sane, else
// a new id: 16 hex digits chosen at random once per process, '-', and 12 hex
// digits of a per-process counter (unique within a process, and across
// restarts with overwhelming probability).
std::string RequestIdOf(const httplib::Request& req);

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_REQUEST_ID_H_
