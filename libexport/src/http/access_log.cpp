// The access log line (libexport/http/export_routes.h, AccessLogEntry).
#include <cstdio>
#include <string>
#include <string_view>

#include "libexport/http/export_routes.h"

namespace libexport::http {

namespace {

// Request bytes in the log: control characters, spaces, non-ASCII and '\\'
// as \xHH, so a request target cannot move the terminal's cursor, fake a
// log line or split a field.
void AppendLogField(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '\\') {
      out->append("\\x");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
}

}  // namespace

std::string FormatAccessLogLine(const AccessLogEntry& e) {
  char duration[32];
  std::snprintf(duration, sizeof(duration), "%.3f", e.duration_ms);
  std::string line;
  AppendLogField(&line, e.method);
  line.append(" ");
  AppendLogField(&line, e.path);
  line.append(" tracker=").append(e.tracker_id.empty() ? "-" : e.tracker_id);
  line.append(" status=").append(std::to_string(e.status));
  line.append(" bytes=").append(std::to_string(e.bytes));
  line.append(" duration_ms=").append(duration);
  if (e.aborted) {
    std::string reason = e.abort_reason.empty() ? "unknown" : e.abort_reason;
    for (char& c : reason) {
      if (c == ' ' || c == '\n' || c == '\r') c = '_';
    }
    line.append(" aborted=").append(reason);
  }
  return line;
}

}  // namespace libexport::http
