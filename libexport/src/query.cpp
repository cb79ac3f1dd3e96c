// Query parameters of the export endpoint (docs/http_api.md).
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

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0.
size_t Utf8SequenceLength(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF   ? 2
             : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4
                                      : 0;
  if (n == 0 || s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
  if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
  if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
  if (c == 0xF4 && b(1) > 0x8F) return 0;  // past U+10FFFF
  return n;
}

// The value quoted for a message: at most kMaxEcho bytes, cut between
// characters, each invalid byte replaced by U+FFFD, so the message (and the
// JSON error body it goes into) is valid UTF-8.
std::string Echo(std::string_view v) {
  std::string out = "\"";
  size_t at = 0;
  while (at < v.size() && at < kMaxEcho) {
    const size_t n = Utf8SequenceLength(v.substr(at));
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++at;
    } else {
      out.append(v.substr(at, n));
      at += n;
    }
  }
  if (at < v.size()) out += "...";
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
  kPruneReport,
  kAsOf,
  kParamCount
};
constexpr std::array<std::string_view, kParamCount> kParamNames = {
    "model",
    "tag",
    "target_type",
    "target_identity",
    "remove_expired_pins",
    "remove_nonexisting_item_pins",
    "prune_report",
    "as_of"};
// The filters may repeat (their values OR together); the rest may not.
constexpr int kFirstSingle = kRemoveExpired;

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

std::string_view MediaTypeOf(ExportFormat f) {
  return f == ExportFormat::kNdjson ? "application/x-ndjson"
                                    : "application/json; charset=utf-8";
}

std::string_view ContentCodingName(ContentCoding c) {
  switch (c) {
    case ContentCoding::kIdentity:
      return "identity";
    case ContentCoding::kGzip:
      return "gzip";
    case ContentCoding::kZstd:
      return "zstd";
  }
  return "identity";
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
  const std::pair<const std::set<std::string>*, std::string_view> filters[] = {
      {&q.models, "model"},
      {&q.tags, "tag"},
      {&q.target_identities, "target_identity"}};
  for (const auto& [values, name] : filters) {
    if (values->count(std::string()) != 0) {
      return Status::InvalidArgument("must not be empty", std::string(name));
    }
  }
  if (!q.target_identities.empty() && !q.target_types.empty() &&
      q.target_types.count(TargetType::kItem) == 0) {
    std::string types;
    for (TargetType t : q.target_types) {
      types += types.empty() ? "" : ", ";
      types += TargetTypeName(t);
    }
    return Status::InvalidArgument(
        "only customizations with target_type=item have a target_identity; "
        "it cannot be combined with target_type " +
            types + " alone",
        "target_identity");
  }
  if (!q.now) {
    return Status::InvalidArgument(
        "required: the instant the export is evaluated at (pin expiry and "
        "available); there is no default",
        "now");
  }
  if (q.prune_report && q.representation.format != ExportFormat::kJson) {
    return Status::InvalidArgument(
        "the prune report is a member of the JSON document; it cannot be "
        "combined with NDJSON (Accept: application/x-ndjson)",
        "prune_report");
  }
  return Status::Ok();
}

Result<ExportQuery> ParseExportQuery(
    std::string_view tracker_id,
    const std::vector<std::pair<std::string, std::string>>& params,
    Timestamp now, Representation representation) {
  ExportQuery q;
  q.tracker_id = std::string(tracker_id);
  q.now = now;
  q.representation = representation;
  std::array<bool, kParamCount> seen{};
  for (const auto& [name, value] : params) {
    int p = 0;
    while (p < kParamCount && kParamNames[p] != name) ++p;
    if (p == kParamCount) continue;  // unknown parameters are ignored
    if (seen[p] && p >= kFirstSingle) {
      return Status::InvalidArgument("given more than once; give it once",
                                     name);
    }
    seen[p] = true;
    if (value.empty()) {
      return Status::InvalidArgument("must not be empty", name);
    }
    switch (p) {
      case kModel:
        q.models.insert(value);
        break;
      case kTag:
        q.tags.insert(value);
        break;
      case kTargetType: {
        std::optional<TargetType> t = ParseTargetType(value);
        if (!t) {
          return Status::InvalidArgument(
              "must be one of item, criteria, all (case-sensitive), got " +
                  Echo(value),
              name);
        }
        q.target_types.insert(*t);
        break;
      }
      case kTargetIdentity:
        q.target_identities.insert(value);
        break;
      case kRemoveExpired:
        LIBEXPORT_RETURN_IF_ERROR(
            ParseBool(name, value, &q.remove_expired_pins));
        break;
      case kRemoveNonexisting:
        LIBEXPORT_RETURN_IF_ERROR(
            ParseBool(name, value, &q.remove_nonexisting_item_pins));
        break;
      case kPruneReport:
        LIBEXPORT_RETURN_IF_ERROR(ParseBool(name, value, &q.prune_report));
        break;
      case kAsOf: {
        Result<Rfc3339> t = ParseRfc3339(value);
        if (!t.ok()) {
          return Status::InvalidArgument(
              t.status().message() + ", got " + Echo(value), name);
        }
        q.now = t->time;
        break;
      }
    }
  }
  LIBEXPORT_RETURN_IF_ERROR(ValidateExportQuery(q));
  return q;
}

}  // namespace libexport
