// An export request: the tracker, the four filters, the two pruning switches
// and the instant the export is evaluated at.
#ifndef LIBEXPORT_QUERY_H_
#define LIBEXPORT_QUERY_H_

#include <optional>
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

struct ExportQuery {
  std::string tracker_id;
  // Filters, combined with AND; nullopt means "no filter".
  std::optional<std::string> model;       // customization.model == model
  std::optional<std::string> tag;         // customization.tags contains tag
  std::optional<TargetType> target_type;  // customization.target_type ==
  std::optional<std::string>
      target_identity;  // customization.target_identity ==
  // Drop pins whose active_to <= now (pins not yet active are kept).
  bool remove_expired_pins = false;
  // Drop pins with pin_type=item whose pin_identity is not in the tracker's
  // catalog (block pins included; criteria pins and target_identity untouched).
  bool remove_nonexisting_item_pins = false;
  // The instant of the export: expiry and `available` are evaluated at it.
  Timestamp now;
};

// Builds a query from decoded URL query parameters (name, value), in order,
// exactly as the contract's section 3 says: unknown names ignored; an empty
// value, a bad target_type, a bad boolean, a repeated parameter, or
// target_identity with target_type criteria/all are InvalidArgument whose
// field() is the parameter's name. `tracker_id` and `now` are copied in.
Result<ExportQuery> ParseExportQuery(
    std::string_view tracker_id,
    const std::vector<std::pair<std::string, std::string>>& params,
    Timestamp now);

// Checks the rules above on an already-built query (used by ParseExportQuery
// and by Store::Export, so library callers get the same 422 answers).
Status ValidateExportQuery(const ExportQuery& query);

// Tracker ids: 1-64 characters of [A-Za-z0-9_-].
bool IsValidTrackerId(std::string_view id);

}  // namespace libexport

#endif  // LIBEXPORT_QUERY_H_
