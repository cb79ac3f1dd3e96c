// Canonical JSON output (docs/store_format.md, "Canonical JSON"): string
// escaping and compact re-serialization of opaque values. Internal.
#ifndef LIBEXPORT_SRC_JSON_WRITER_H_
#define LIBEXPORT_SRC_JSON_WRITER_H_

#include <string>
#include <string_view>

#include "libexport/json_string.h"

namespace simdjson::dom {
class element;
}

namespace libexport::internal {

// True when `s` contains a byte the canonical form escapes: '"', '\\' or a
// control character (< 0x20). Such strings cannot be referenced inside the
// JSON text by a string ref.
bool NeedsJsonEscape(std::string_view s);

// AppendJsonString is public: libexport/json_string.h.
using ::libexport::AppendJsonString;

// Appends `value` compactly: no whitespace, object key order kept, integers
// exact, doubles in the shortest form that reads back the same, strings
// re-escaped as AppendJsonString does.
void AppendJsonValue(std::string* out, const simdjson::dom::element& value);

// Appends the shortest decimal form of `value` that parses back to it.
void AppendJsonDouble(std::string* out, double value);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_JSON_WRITER_H_
