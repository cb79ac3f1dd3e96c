// Validation and canonicalization of one customization (docs/format.md):
// JSON in, an encoded record (docs/store_format.md) out. Runs once per
// record, at write time, so that an export needs no JSON parsing.
#ifndef LIBEXPORT_SRC_CUSTOMIZATION_H_
#define LIBEXPORT_SRC_CUSTOMIZATION_H_

#include <optional>
#include <string>
#include <string_view>

#include "libexport/status.h"
#include "libexport/time.h"
#include "record.h"

namespace libexport::internal {

struct EncodedRecord {
  Uuid id{};
  std::string value;  // the record value, as stored
};

// Validates `json` (one customization, a JSON object) and encodes it.
// `now` fills created_at/updated_at when absent; a missing id is generated
// (RandomUuid). An `available` field on input is accepted and ignored (it is
// computed at export time), so an export imports back unchanged. Opaque
// objects (target_criteria, target_metadata, pin_criteria) are kept token
// for token, only insignificant whitespace removed (raw_json.h).
// Errors: InvalidArgument whose field() is the path of the offending field,
// e.g. "pin_definitions[2].active_to", and whose message says why
// ("must be an RFC 3339 time"); unknown fields are errors too. A syntax
// error names the member it is in ("target_criteria"), or none.
// Thread-safe: uses thread_local buffers.
//
// `stamps` (optional) is a full replacement's: created_at is
// stamps->created_at whatever `json` says (the stored one is kept); with
// `id` (Store::Update), the record's id is *id (an id in `json` that
// differs is an error at "id"); with `updated_at`, updated_at is it whatever
// `json` says.
struct ReplacementStamps {
  Rfc3339 created_at;
  const Uuid* id = nullptr;
  std::optional<Rfc3339> updated_at;
};
Status EncodeCustomizationJson(std::string_view json, Timestamp now,
                               EncodedRecord* out,
                               const ReplacementStamps* stamps = nullptr);

// The created_at of a record's canonical JSON (RecordView::json()), as the
// encoder above wrote it: the last top-level members are always
// ,"created_at":"...","updated_at":"..."}. False when it is not there.
bool CanonicalCreatedAt(std::string_view canonical_json, Rfc3339* out);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_CUSTOMIZATION_H_
