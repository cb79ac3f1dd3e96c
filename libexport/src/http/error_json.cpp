#include "error_json.h"

#include <cstdio>

#include "libexport/json_string.h"

namespace libexport::http {

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // Length and range of the second byte of a well-formed sequence
    // (Unicode 15, table 3-7): no overlongs, surrogates or > U+10FFFF.
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    }
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
