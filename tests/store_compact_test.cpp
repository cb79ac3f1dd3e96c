// Giving space back after large deletions (docs/operations.md): LMDB never
// shrinks data.mdb, a backup (a compacted copy) holds only the pages in use.
#include <catch2/catch.hpp>
#include <filesystem>

#include "demo_data.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

TEST_CASE(
    "after a large deletion the store file keeps its size and a backup of it "
    "is a fraction of it, exporting the same",
    "[lmdb][backup][compact]") {
  namespace fs = std::filesystem;
  TestStore s;
  for (const char* t : {"big", "keep"}) REQUIRE_OK(s->AddTracker(t));
  demo::DemoOptions big;
  big.customizations = 4000;
  big.catalog = 1000;
  big.now = kNow;
  demo::DemoOptions keep = big;
  keep.customizations = 200;
  keep.seed = 7;
  MustImport(*s, "big", demo::GenerateDemo(big).ndjson);
  MustImport(*s, "keep", demo::GenerateDemo(keep).ndjson);
  const std::string data = s.dir.Sub("store") + "/data.mdb";
  const auto full = fs::file_size(data);

  REQUIRE_OK(s->RemoveTracker("big"));
  const auto after_delete = fs::file_size(data);
  CHECK(after_delete >= full);  // nothing given back to the file system
  REQUIRE_OK(s->Backup(s.dir.Sub("compacted")));
  const auto compacted = fs::file_size(s.dir.Sub("compacted") + "/data.mdb");
  INFO(full << " bytes full, " << after_delete << " after the delete, "
            << compacted << " compacted");
  // "keep" is 200 of the 4,200 customizations: well under a quarter.
  CHECK(compacted * 4 < after_delete);

  auto copy = Store::Open(s.dir.Sub("compacted"));
  REQUIRE_OK(copy);
  CHECK(MustExport(*copy.value(), Query("keep")) ==
        MustExport(*s, Query("keep")));
  VerifyReport report;
  REQUIRE_OK(copy.value()->Verify("keep", &report));
  CHECK(report.problems.empty());
}

}  // namespace
}  // namespace libexport::testing
