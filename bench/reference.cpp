#include "reference.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <unordered_set>

#include "simdjson.h"

namespace libexport::bench {
namespace {

namespace dom = simdjson::dom;

void AppendString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

void Serialize(dom::element e, std::string& out) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      out += '{';
      bool first = true;
      for (dom::key_value_pair kv : dom::object(e)) {
        if (!first) out += ',';
        first = false;
        AppendString(out, kv.key);
        out += ':';
        Serialize(kv.value, out);
      }
      out += '}';
      break;
    }
    case dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      for (dom::element v : dom::array(e)) {
        if (!first) out += ',';
        first = false;
        Serialize(v, out);
      }
      out += ']';
      break;
    }
    case dom::element_type::STRING:
      AppendString(out, std::string_view(e));
      break;
    case dom::element_type::INT64:
      out += std::to_string(int64_t(e));
      break;
    case dom::element_type::UINT64:
      out += std::to_string(uint64_t(e));
      break;
    case dom::element_type::DOUBLE: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof(buf), double(e));
      out.append(buf, r.ptr);
      break;
    }
    case dom::element_type::BOOL:
      out += bool(e) ? "true" : "false";
      break;
    case dom::element_type::NULL_VALUE:
      out += "null";
      break;
  }
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// UTC `YYYY-MM-DDTHH:MM:SS[.f]Z`, the only form the demo data uses.
bool ParseUtcMicros(std::string_view s, int64_t* out) {
  auto num = [&](size_t pos, size_t len, int* v) {
    if (pos + len > s.size()) return false;
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, *v);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  int y, mo, d, h, mi, se;
  if (!num(0, 4, &y) || !num(5, 2, &mo) || !num(8, 2, &d) || !num(11, 2, &h) ||
      !num(14, 2, &mi) || !num(17, 2, &se)) {
    return false;
  }
  int64_t micros = 0;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      micros += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i + 1 != s.size() || s[i] != 'Z') return false;
  int64_t days =
      DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  *out = ((days * 24 + h) * 60 + mi) * 60 * 1'000'000 +
         int64_t{se} * 1'000'000 + micros;
  return true;
}

}  // namespace

bool Reference::Build(std::string_view ndjson,
                      const std::vector<std::string>& catalog,
                      std::string* error) {
  std::unordered_set<std::string_view> items(catalog.begin(), catalog.end());
  dom::parser parser;
  size_t line_no = 0;
  records_.clear();
  while (!ndjson.empty()) {
    size_t nl = ndjson.find('\n');
    std::string_view line = ndjson.substr(0, nl);
    ndjson = nl == std::string_view::npos ? std::string_view()
                                          : ndjson.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    dom::element doc;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
      *error = "reference: line " + std::to_string(line_no) + " is not JSON";
      return false;
    }
    Record r;
    r.head = "{";
    bool after_pins = false;
    std::string* text = &r.head;
    bool first = true;
    for (dom::key_value_pair kv : dom::object(doc)) {
      if (!first) *text += ',';
      first = false;
      AppendString(*text, kv.key);
      *text += ':';
      if (kv.key == "pin_definitions") {
        for (dom::element pin : dom::array(kv.value)) {
          Pin p;
          Serialize(pin, p.normalized);
          dom::object po(pin);
          std::string_view s;
          p.is_item = po["pin_type"].get(s) == simdjson::SUCCESS && s == "item";
          if (p.is_item && po["pin_identity"].get(s) == simdjson::SUCCESS) {
            p.in_catalog = items.count(s) != 0;
          }
          if (po["active_from"].get(s) == simdjson::SUCCESS &&
              !ParseUtcMicros(s, &p.from_us)) {
            *error = "reference: bad time on line " + std::to_string(line_no);
            return false;
          }
          if (po["active_to"].get(s) == simdjson::SUCCESS &&
              !ParseUtcMicros(s, &p.to_us)) {
            *error = "reference: bad time on line " + std::to_string(line_no);
            return false;
          }
          r.pins.push_back(std::move(p));
        }
        after_pins = true;
        text = &r.tail;
        continue;
      }
      Serialize(kv.value, *text);
      if (kv.key == "id") r.id = std::string_view(kv.value);
      if (kv.key == "model") r.model = std::string_view(kv.value);
      if (kv.key == "target_type") r.target_type = std::string_view(kv.value);
      if (kv.key == "target_identity") {
        r.target_identity = std::string_view(kv.value);
      }
      if (kv.key == "tags") {
        for (dom::element t : dom::array(kv.value)) {
          r.tags.emplace_back(std::string_view(t));
        }
      }
    }
    if (!after_pins || r.id.empty()) {
      *error = "reference: line " + std::to_string(line_no) +
               " lacks id or pin_definitions";
      return false;
    }
    records_.push_back(std::move(r));
  }
  std::sort(records_.begin(), records_.end(),
            [](const Record& a, const Record& b) { return a.id < b.id; });
  return true;
}

std::vector<std::string> Reference::Expected(const Filters& f, const Pruning& p,
                                             Timestamp now) const {
  const int64_t now_us = now.seconds * 1'000'000 + now.nanos / 1000;
  std::vector<std::string> out;
  for (const Record& r : records_) {
    auto in = [](const auto& values, const auto& v) {
      return std::find(values.begin(), values.end(), v) != values.end();
    };
    if (!f.models.empty() && !in(f.models, r.model)) continue;
    if (!f.tags.empty() &&
        std::none_of(r.tags.begin(), r.tags.end(),
                     [&](const std::string& t) { return in(f.tags, t); })) {
      continue;
    }
    if (!f.target_types.empty() &&
        std::none_of(
            f.target_types.begin(), f.target_types.end(),
            [&](TargetType t) { return r.target_type == TargetTypeName(t); })) {
      continue;
    }
    if (!f.target_identities.empty() &&
        (r.target_type != "item" ||
         !in(f.target_identities, r.target_identity))) {
      continue;
    }
    std::string s = r.head;
    s += '[';
    bool available = false, first = true;
    for (const Pin& pin : r.pins) {
      if (p.expired && pin.to_us <= now_us) continue;
      if (p.catalog && pin.is_item && !pin.in_catalog) continue;
      if (pin.from_us <= now_us && now_us < pin.to_us) available = true;
      if (!first) s += ',';
      first = false;
      s += pin.normalized;
    }
    s += ']';
    s += r.tail;
    s += available ? ",\"available\":true}" : ",\"available\":false}";
    out.push_back(std::move(s));
  }
  return out;
}

bool NormalizeExport(std::string_view document,
                     std::vector<std::string>* records, std::string* error) {
  records->clear();
  dom::parser parser;
  dom::element doc;
  simdjson::padded_string padded(document);
  if (auto e = parser.parse(padded).get(doc); e != simdjson::SUCCESS) {
    *error = std::string("export is not JSON: ") + simdjson::error_message(e);
    return false;
  }
  dom::array results;
  if (doc["results"].get(results) != simdjson::SUCCESS) {
    *error = "export has no results array";
    return false;
  }
  for (dom::element r : results) {
    std::string s;
    Serialize(r, s);
    records->push_back(std::move(s));
  }
  return true;
}

std::string Compare(const std::vector<std::string>& expected,
                    const std::vector<std::string>& actual) {
  size_t n = std::min(expected.size(), actual.size());
  for (size_t i = 0; i < n; ++i) {
    if (expected[i] == actual[i]) continue;
    size_t at = std::mismatch(expected[i].begin(), expected[i].end(),
                              actual[i].begin(), actual[i].end())
                    .first -
                expected[i].begin();
    size_t from = at > 60 ? at - 60 : 0;
    return "result " + std::to_string(i) + " differs at byte " +
           std::to_string(at) + ": expected ..." +
           expected[i].substr(from, 120) + " got ..." +
           actual[i].substr(from, 120);
  }
  if (expected.size() != actual.size()) {
    return "expected " + std::to_string(expected.size()) + " results, got " +
           std::to_string(actual.size());
  }
  return "";
}

std::string CheckExport(std::string_view document,
                        const std::vector<std::string>& expected) {
  std::vector<std::string> actual;
  std::string error;
  if (!NormalizeExport(document, &actual, &error)) return error;
  return Compare(expected, actual);
}

}  // namespace libexport::bench
