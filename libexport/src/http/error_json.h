// The JSON error bodies of docs/http_api.md:
//   {"error":{"status":N,"code":"...","message":"...", ...}}
#ifndef LIBEXPORT_SRC_HTTP_ERROR_JSON_H_
#define LIBEXPORT_SRC_HTTP_ERROR_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "libexport/http/hmac_auth.h"

namespace libexport::http {

// `s` with each byte that is not part of a well-formed UTF-8 sequence
// replaced by U+FFFD: error bodies echo request bytes and must stay JSON.
std::string ValidUtf8(std::string_view s);

// `s` as a JSON string literal, quotes included (control bytes escaped,
// invalid UTF-8 replaced as ValidUtf8 does).
std::string JsonQuote(std::string_view s);

// An error body; `parameter` (the offending query parameter) is added when
// non-empty.
std::string ErrorJson(int status, std::string_view code,
                      std::string_view message,
                      std::string_view parameter = {});

// The same with `members` (raw JSON, each starting with ',') added to the
// error object: `,"field":"model"`, `,"ids":[...]`.
std::string ErrorJsonWith(int status, std::string_view code,
                          std::string_view message, std::string_view members);

// The 401 body with `diagnostics`: the failed check, the string the server
// signed, the server's clock and the allowed skew. Never a key or a
// signature (neither the expected nor the received one).
std::string UnauthorizedJson(const libexport::http::AuthResult& auth,
                             std::string_view server_time, int64_t max_skew);

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_ERROR_JSON_H_
