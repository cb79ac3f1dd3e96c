// Query parameters of the export endpoint (contract section 3).
#include "libexport/query.h"

#include <array>
#include <cctype>

namespace libexport {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Echoes at most this many bytes of a bad value, so a 1 MB parameter does
// not become a 1 MB error message.
constexpr size_t kMaxEcho = 64;

std::string Echo(std::string_view v) {
  std::string out = "\"";
  out.append(v.substr(0, kMaxEcho));
  if (v.size() > kMaxEcho) out += "...";
  out += '"';
  return out;
}

Status ParseBool(std::string_view name, std::string_view value, bool* out) {
  if (EqualsIgnoreCase(value, "true") || value == "1") {
    *out = true;
  } else if (EqualsIgnoreCase(value, "false") || value == "0") {
    *out = false;
  } else {
    return Status::InvalidArgument(
        "must be true, false, 1 or 0 (any letter case), got " + Echo(value),
        std::string(name));
  }
  return Status::Ok();
}

enum Param {
  kModel,
  kTag,
  kTargetType,
  kTargetIdentity,
  kRemoveExpired,
  kRemoveNonexisting,
  kParamCount
};
constexpr std::array<std::string_view, kParamCount> kParamNames = {
    "model",
    "tag",
    "target_type",
    "target_identity",
    "remove_expired_pins",
    "remove_nonexisting_item_pins"};

}  // namespace

std::string_view TargetTypeName(TargetType t) {
  switch (t) {
    case TargetType::kItem:
      return "item";
    case TargetType::kCriteria:
      return "criteria";
    case TargetType::kAll:
      return "all";
  }
  return "unknown";
}

std::optional<TargetType> ParseTargetType(std::string_view text) {
  if (text == "item") return TargetType::kItem;
  if (text == "criteria") return TargetType::kCriteria;
  if (text == "all") return TargetType::kAll;
  return std::nullopt;
}

bool IsValidTrackerId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status ValidateExportQuery(const ExportQuery& q) {
  if (!IsValidTrackerId(q.tracker_id)) {
    return Status::InvalidArgument(
        "must be 1-64 characters of A-Z, a-z, 0-9, _ and -, got " +
            Echo(q.tracker_id),
        "tracker_id");
  }
  const std::pair<const std::optional<std::string>*, std::string_view>
      filters[] = {{&q.model, "model"},
                   {&q.tag, "tag"},
                   {&q.target_identity, "target_identity"}};
  for (const auto& [value, name] : filters) {
    if (value->has_value() && (*value)->empty()) {
      return Status::InvalidArgument("must not be empty", std::string(name));
    }
  }
  if (q.target_identity.has_value() && q.target_type.has_value() &&
      *q.target_type != TargetType::kItem) {
    return Status::InvalidArgument(
        "only customizations with target_type=item have a target_identity; "
        "it cannot be combined with target_type=" +
            std::string(TargetTypeName(*q.target_type)),
        "target_identity");
  }
  return Status::Ok();
}

Result<ExportQuery> ParseExportQuery(
    std::string_view tracker_id,
    const std::vector<std::pair<std::string, std::string>>& params,
    Timestamp now) {
  ExportQuery q;
  q.tracker_id = std::string(tracker_id);
  q.now = now;
  std::array<bool, kParamCount> seen{};
  for (const auto& [name, value] : params) {
    int p = 0;
    while (p < kParamCount && kParamNames[p] != name) ++p;
    if (p == kParamCount) continue;  // unknown parameters are ignored
    if (seen[p]) {
      // Two values for one filter would need an OR we do not define.
      return Status::InvalidArgument("given more than once; give it once",
                                     name);
    }
    seen[p] = true;
    if (value.empty()) {
      return Status::InvalidArgument("must not be empty", name);
    }
    switch (p) {
      case kModel:
        q.model = value;
        break;
      case kTag:
        q.tag = value;
        break;
      case kTargetType:
        q.target_type = ParseTargetType(value);
        if (!q.target_type) {
          return Status::InvalidArgument(
              "must be one of item, criteria, all (case-sensitive), got " +
                  Echo(value),
              name);
        }
        break;
      case kTargetIdentity:
        q.target_identity = value;
        break;
      case kRemoveExpired:
        LIBEXPORT_RETURN_IF_ERROR(
            ParseBool(name, value, &q.remove_expired_pins));
        break;
      case kRemoveNonexisting:
        LIBEXPORT_RETURN_IF_ERROR(
            ParseBool(name, value, &q.remove_nonexisting_item_pins));
        break;
    }
  }
  LIBEXPORT_RETURN_IF_ERROR(ValidateExportQuery(q));
  return q;
}

}  // namespace libexport
