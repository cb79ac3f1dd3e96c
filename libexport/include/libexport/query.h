// An export request: the tracker, the four filters (each a set of values),
// the two pruning switches, the instant the export is evaluated at, whether
// to report what was pruned, and the representation (format and content
// coding) of the response bytes.
#ifndef LIBEXPORT_QUERY_H_
#define LIBEXPORT_QUERY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libexport/status.h"
#include "libexport/time.h"

namespace libexport {

enum class TargetType : uint8_t { kItem = 0, kCriteria = 1, kAll = 2 };

// "item", "criteria", "all".
std::string_view TargetTypeName(TargetType t);
// Case-sensitive; nullopt for anything else.
std::optional<TargetType> ParseTargetType(std::string_view text);

// How the matching customizations are laid out.
enum class ExportFormat : uint8_t {
  // {"results":[...]} (and "pruned":[...] with a prune report).
  kJson = 0,
  // One customization object per line, each ending in '\n', no wrapper.
  kNdjson = 1,
};

// How the bytes of that layout are coded on the way to the sink.
enum class ContentCoding : uint8_t { kIdentity = 0, kGzip = 1, kZstd = 2 };

// "application/json; charset=utf-8", "application/x-ndjson".
std::string_view MediaTypeOf(ExportFormat f);
// "identity", "gzip", "zstd" (the HTTP content-coding tokens).
std::string_view ContentCodingName(ContentCoding c);

// What the response bytes are, as one value: a cache validator (an ETag)
// of an export must cover it, since the same data gives different bytes in
// each representation.
struct Representation {
  ExportFormat format = ExportFormat::kJson;
  ContentCoding coding = ContentCoding::kIdentity;
  // Spelled out (not defaulted) so that the header compiles as C++17.
  bool operator==(const Representation& o) const {
    return format == o.format && coding == o.coding;
  }
  bool operator!=(const Representation& o) const { return !(*this == o); }
};

struct ExportQuery {
  std::string tracker_id;
  // Filters. Within one filter the values combine with OR (a customization
  // matches when it equals, or for tags contains, any of them); the filters
  // combine with AND. An empty set means "no filter".
  std::set<std::string> models;             // customization.model in models
  std::set<std::string> tags;               // customization.tags meets tags
  std::set<TargetType> target_types;        // customization.target_type in
  std::set<std::string> target_identities;  // customization.target_identity in
  // Drop pins whose active_to <= now (pins not yet active are kept).
  bool remove_expired_pins = false;
  // Drop pins with pin_type=item whose pin_identity is not in the tracker's
  // catalog (block pins included; criteria pins and target_identity untouched).
  bool remove_nonexisting_item_pins = false;
  // With the JSON format only: after "results", a member "pruned" lists
  // every pin the two switches above dropped, with its customization's id
  // and the reason ("expired" wins when both apply).
  bool prune_report = false;
  // The instant of the export: expiry and `available` are evaluated at it.
  // Required: there is no default instant (an unset one would silently be
  // 1970 and keep every expired pin); an export without it is
  // InvalidArgument with field "now". ParseExportQuery sets it.
  std::optional<Timestamp> now;
  Representation representation;
};

// Builds a query from decoded URL query parameters (name, value), in order,
// as the HTTP API documents them: unknown names ignored; model, tag,
// target_type and target_identity may repeat (their values form the sets
// above); remove_expired_pins, remove_nonexisting_item_pins, prune_report
// and as_of may appear once. `as_of` (RFC 3339) replaces `now`. An empty
// value, a bad target_type, a bad boolean, a bad as_of, a repeated switch, or
// the rules of ValidateExportQuery are InvalidArgument whose field() is the
// parameter's name and whose message is valid UTF-8 (an echoed value has its
// invalid bytes replaced by U+FFFD). `tracker_id`, `now` and
// `representation` are copied in.
Result<ExportQuery> ParseExportQuery(
    std::string_view tracker_id,
    const std::vector<std::pair<std::string, std::string>>& params,
    Timestamp now, Representation representation = {});

// Checks an already-built query (used by ParseExportQuery and by
// Store::Export, so library callers get the same 422 answers): a valid
// tracker id; no empty filter value; target_identities only when
// target_types is empty or contains kItem (field "target_identity");
// prune_report only with ExportFormat::kJson (field "prune_report"); `now`
// set (field "now").
Status ValidateExportQuery(const ExportQuery& query);

// Tracker ids: 1-64 characters of [A-Za-z0-9_-].
bool IsValidTrackerId(std::string_view id);

}  // namespace libexport

#endif  // LIBEXPORT_QUERY_H_
