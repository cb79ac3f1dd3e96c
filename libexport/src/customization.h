// Validation and canonicalization of one customization (contract section 2):
// JSON in, an encoded record (docs/store_format.md) out. Runs once per
// record, at write time, so that an export needs no JSON parsing.
#ifndef LIBEXPORT_SRC_CUSTOMIZATION_H_
#define LIBEXPORT_SRC_CUSTOMIZATION_H_

#include <string>
#include <string_view>

#include "libexport/status.h"
#include "libexport/time.h"
#include "record.h"

namespace simdjson::dom {
class element;
}

namespace libexport::internal {

struct EncodedRecord {
  Uuid id{};
  std::string value;  // the record value, as stored
};

// Encodes a customization given as a parsed JSON element.
// `now` fills created_at/updated_at when absent; a missing id is generated
// (RandomUuid). An `available` field on input is accepted and ignored (it is
// computed at export time), so an export imports back unchanged.
// Errors: InvalidArgument whose field() is the path of the offending field,
// e.g. "pin_definitions[2].active_to", and whose message says why
// ("must be an RFC 3339 time"). Unknown fields are errors too.
Status EncodeCustomization(const simdjson::dom::element& element, Timestamp now,
                           EncodedRecord* out);

// Parses `json` (one JSON object) and encodes it. A syntax error is
// InvalidArgument with an empty field(). Not thread-safe per call site: uses
// a thread_local parser.
Status EncodeCustomizationJson(std::string_view json, Timestamp now,
                               EncodedRecord* out);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_CUSTOMIZATION_H_
