// Strict RFC 8259 reading that keeps every token as written: the opaque
// JSON of a customization (target_criteria, target_metadata, pin_criteria)
// is stored with exactly the tokens it was given, only insignificant
// whitespace removed. simdjson 3.0.1 cannot do this (its DOM re-encodes
// numbers and strings and rejects integers beyond 64 bits), so opaque values
// are validated and copied here, and the rest of a customization is parsed
// by simdjson with each opaque object replaced by `{}`.
#ifndef LIBEXPORT_SRC_RAW_JSON_H_
#define LIBEXPORT_SRC_RAW_JSON_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/status.h"

namespace libexport::internal {

// Nesting limit of one customization, counted from its root (simdjson's own
// limit is 1024; this keeps both readers in agreement and the stack bounded).
constexpr int kMaxJsonDepth = 1000;

class RawJsonReader {
 public:
  explicit RawJsonReader(std::string_view text) : text_(text) {}

  // Reads one JSON value at the current position (whitespace before it is
  // skipped). Appends it to `out` without insignificant whitespace, every
  // token byte for byte; `out` may be null (validate only). `depth` is the
  // nesting level of the value's container. False on anything RFC 8259 does
  // not call a value, invalid UTF-8 included; error() then says what.
  bool Value(std::string* out, int depth = 0);

  void SkipSpace();
  // The next byte after whitespace, or '\0' at the end.
  char Peek();
  // Consumes `c` (after whitespace) when it is next.
  bool Consume(char c);
  // Reads a string token: appends its raw bytes (quotes included) to `out`
  // when given, and its decoded text to `decoded` when given (object keys).
  bool String(std::string* out, std::string* decoded);
  bool AtEnd() const { return pos_ == text_.size(); }
  size_t pos() const { return pos_; }

  // "invalid JSON: why (at byte N)", for messages.
  std::string error() const;
  bool Fail(std::string_view why);

 private:
  bool Number(std::string* out);
  bool Literal(std::string_view word, std::string* out);
  bool Container(char open, std::string* out, int depth);

  std::string_view text_;
  size_t pos_ = 0;
  size_t error_at_ = 0;
  std::string error_;
};

// The opaque values of one customization, minified, by where they sit.
struct OpaqueValues {
  std::optional<std::string> target_criteria;
  std::optional<std::string> target_metadata;
  // Indexed by the pin's position in pin_definitions; empty when the pin has
  // no pin_criteria object.
  std::vector<std::optional<std::string>> pin_criteria;
};

// Validates `json` (one customization) as strict RFC 8259 and splits it:
// `rest` receives the document with every opaque *object* replaced by `{}`
// (for simdjson, which checks the fields), `opaque` the replaced objects as
// written. Errors: InvalidArgument "invalid JSON ..." whose field() names
// the opaque field when the error is inside one, else empty.
Status SplitOpaque(std::string_view json, std::string* rest,
                   OpaqueValues* opaque);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_RAW_JSON_H_
