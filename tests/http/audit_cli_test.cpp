// exportctl audit and exportctl export --prune-report as a user runs them.
#include "program_test_util.h"

namespace libexport::testing {

TEST_CASE("exportctl audit prints the pins pruning would drop, per model",
          "[exportctl][audit]") {
  ShopDir shop;
  Ran r = RunExportctl("--store " + shop.store_dir() +
                           " audit shop --as-of 2026-11-29T14:00:00+02:00 "
                           "--worst 2",
                       shop.dir);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out ==
        "tracker shop at 2026-11-29T12:00:00Z\n"
        "model                        customizations     pins  expired  "
        "dangling  not yet active\n"
        "basket                                    3        5        2        "
        " 0               1\n"
        "item_detail_alternatives                  2        1        0        "
        " 1               0\n"
        "search                                    1        1        1        "
        " 0               0\n"
        "(all)                                     6        7        3        "
        " 1               1\n"
        "worst customizations (expired + dangling pins):\n"
        "  00000000-0000-4000-8000-000000000001  basket  expired 1, dangling "
        "0 of 2 pins\n"
        "  00000000-0000-4000-8000-000000000003  item_detail_alternatives  "
        "expired 0, dangling 1 of 1 pins\n");
  Ran bad = RunExportctl(
      "--store " + shop.store_dir() + " audit shop --as-of tomorrow", shop.dir);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--as-of: must be an RFC 3339 time") != std::string::npos);
}

TEST_CASE("exportctl export --prune-report with --format ndjson is refused",
          "[exportctl][prune_report]") {
  ShopDir shop;
  Ran r = RunExportctl("--store " + shop.store_dir() +
                           " export shop --prune-report --format ndjson",
                       shop.dir);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--prune-report: the prune report is a member of the JSON "
                   "document") != std::string::npos);
}

}  // namespace libexport::testing
