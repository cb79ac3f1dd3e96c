#include "libexport/http/signed_client.h"

#include <string>

#include "libexport/http/hmac_auth.h"

namespace libexport::http {

std::string TrackerPath(std::string_view tracker_id, std::string_view rest) {
  return "/v1/recommender/pin/" + std::string(tracker_id) + "/" +
         std::string(rest);
}

std::string ExportPath(std::string_view tracker_id) {
  return TrackerPath(tracker_id, "scopes/export");
}

std::string ChangesPath(std::string_view tracker_id) {
  return TrackerPath(tracker_id, "scopes/changes");
}

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                      c == '.' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

SignedHeaders SignRequest(std::string_view tracker_id, std::string_view key,
                          std::string_view method, std::string_view path,
                          std::string_view content_type,
                          std::string_view date) {
  SignedHeaders h;
  h.content_type = std::string(content_type);
  h.date = std::string(date);
  std::string to_sign =
      libexport::http::StringToSign(method, content_type, date, path);
  h.authorization = "ApiAuth " + std::string(tracker_id) + ":" +
                    libexport::http::HmacSha256Base64(key, to_sign);
  return h;
}

}  // namespace libexport::http
