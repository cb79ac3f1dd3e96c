#include "bench_cases.h"

namespace libexport::bench {

const std::vector<Filters>& BenchFilters() {
  static const std::vector<Filters> kFilters = {
      {"all", {}, {}, {}, {}},
      {"model", {"basket"}, {}, {}, {}},
      {"tag_common", {}, {"summer"}, {}, {}},
      {"tag_rare", {}, {"rare-tag"}, {}, {}},
      {"tag_point", {}, {kProbeTag}, {}, {}},
      {"target_type", {}, {}, {TargetType::kCriteria}, {}},
      {"target_identity", {}, {}, {}, {kProbeIdentity}},
      {"model_tag", {"basket"}, {"sale"}, {}, {}},
      // A repeated filter against its two single values.
      {"model_brand", {"brand"}, {}, {}, {}},
      {"model_favorites", {"favorites"}, {}, {}, {}},
      {"model_brand_or_favorites", {"brand", "favorites"}, {}, {}, {}},
  };
  return kFilters;
}

const std::vector<Pruning>& BenchPrunings() {
  static const std::vector<Pruning> kPrunings = {
      {"none", false, false},
      {"expired", true, false},
      {"catalog", false, true},
      {"both", true, true},
  };
  return kPrunings;
}

ExportQuery MakeQuery(const Filters& f, const Pruning& p) {
  ExportQuery q;
  q.tracker_id = kTrackerId;
  q.models = {f.models.begin(), f.models.end()};
  q.tags = {f.tags.begin(), f.tags.end()};
  q.target_types = {f.target_types.begin(), f.target_types.end()};
  q.target_identities = {f.target_identities.begin(),
                         f.target_identities.end()};
  q.remove_expired_pins = p.expired;
  q.remove_nonexisting_item_pins = p.catalog;
  q.now = kBenchNow;
  return q;
}

std::string ProbeRecords() {
  std::string out;
  for (int i = 0; i < kProbeCount; ++i) {
    out += "{\"id\":\"00000000-0000-4000-8000-00000000000" + std::to_string(i) +
           "\",\"model\":\"basket\",\"target_type\":\"item\","
           "\"target_identity\":\"" +
           std::string(kProbeIdentity) + "\",\"tags\":[\"" + kProbeTag +
           "\"],\"pin_definitions\":["
           "{\"position\":1,\"pin_type\":\"item\",\"pin_identity\":\"/p/1/\","
           "\"is_block_pin\":false,\"is_bundle_pin\":false},"
           "{\"position\":2,\"pin_type\":\"item\",\"pin_identity\":"
           "\"/p/missing-probe/\",\"is_block_pin\":false,\"is_bundle_pin\":"
           "false,\"active_to\":\"2026-11-01T00:00:00Z\"}],"
           "\"created_at\":\"2026-01-01T00:00:00Z\","
           "\"updated_at\":\"2026-01-02T00:00:00Z\"}\n";
  }
  return out;
}

}  // namespace libexport::bench
