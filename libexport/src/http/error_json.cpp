#include "error_json.h"

#include <cstdio>

#include "../utf8.h"
#include "libexport/json_string.h"

namespace libexport::http {

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t len = internal::Utf8SequenceLength(s, i);
    const bool ok = len > 0;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD for one invalid byte
      ++i;
    }
  }
  return out;
}

std::string JsonQuote(std::string_view s) {
  std::string out;
  libexport::AppendJsonString(&out, ValidUtf8(s));
  return out;
}

namespace {

std::string ErrorHead(int status, std::string_view code,
                      std::string_view message) {
  std::string out = "{\"error\":{\"status\":" + std::to_string(status);
  out += ",\"code\":" + JsonQuote(code);
  out += ",\"message\":" + JsonQuote(message);
  return out;
}

}  // namespace

std::string ErrorJson(int status, std::string_view code,
                      std::string_view message, std::string_view parameter) {
  std::string out = ErrorHead(status, code, message);
  if (!parameter.empty()) out += ",\"parameter\":" + JsonQuote(parameter);
  out += "}}";
  return out;
}

std::string ErrorJsonWith(int status, std::string_view code,
                          std::string_view message, std::string_view members) {
  std::string out = ErrorHead(status, code, message);
  out += members;
  out += "}}";
  return out;
}

std::string UnauthorizedJson(const libexport::http::AuthResult& auth,
                             std::string_view server_time, int64_t max_skew) {
  std::string out = ErrorHead(401, "unauthorized", auth.message);
  out += ",\"diagnostics\":{\"check\":" +
         JsonQuote(libexport::http::AuthCheckName(auth.check));
  if (!auth.string_to_sign.empty()) {
    out += ",\"string_to_sign\":" + JsonQuote(auth.string_to_sign);
  }
  if (!auth.tracker_id.empty()) {
    out += ",\"header_tracker_id\":" + JsonQuote(auth.tracker_id);
  }
  out += ",\"server_time\":" + JsonQuote(server_time);
  out += ",\"max_clock_skew_seconds\":" + std::to_string(max_skew);
  out +=
      ",\"expected_authorization\":"
      "\"<client> <tracker_id>:Base64(HMAC-SHA256(private_key, "
      "string_to_sign))\"";
  out += "}}}";
  return out;
}

}  // namespace libexport::http
