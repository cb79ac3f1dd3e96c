// The access log line, as text or JSON (libexport/http/export_routes.h,
// AccessLogEntry).
#include <cstdio>
#include <string>
#include <string_view>

#include "libexport/http/export_routes.h"
#include "libexport/json_string.h"
#include "libexport/time.h"

namespace libexport::http {

namespace {

// Request bytes in the log: control characters, spaces, non-ASCII and '\\'
// as \xHH, so a request target cannot move the terminal's cursor, fake a
// log line or split a field.
std::string LogField(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '\\') {
      out.append("\\x");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string Milliseconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", ms);
  return buf;
}

// One word: spaces and line breaks of a store error become '_'.
std::string AbortReason(const AccessLogEntry& e) {
  std::string reason = e.abort_reason.empty() ? "unknown" : e.abort_reason;
  for (char& c : reason) {
    if (c == ' ' || c == '\n' || c == '\r') c = '_';
  }
  return reason;
}

// A request's bytes as a JSON string, escaped as in the text line first;
// null when empty.
void AppendJsonField(std::string* out, std::string_view s) {
  if (s.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, LogField(s));
  }
}

}  // namespace

std::string FormatAccessLogLine(const AccessLogEntry& e) {
  std::string line = FormatRfc3339(e.time, 3);
  line.append(" ");
  if (e.remote_addr.empty()) {
    line.append("-");
  } else {
    line.append(LogField(e.remote_addr))
        .append(":")
        .append(std::to_string(e.remote_port));
  }
  line.append(" ").append(LogField(e.method));
  line.append(" ").append(LogField(e.path));
  line.append(" tracker=")
      .append(e.tracker_id.empty() ? "-" : LogField(e.tracker_id));
  line.append(" status=").append(std::to_string(e.status));
  line.append(" bytes=").append(std::to_string(e.bytes));
  line.append(" duration_ms=").append(Milliseconds(e.duration_ms));
  line.append(" request_id=")
      .append(e.request_id.empty() ? "-" : LogField(e.request_id));
  if (e.aborted) line.append(" aborted=").append(AbortReason(e));
  return line;
}

std::string FormatAccessLogJson(const AccessLogEntry& e) {
  std::string line = "{\"time\":";
  AppendJsonString(&line, FormatRfc3339(e.time, 3));
  line.append(",\"remote_addr\":");
  AppendJsonField(&line, e.remote_addr);
  line.append(",\"remote_port\":").append(std::to_string(e.remote_port));
  line.append(",\"request_id\":");
  AppendJsonField(&line, e.request_id);
  line.append(",\"method\":");
  AppendJsonField(&line, e.method);
  line.append(",\"path\":");
  AppendJsonField(&line, e.path);
  line.append(",\"tracker\":");
  AppendJsonField(&line, e.tracker_id);
  line.append(",\"status\":").append(std::to_string(e.status));
  line.append(",\"bytes\":").append(std::to_string(e.bytes));
  line.append(",\"duration_ms\":").append(Milliseconds(e.duration_ms));
  if (e.aborted) {
    line.append(",\"abort_reason\":");
    AppendJsonString(&line, AbortReason(e));
  }
  line.append("}");
  return line;
}

}  // namespace libexport::http
