// The export cases every implementation (engine, SQLite peer, reference) is
// run on, and the fixed data the benchmarks add to the demo set.
#ifndef LIBEXPORT_BENCH_BENCH_CASES_H_
#define LIBEXPORT_BENCH_BENCH_CASES_H_

#include <optional>
#include <string>
#include <vector>

#include "libexport/query.h"
#include "libexport/time.h"

namespace libexport::bench {

// 2026-11-29T12:00:00Z: the demo windows and every export are placed here.
inline constexpr Timestamp kBenchNow{1795953600, 0};
inline constexpr char kTrackerId[] = "bench";
// Point-lookup probes: kProbeCount records carry this target_identity and
// this tag at every store size, so point filters have the same result size
// at 1e3 and 1e6.
inline constexpr char kProbeIdentity[] = "/p/probe/";
inline constexpr char kProbeTag[] = "probe-tag";
inline constexpr int kProbeCount = 5;

// A filter's values combine with OR, the filters with AND; empty: none.
struct Filters {
  std::string name;  // "all", "model", "tag_common", ...
  std::vector<std::string> models;
  std::vector<std::string> tags;
  std::vector<TargetType> target_types;
  std::vector<std::string> target_identities;
};

struct Pruning {
  std::string name;  // "none", "expired", "catalog", "both"
  bool expired = false;
  bool catalog = false;
};

const std::vector<Filters>& BenchFilters();
const std::vector<Pruning>& BenchPrunings();

// The query a case stands for, at kBenchNow.
ExportQuery MakeQuery(const Filters& f, const Pruning& p);

// kProbeCount canonical NDJSON lines (see above), appended to the demo data.
std::string ProbeRecords();

}  // namespace libexport::bench

#endif  // LIBEXPORT_BENCH_BENCH_CASES_H_
