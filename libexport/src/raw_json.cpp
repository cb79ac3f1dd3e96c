#include "raw_json.h"

#include <cstdint>

#include "utf8.h"

namespace libexport::internal {

namespace {

constexpr bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

std::string RawJsonReader::error() const {
  return "invalid JSON: " + error_ + " (at byte " + std::to_string(error_at_) +
         ")";
}

bool RawJsonReader::Fail(std::string_view why) {
  if (error_.empty()) {
    error_ = std::string(why);
    error_at_ = pos_;
  }
  return false;
}

void RawJsonReader::SkipSpace() {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
}

char RawJsonReader::Peek() {
  SkipSpace();
  return pos_ < text_.size() ? text_[pos_] : '\0';
}

bool RawJsonReader::Consume(char c) {
  if (Peek() != c || AtEnd()) return false;
  ++pos_;
  return true;
}

bool RawJsonReader::Value(std::string* out, int depth) {
  switch (Peek()) {
    case '{':
    case '[':
      return Container(text_[pos_], out, depth);
    case '"':
      return String(out, nullptr);
    case 't':
      return Literal("true", out);
    case 'f':
      return Literal("false", out);
    case 'n':
      return Literal("null", out);
    default:
      if (!AtEnd() && (text_[pos_] == '-' || IsDigit(text_[pos_]))) {
        return Number(out);
      }
      return Fail(AtEnd() ? "a value is missing (the text ends)"
                          : "expected a value");
  }
}

bool RawJsonReader::Literal(std::string_view word, std::string* out) {
  if (text_.substr(pos_, word.size()) != word) return Fail("expected a value");
  pos_ += word.size();
  if (out != nullptr) out->append(word);
  return true;
}

bool RawJsonReader::Number(std::string* out) {
  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, kept as written.
  const size_t begin = pos_;
  const size_t n = text_.size();
  auto digits = [&] {
    const size_t from = pos_;
    while (pos_ < n && IsDigit(text_[pos_])) ++pos_;
    return pos_ > from;
  };
  if (text_[pos_] == '-') ++pos_;
  if (pos_ < n && text_[pos_] == '0') {
    ++pos_;
  } else if (!digits()) {
    return Fail("a number needs a digit");
  }
  if (pos_ < n && text_[pos_] == '.') {
    ++pos_;
    if (!digits()) return Fail("a number needs a digit after '.'");
  }
  if (pos_ < n && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < n && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
    if (!digits()) return Fail("a number needs a digit in its exponent");
  }
  if (out != nullptr) out->append(text_.substr(begin, pos_ - begin));
  return true;
}

bool RawJsonReader::String(std::string* out, std::string* decoded) {
  if (Peek() != '"') return Fail("expected a string");
  const size_t begin = pos_++;
  const auto* p = reinterpret_cast<const unsigned char*>(text_.data());
  auto four_hex = [&](uint32_t* cp) {
    if (text_.size() - pos_ < 4) return false;
    *cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = HexValue(text_[pos_ + i]);
      if (h < 0) return false;
      *cp = *cp << 4 | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    return true;
  };
  while (true) {
    if (pos_ == text_.size()) return Fail("a string is not closed");
    const unsigned char c = p[pos_];
    if (c == '"') break;
    if (c < 0x20) return Fail("a control character must be escaped");
    if (c == '\\') {
      if (++pos_ == text_.size()) return Fail("a string is not closed");
      const char e = text_[pos_++];
      static constexpr std::string_view kSimple = "\"\\/bfnrt";
      static constexpr std::string_view kMeaning = "\"\\/\b\f\n\r\t";
      if (const size_t k = kSimple.find(e); k != std::string_view::npos) {
        if (decoded != nullptr) decoded->push_back(kMeaning[k]);
        continue;
      }
      uint32_t cp = 0;
      if (e != 'u' || !four_hex(&cp)) {
        --pos_;
        return Fail("invalid escape in a string");
      }
      // A surrogate pair decodes to one code point; a lone surrogate is
      // what RFC 8259 allows as text and is kept (decoded as U+FFFD).
      if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
        const size_t save = pos_;
        pos_ += 2;
        uint32_t low = 0;
        if (four_hex(&low) && low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else {
          pos_ = save;
        }
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
      if (decoded != nullptr) AppendUtf8(decoded, cp);
      continue;
    }
    if (c < 0x80) {
      if (decoded != nullptr) decoded->push_back(static_cast<char>(c));
      ++pos_;
      continue;
    }
    const size_t len = Utf8SequenceLength(text_, pos_);
    if (len == 0) return Fail("invalid UTF-8 in a string");
    if (decoded != nullptr) decoded->append(text_.substr(pos_, len));
    pos_ += len;
  }
  ++pos_;  // the closing quote
  if (out != nullptr) out->append(text_.substr(begin, pos_ - begin));
  return true;
}

bool RawJsonReader::Container(char open, std::string* out, int depth) {
  if (depth + 1 > kMaxJsonDepth) return Fail("too deep (over 1000 levels)");
  const char close = open == '{' ? '}' : ']';
  ++pos_;
  if (out != nullptr) out->push_back(open);
  if (Consume(close)) {
    if (out != nullptr) out->push_back(close);
    return true;
  }
  while (true) {
    if (open == '{') {
      if (Peek() != '"') return Fail("expected a member name (a string)");
      if (!String(out, nullptr)) return false;
      if (!Consume(':')) return Fail("expected ':' after a member name");
      if (out != nullptr) out->push_back(':');
    }
    if (!Value(out, depth + 1)) return false;
    if (Consume(close)) break;
    if (!Consume(',')) {
      return Fail(open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    if (out != nullptr) out->push_back(',');
  }
  if (out != nullptr) out->push_back(close);
  return true;
}

namespace {

// Walks the members of the object at the reader's position, copying the
// punctuation and names to `rest`; `member(name, field_depth)` reads each
// value.
template <typename Member>
bool Members(RawJsonReader* r, std::string* rest, Member member) {
  r->Consume('{');
  rest->push_back('{');
  if (r->Consume('}')) {
    rest->push_back('}');
    return true;
  }
  std::string name;
  while (true) {
    if (r->Peek() != '"') return r->Fail("expected a member name (a string)");
    name.clear();
    if (!r->String(rest, &name)) return false;
    if (!r->Consume(':')) return r->Fail("expected ':' after a member name");
    rest->push_back(':');
    if (!member(name)) return false;
    if (r->Consume('}')) break;
    if (!r->Consume(',')) return r->Fail("expected ',' or '}'");
    rest->push_back(',');
  }
  rest->push_back('}');
  return true;
}

}  // namespace

Status SplitOpaque(std::string_view json, std::string* rest,
                   OpaqueValues* opaque) {
  // A member name in an error is cut (names are the input's, any length).
  constexpr size_t kMaxFieldEcho = 64;
  rest->clear();
  opaque->target_criteria.reset();
  opaque->target_metadata.reset();
  opaque->pin_criteria.clear();
  RawJsonReader r(json);
  std::string field;  // where an error is, when inside a member

  // An opaque object goes to `slot` and leaves `{}` in `rest`; anything
  // else stays in `rest` for the field checks to judge.
  auto opaque_value = [&](std::optional<std::string>* slot, int depth) {
    if (r.Peek() != '{') return r.Value(rest, depth);
    slot->emplace();
    if (!r.Value(&**slot, depth)) return false;
    rest->append("{}");
    return true;
  };
  auto pins = [&]() {
    r.Consume('[');
    rest->push_back('[');
    if (r.Consume(']')) {
      rest->push_back(']');
      return true;
    }
    for (size_t i = 0;; ++i) {
      const std::string at = "pin_definitions[" + std::to_string(i) + "]";
      field = at;
      bool ok;
      if (r.Peek() == '{') {
        ok = Members(&r, rest, [&](const std::string& name) {
          field = at + "." + name.substr(0, kMaxFieldEcho);
          if (name != "pin_criteria") return r.Value(rest, 3);
          if (opaque->pin_criteria.size() <= i) {
            opaque->pin_criteria.resize(i + 1);
          }
          return opaque_value(&opaque->pin_criteria[i], 3);
        });
      } else {
        ok = r.Value(rest, 2);
      }
      if (!ok) return false;
      field = "pin_definitions";
      if (r.Consume(']')) break;
      if (!r.Consume(',')) return r.Fail("expected ',' or ']'");
      rest->push_back(',');
    }
    rest->push_back(']');
    return true;
  };

  bool ok;
  if (r.Peek() == '{') {
    ok = Members(&r, rest, [&](const std::string& name) {
      field = name.substr(0, kMaxFieldEcho);
      bool member_ok;
      if (name == "target_criteria") {
        member_ok = opaque_value(&opaque->target_criteria, 1);
      } else if (name == "target_metadata") {
        member_ok = opaque_value(&opaque->target_metadata, 1);
      } else if (name == "pin_definitions" && r.Peek() == '[') {
        member_ok = pins();
      } else {
        member_ok = r.Value(rest, 1);
      }
      if (member_ok) field.clear();
      return member_ok;
    });
  } else {
    ok = r.Value(rest, 0);
  }
  if (ok) {
    field.clear();
    r.SkipSpace();
    if (!r.AtEnd()) ok = r.Fail("unexpected text after the value");
  }
  if (!ok) return Status::InvalidArgument(r.error(), field);
  return Status::Ok();
}

}  // namespace libexport::internal
