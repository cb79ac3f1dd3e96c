// ParseExportQuery on decoded query parameters: "name=value&name=value".
// Oracle: an accepted query passes ValidateExportQuery and holds every
// filter value given; a rejection is InvalidArgument naming a known parameter.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_common.h"
#include "libexport/query.h"

using libexport::fuzz::Split;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::string, std::string>> params;
  for (std::string_view part : Split(input, '&')) {
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(std::string(part), "");
    } else {
      params.emplace_back(std::string(part.substr(0, eq)),
                          std::string(part.substr(eq + 1)));
    }
  }
  const libexport::Timestamp now{1795953600, 0};
  auto q = libexport::ParseExportQuery("tracker_1", params, now);
  static const std::set<std::string> kKnown = {"model",
                                               "tag",
                                               "target_type",
                                               "target_identity",
                                               "remove_expired_pins",
                                               "remove_nonexisting_item_pins",
                                               "prune_report",
                                               "as_of"};
  if (!q.ok()) {
    const libexport::Status& s = q.status();
    FUZZ_CHECK(s.code() == libexport::Status::Code::kInvalidArgument,
               s.ToString());
    FUZZ_CHECK(kKnown.count(s.field()) == 1, s.ToString());
    FUZZ_CHECK(s.message().size() < 512, "message echoes too much");
    return 0;
  }
  FUZZ_CHECK(libexport::ValidateExportQuery(q.value()).ok(), "validate");
  FUZZ_CHECK(q->tracker_id == "tracker_1", "copied fields");
  // Every known filter value given appears in the query's set.
  for (const auto& [name, value] : params) {
    if (name == "model") FUZZ_CHECK(q->models.count(value) == 1, "model");
    if (name == "tag") FUZZ_CHECK(q->tags.count(value) == 1, "tag");
    if (name == "target_identity") {
      FUZZ_CHECK(q->target_identities.count(value) == 1, "target_identity");
      FUZZ_CHECK(q->target_types.empty() ||
                     q->target_types.count(libexport::TargetType::kItem) == 1,
                 "target_identity without an item target_type");
    }
    if (name == "target_type") {
      auto t = libexport::ParseTargetType(value);
      FUZZ_CHECK(t && q->target_types.count(*t) == 1, "target_type");
    }
  }
  return 0;
}
