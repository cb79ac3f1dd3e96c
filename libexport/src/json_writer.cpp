#include "json_writer.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace libexport::internal {

namespace {

// Escape sequence per byte: 0 = copy, 'u' = \u00xx, else the letter after
// the backslash.
constexpr auto kEscape = [] {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}();

template <typename Int>
void AppendInt(std::string* out, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

}  // namespace

bool NeedsJsonEscape(std::string_view s) {
  for (unsigned char c : s) {
    if (kEscape[c] != 0) return true;
  }
  return false;
}

void AppendJsonDouble(std::string* out, double value) {
  // to_chars writes -0.0 as "-0", which parses back as the integer 0: the
  // canonical form would not be a fixed point (export, import, export would
  // change bytes). "-0.0" parses back as the double -0.0.
  if (value == 0 && std::signbit(value)) {
    out->append("-0.0");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, r.ptr);
}

void AppendJsonValue(std::string* out, const simdjson::dom::element& value) {
  using simdjson::dom::element_type;
  // The element comes from a successful DOM parse, so each get() below
  // matches its type() and cannot fail.
  switch (value.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object obj;
      if (value.get(obj) != simdjson::SUCCESS) return;
      out->push_back('{');
      bool first = true;
      for (simdjson::dom::key_value_pair kv : obj) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(out, kv.key);
        out->push_back(':');
        AppendJsonValue(out, kv.value);
      }
      out->push_back('}');
      break;
    }
    case element_type::ARRAY: {
      simdjson::dom::array arr;
      if (value.get(arr) != simdjson::SUCCESS) return;
      out->push_back('[');
      bool first = true;
      for (simdjson::dom::element e : arr) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonValue(out, e);
      }
      out->push_back(']');
      break;
    }
    case element_type::STRING: {
      std::string_view s;
      if (value.get(s) != simdjson::SUCCESS) return;
      AppendJsonString(out, s);
      break;
    }
    case element_type::INT64: {
      int64_t v = 0;
      if (value.get(v) != simdjson::SUCCESS) return;
      AppendInt(out, v);
      break;
    }
    case element_type::UINT64: {
      uint64_t v = 0;
      if (value.get(v) != simdjson::SUCCESS) return;
      AppendInt(out, v);
      break;
    }
    case element_type::DOUBLE: {
      double v = 0;
      if (value.get(v) != simdjson::SUCCESS) return;
      AppendJsonDouble(out, v);
      break;
    }
    case element_type::BOOL: {
      bool v = false;
      if (value.get(v) != simdjson::SUCCESS) return;
      out->append(v ? "true" : "false");
      break;
    }
    case element_type::NULL_VALUE:
      out->append("null");
      break;
  }
}

}  // namespace libexport::internal

namespace libexport {

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const char e = internal::kEscape[c];
    if (e == 0) continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    out->push_back('\\');
    if (e == 'u') {
      const char u[5] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out->append(u, 5);
    } else {
      out->push_back(e);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

}  // namespace libexport
