// The access log line, as text or JSON (libexport/http/export_routes.h,
// AccessLogEntry).
#include <charconv>
#include <string>
#include <string_view>

#include "libexport/http/export_routes.h"
#include "libexport/json_string.h"
#include "libexport/time.h"

namespace libexport::http {

namespace {

// Request bytes in the log: control characters, spaces, non-ASCII and '\\'
// as \xHH, so a request target cannot move the terminal's cursor, fake a
// log line or split a field. Clean runs are appended whole.
void AppendLogField(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  size_t clean = 0;  // start of the run not yet appended
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c >= 0x7f || c == '\\') {
      out->append(s.data() + clean, i - clean);
      const char escaped[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      out->append(escaped, sizeof escaped);
      clean = i + 1;
    }
  }
  out->append(s.data() + clean, s.size() - clean);
}

std::string LogField(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendLogField(&out, s);
  return out;
}

// "%.3f" (to_chars with a precision is printf's form, without its
// format parsing on every request).
void AppendMilliseconds(std::string* out, double ms) {
  char buf[64];
  auto r =
      std::to_chars(buf, buf + sizeof buf, ms, std::chars_format::fixed, 3);
  out->append(buf, r.ec == std::errc() ? static_cast<size_t>(r.ptr - buf) : 0);
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
  std::string line;
  line.reserve(160 + e.path.size());
  AppendRfc3339(&line, e.time, 3);
  line.append(" ");
  if (e.remote_addr.empty()) {
    line.append("-");
  } else {
    AppendLogField(&line, e.remote_addr);
    line.append(":").append(std::to_string(e.remote_port));
  }
  line.append(" ");
  AppendLogField(&line, e.method);
  line.append(" ");
  AppendLogField(&line, e.path);
  line.append(" tracker=");
  AppendLogField(&line, e.tracker_id.empty() ? "-" : e.tracker_id);
  line.append(" status=").append(std::to_string(e.status));
  line.append(" bytes=").append(std::to_string(e.bytes));
  line.append(" duration_ms=");
  AppendMilliseconds(&line, e.duration_ms);
  line.append(" request_id=");
  AppendLogField(&line, e.request_id.empty() ? "-" : e.request_id);
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
  line.append(",\"duration_ms\":");
  AppendMilliseconds(&line, e.duration_ms);
  if (e.aborted) {
    line.append(",\"abort_reason\":");
    AppendJsonString(&line, AbortReason(e));
  }
  line.append("}");
  return line;
}

}  // namespace libexport::http
