// Seeded synthetic customizations and catalogs: one generator for
// `exportctl demo`, the tests and the benchmarks.
#ifndef LIBEXPORT_BENCH_DEMO_DATA_H_
#define LIBEXPORT_BENCH_DEMO_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "libexport/time.h"

namespace libexport::demo {

struct DemoOptions {
  size_t customizations = 1000;
  // Items in the catalog. Pinned items are drawn from a range ~10% larger,
  // so some pinned items are missing from the catalog.
  size_t catalog = 5000;
  uint64_t seed = 1;
  // Pin windows are placed around this instant: some expired, some future,
  // some open, some active.
  Timestamp now;
};

struct DemoData {
  std::string ndjson;  // one customization per line, each with an id
  std::vector<std::string> catalog;  // item identities, e.g. "/p/123/"
};

// Deterministic for a given options value: the same seed gives the same
// bytes. The mix: all three target types; models from a small fixed list;
// tags with a skewed (Zipf-like) distribution, including one rare tag
// "rare-tag" on ~0.1% of records; 1-8 pins with blocks, globals, criteria
// pins; expired / future / open windows.
DemoData GenerateDemo(const DemoOptions& options);

// The model names and the common tags GenerateDemo uses, most frequent first.
const std::vector<std::string>& DemoModels();
const std::vector<std::string>& DemoTags();

}  // namespace libexport::demo

#endif  // LIBEXPORT_BENCH_DEMO_DATA_H_
