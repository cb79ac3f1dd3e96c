// What the routes read from a request; see request_parts.h.
#include "request_parts.h"

#include <memory>

namespace libexport::http {

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string_view QueryOf(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view()
                                     : target.substr(q + 1);
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// Form-style decoding, as httplib does for req.params: '+' is a space,
// a malformed %XX is kept literally.
std::string DecodeQueryComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The query in order (ParseExportQuery reports repeats and the first bad
// parameter; req.params is a multimap that loses the order).
std::vector<std::pair<std::string, std::string>> ParseQuery(
    std::string_view q) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(DecodeQueryComponent(part), std::string());
    } else {
      params.emplace_back(DecodeQueryComponent(part.substr(0, eq)),
                          DecodeQueryComponent(part.substr(eq + 1)));
    }
  }
  return params;
}

std::vector<std::string_view> HeaderValues(const httplib::Request& req,
                                           const char* name) {
  std::vector<std::string_view> values;
  auto range = req.headers.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) {
    values.emplace_back(it->second);
  }
  return values;
}

// A body the pre-routing handler would leave unread on the connection.
bool HasBody(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  if (!req.has_header("Content-Length")) return false;
  return req.get_header_value("Content-Length") != "0";
}

// httplib 0.11.4 applies Range to every set_content body (many overlapping
// ranges multiply it); a chunked body is never ranged. So a request that
// carries a Range header gets its (small) answer chunked.
void SetBody(const httplib::Request& req, httplib::Response& res,
             std::string body, std::string_view type) {
  if (req.ranges.empty() && !req.has_header("Range")) {
    res.set_content(std::move(body), std::string(type));
    return;
  }
  auto shared = std::make_shared<std::string>(std::move(body));
  res.set_chunked_content_provider(
      std::string(type), [shared](size_t, httplib::DataSink& sink) {
        bool ok = sink.write(shared->data(), shared->size());
        if (ok) sink.done();
        return ok;
      });
}

}  // namespace libexport::http
