// Store::Audit on the shop fixture: expired, dangling and not yet active
// pins per model, and the worst customizations, at one instant.
#include <catch2/catch.hpp>

#include "shop_fixture.h"

namespace libexport::testing {
namespace {

using Counts = AuditReport::Counts;

bool Same(const Counts& a, const Counts& b) {
  return a.customizations == b.customizations && a.pins == b.pins &&
         a.expired == b.expired && a.dangling == b.dangling &&
         a.not_yet_active == b.not_yet_active;
}

TEST_CASE(
    "audit counts expired, dangling and not yet active pins per model and "
    "lists the worst customizations",
    "[audit]") {
  TestStore s;
  LoadShop(*s);
  AuditReport r;
  REQUIRE_OK(s->Audit("shop", kNow, 3, &r));
  REQUIRE(r.models.size() == 3);
  CHECK(r.models[0].first == "basket");
  // 01: /p/11/ expired; 02: a pin from December; 05: /p/12/ expired (and
  // missing: counted as expired only), /p/10/ active from now.
  CHECK(Same(r.models[0].second, Counts{3, 5, 2, 0, 1}));
  CHECK(r.models[1].first == "item_detail_alternatives");
  // 03: the block pin to /p/missing/, active one more microsecond.
  CHECK(Same(r.models[1].second, Counts{2, 1, 0, 1, 0}));
  CHECK(r.models[2].first == "search");
  CHECK(Same(r.models[2].second, Counts{1, 1, 1, 0, 0}));
  CHECK(Same(r.total, Counts{6, 7, 3, 1, 1}));
  REQUIRE(r.worst.size() == 3);  // 01, 03, 05, 06 tie at one; ids decide
  CHECK(r.worst[0].id == "00000000-0000-4000-8000-000000000001");
  CHECK(r.worst[1].id == "00000000-0000-4000-8000-000000000003");
  CHECK(r.worst[1].model == "item_detail_alternatives");
  CHECK(Same(r.worst[1].counts, Counts{1, 1, 0, 1, 0}));
  CHECK(r.worst[2].id == "00000000-0000-4000-8000-000000000005");
}

TEST_CASE("audit at another instant counts other pins", "[audit]") {
  TestStore s;
  LoadShop(*s);
  AuditReport r;
  // 2026-11-01T12:00:00Z: nothing has expired yet; /p/12/ is active and
  // dangling; 02's, 05's /p/10/ and nothing else are in the future.
  REQUIRE_OK(s->Audit("shop", Timestamp{1793534400, 0}, 10, &r));
  CHECK(Same(r.total, Counts{6, 7, 0, 2, 2}));
  REQUIRE(r.worst.size() == 2);
  CHECK(r.worst[0].id == "00000000-0000-4000-8000-000000000003");
  CHECK(r.worst[1].id == "00000000-0000-4000-8000-000000000005");
  CHECK(s->Audit("nope", kNow, 3, &r).code() == Status::Code::kNotFound);
}

}  // namespace
}  // namespace libexport::testing
