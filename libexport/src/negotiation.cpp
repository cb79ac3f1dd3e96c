// Accept / Accept-Encoding negotiation (libexport/negotiation.h).
#include "libexport/negotiation.h"

#include <cctype>
#include <string>

namespace libexport {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// A weight, RFC 9110 12.4.2: "0" / "1" with up to three decimals, as
// thousandths. -1 when malformed.
int ParseWeight(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int w = (v[0] - '0') * 1000;
  if (v.size() == 1) return w;
  if (v[1] != '.' || v.size() > 5) return -1;
  int scale = 100;
  for (size_t i = 2; i < v.size(); ++i, scale /= 10) {
    if (v[i] < '0' || v[i] > '9') return -1;
    w += (v[i] - '0') * scale;
  }
  return w <= 1000 ? w : -1;
}

// One list element: its value (lower case, parameters removed) and weight.
struct Element {
  std::string value;
  int weight = 1000;
};

// Splits header values into elements; malformed weights drop the element.
std::vector<Element> Elements(const std::vector<std::string_view>& values) {
  std::vector<Element> out;
  for (std::string_view header : values) {
    while (!header.empty()) {
      size_t comma = header.find(',');
      std::string_view item = header.substr(0, comma);
      header = comma == std::string_view::npos ? std::string_view()
                                               : header.substr(comma + 1);
      size_t semi = item.find(';');
      Element e;
      e.value = Lower(Trim(item.substr(0, semi)));
      if (e.value.empty()) continue;
      bool ok = true;
      while (semi != std::string_view::npos) {
        item = item.substr(semi + 1);
        semi = item.find(';');
        std::string_view param = Trim(item.substr(0, semi));
        size_t eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        if (Lower(Trim(param.substr(0, eq))) == "q") {
          e.weight = ParseWeight(Trim(param.substr(eq + 1)));
          ok = e.weight >= 0;
        }
      }
      if (ok) out.push_back(std::move(e));
    }
  }
  return out;
}

// How well a media range names `type`/`subtype`: 3 exact, 2 type/*,
// 1 */*, 0 not at all.
int Specificity(std::string_view range, std::string_view type,
                std::string_view subtype) {
  size_t slash = range.find('/');
  if (slash == std::string_view::npos) return 0;
  std::string_view t = Trim(range.substr(0, slash));
  std::string_view s = Trim(range.substr(slash + 1));
  if (t == "*" && s == "*") return 1;
  if (t != type) return 0;
  if (s == "*") return 2;
  return s == subtype ? 3 : 0;
}

struct Match {
  int weight = 0;
  int specificity = 0;
};

Match BestMatch(const std::vector<Element>& ranges, std::string_view type,
                std::string_view subtype) {
  Match m;
  for (const Element& e : ranges) {
    int s = Specificity(e.value, type, subtype);
    if (s > m.specificity) m = Match{e.weight, s};
  }
  return m;
}

}  // namespace

std::optional<ExportFormat> NegotiateFormat(
    const std::vector<std::string_view>& accept) {
  std::vector<Element> ranges = Elements(accept);
  bool any = false;
  for (std::string_view v : accept) any = any || !Trim(v).empty();
  if (!any) return ExportFormat::kJson;
  const Match json = BestMatch(ranges, "application", "json");
  const Match ndjson = BestMatch(ranges, "application", "x-ndjson");
  if (json.weight == 0 && ndjson.weight == 0) return std::nullopt;
  if (ndjson.weight > json.weight ||
      (ndjson.weight == json.weight && ndjson.specificity > json.specificity)) {
    return ExportFormat::kNdjson;
  }
  return ExportFormat::kJson;
}

ContentCoding NegotiateCoding(
    const std::vector<std::string_view>& accept_encoding) {
  constexpr int kUnlisted = -1;
  int star = kUnlisted, gzip = kUnlisted, zstd = kUnlisted,
      identity = kUnlisted;
  for (const Element& e : Elements(accept_encoding)) {
    int* slot = e.value == "*"                             ? &star
                : e.value == "gzip" || e.value == "x-gzip" ? &gzip
                : e.value == "zstd"                        ? &zstd
                : e.value == "identity"                    ? &identity
                                                           : nullptr;
    // A coding listed twice keeps its highest weight.
    if (slot != nullptr && e.weight > *slot) *slot = e.weight;
  }
  auto weight = [&](int own) { return own != kUnlisted ? own : star; };
  // Unlisted identity: acceptable, below any coding listed (thousandths, so
  // 0.001 is the lowest listed weight; this is half of it).
  const int w_zstd = weight(zstd) * 2, w_gzip = weight(gzip) * 2;
  const int w_identity = identity != kUnlisted ? identity * 2
                         : star != kUnlisted   ? star * 2
                                               : 1;
  if (w_zstd > 0 && w_zstd >= w_gzip && w_zstd >= w_identity) {
    return ContentCoding::kZstd;
  }
  if (w_gzip > 0 && w_gzip >= w_identity) return ContentCoding::kGzip;
  return ContentCoding::kIdentity;
}

std::string MediaTypeOfContentType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

}  // namespace libexport
