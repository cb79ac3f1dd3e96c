#include "request_head.h"

#include <algorithm>
#include <cctype>

namespace libexport::app {
namespace {

bool IsTchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list `value` holds `token` (any case).
bool ListHas(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (EqualsIgnoreCase(TrimOws(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

RequestHead Reject(int status, std::string code, std::string message) {
  RequestHead h;
  h.status = status;
  h.code = std::move(code);
  h.message = std::move(message);
  return h;
}

// The target in origin form, or "" when it is neither origin nor absolute
// form (the asterisk form passes as is).
std::string NormalizeTarget(std::string_view target) {
  if (target == "*") return std::string(target);
  if (target.empty()) return {};
  if (target.front() != '/') {
    size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return {};
    std::string_view scheme = target.substr(0, scheme_end);
    if (!EqualsIgnoreCase(scheme, "http") && !EqualsIgnoreCase(scheme, "https"))
      return {};
    std::string_view rest = target.substr(scheme_end + 3);
    size_t path_at = rest.find_first_of("/?");
    if (path_at == 0) return {};  // no authority
    target = path_at == std::string_view::npos ? std::string_view()
                                               : rest.substr(path_at);
  }
  std::string out;
  out.reserve(target.size() + 8);
  if (target.empty() || target.front() == '?') out.push_back('/');
  bool in_query = false;
  for (char c : target) {
    if (c == '?' && in_query) {
      out.append("%3F");
      continue;
    }
    if (c == '?') in_query = true;
    out.push_back(c);
  }
  return out;
}

}  // namespace

size_t FindHeadEnd(std::string_view data, size_t from) {
  for (size_t i = from; i < data.size(); ++i) {
    if (data[i] != '\n') continue;
    if (i == 0 || data[i - 1] != '\r') return kBareLineFeed;
    if (i >= 3 && data[i - 2] == '\n' && data[i - 3] == '\r') return i + 1;
  }
  return kIncomplete;
}

RequestHead ParseRequestHead(std::string_view head,
                             const RequestHeadLimits& limits) {
  if (head.size() > limits.max_head_bytes) {
    return Reject(431, "header_too_large",
                  "the request head exceeds " +
                      std::to_string(limits.max_head_bytes) + " bytes");
  }
  size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) {
    return Reject(400, "bad_request", "the request line has no CRLF");
  }
  std::string_view line = head.substr(0, line_end);
  if (line.size() > limits.max_request_line) {
    return Reject(414, "uri_too_long",
                  "the request line exceeds " +
                      std::to_string(limits.max_request_line) + " bytes");
  }
  // method SP request-target SP HTTP-version (single spaces).
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Reject(400, "bad_request",
                  "the request line is not `METHOD TARGET HTTP/1.1`");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char c) {
        return IsTchar(static_cast<unsigned char>(c));
      })) {
    return Reject(400, "bad_request", "the request method is not a token");
  }
  for (char ch : target) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) {
      return Reject(400, "bad_request",
                    "the request target contains a control character");
    }
  }
  RequestHead h;
  if (version == "HTTP/1.1") {
    h.http10 = false;
  } else if (version == "HTTP/1.0") {
    h.http10 = true;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
             std::isdigit(static_cast<unsigned char>(version[5])) &&
             version[6] == '.' &&
             std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Reject(505, "http_version_not_supported",
                  "only HTTP/1.1 and HTTP/1.0 are served");
  } else {
    return Reject(400, "bad_request", "the HTTP version is malformed");
  }
  std::string origin = NormalizeTarget(target);
  if (origin.empty()) {
    return Reject(400, "bad_request",
                  "the request target is neither a path nor an absolute URI");
  }

  size_t headers = 0, content_lengths = 0, transfer_encodings = 0, hosts = 0;
  std::string_view transfer_encoding;
  bool connection_close = false;
  std::string_view rest = head.substr(line_end + 2);
  while (true) {
    size_t end = rest.find("\r\n");
    std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (field.empty()) break;  // the blank line
    if (++headers > limits.max_header_count) {
      return Reject(431, "header_too_large",
                    "more than " + std::to_string(limits.max_header_count) +
                        " header fields");
    }
    if (field.front() == ' ' || field.front() == '\t') {
      return Reject(400, "bad_request",
                    "obsolete line folding in the header fields");
    }
    size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Reject(400, "bad_request", "a header line has no field name");
    }
    std::string_view name = field.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), [](char c) {
          return IsTchar(static_cast<unsigned char>(c));
        })) {
      return Reject(400, "bad_request",
                    "a header field name is not a token (no space before "
                    "the colon)");
    }
    std::string_view value = TrimOws(field.substr(colon + 1));
    for (char ch : value) {
      unsigned char c = static_cast<unsigned char>(ch);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return Reject(
            400, "bad_request",
            "header " + std::string(name) + ": contains a control character");
      }
    }
    if (EqualsIgnoreCase(name, "Content-Length")) {
      if (++content_lengths > 1) {
        return Reject(400, "bad_request", "duplicate Content-Length header");
      }
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(),
                       [](char c) { return c >= '0' && c <= '9'; })) {
        return Reject(400, "bad_request",
                      "Content-Length: not a decimal number");
      }
      uint64_t n = 0;
      for (char c : value) n = n * 10 + static_cast<uint64_t>(c - '0');
      h.content_length = n;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      transfer_encoding = value;
    } else if (EqualsIgnoreCase(name, "Host")) {
      ++hosts;
    } else if (EqualsIgnoreCase(name, "Connection")) {
      if (ListHas(value, "close")) connection_close = true;
    }
  }
  if (!h.http10 && hosts != 1) {
    return Reject(400, "bad_request",
                  hosts == 0 ? "Host: missing (HTTP/1.1 requires it)"
                             : "duplicate Host header");
  }
  if (transfer_encodings > 0) {
    if (content_lengths > 0) {
      return Reject(400, "bad_request",
                    "Content-Length together with Transfer-Encoding");
    }
    if (h.http10) {
      return Reject(400, "bad_request",
                    "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (transfer_encodings > 1 ||
        !EqualsIgnoreCase(transfer_encoding, "chunked")) {
      return Reject(501, "not_implemented",
                    "Transfer-Encoding: only `chunked` is supported");
    }
    h.framing = BodyFraming::kChunked;
  } else if (content_lengths > 0) {
    h.framing = BodyFraming::kLength;
  }
  h.client_close = connection_close || h.http10;

  h.normalized.reserve(head.size() + 16);
  h.normalized.append(method).append(" ").append(origin).append(" ");
  h.normalized.append(version);
  h.normalized.append(head.substr(line_end));
  return h;
}

}  // namespace libexport::app
