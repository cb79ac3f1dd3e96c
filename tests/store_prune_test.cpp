// Pruning through the public API: the expiry boundaries, catalog pruning
// (block pins checked, criteria pins and target_identity not), records whose
// every pin is pruned, `available`, and the pruning statistics.
//
// What `available` means here (docs/format.md, store.h): true iff at
// least one pin that is *exported* (after pruning) is active at query.now,
// i.e. active_from <= now < active_to with missing bounds open. A record with
// no exported pin is not available.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

TEST_CASE(
    "remove_expired_pins drops a pin whose active_to equals now and keeps the "
    "rest",
    "[prune]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.remove_expired_pins = true;
  ExportStats stats;
  // 01: /p/11/ (active_to == now) dropped, open /p/10/ kept.
  // 02: a future pin (active_from > now) kept.
  // 03: active_to one microsecond after now kept.
  // 05: /p/12/ (expired in early November) dropped, active_from == now kept.
  // 06: active_to one microsecond before now dropped: no pin left, exported.
  CHECK(MustExport(*s, x, &stats) ==
        Doc({kOut1Expired, kOut2, kOut3, kOut4, kOut5Pruned, kOut6Expired}));
  CHECK(stats.records_matched == 6);
  CHECK(stats.pins_pruned_expired == 3);
  CHECK(stats.pins_pruned_missing == 0);
}

TEST_CASE("the expiry boundary moves with now", "[prune]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.target_types = {TargetType::kAll};
  x.remove_expired_pins = true;

  // One microsecond before kNow, 06's pin (active_to = now - 1us) is expired
  // too (active_to == that instant), and 03's is active.
  x.now = Timestamp{kNow.seconds - 1, 999'999'000};
  ExportStats stats;
  CHECK(MustExport(*s, x, &stats) == Doc({kOut3, kOut6Expired}));
  CHECK(stats.pins_pruned_expired == 1);

  // Two microseconds before kNow, 06's pin is still active.
  x.now = Timestamp{kNow.seconds - 1, 999'998'000};
  CHECK(
      MustExport(*s, x) ==
      Doc({kOut3,
           R"({"id":"00000000-0000-4000-8000-000000000006","model":"search","target_type":"all","tags":["sale","winter"],"pin_definitions":[{"position":2,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T11:59:59.999999Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":true})"}));

  // One microsecond after kNow, 03's pin (active_to = now + 1us) expires.
  x.now = Timestamp{kNow.seconds, 1'000};
  CHECK(MustExport(*s, x, &stats) == Doc({kOut3Missing, kOut6Expired}));
  CHECK(stats.pins_pruned_expired == 2);
}

TEST_CASE(
    "remove_nonexisting_item_pins drops block item pins missing from the "
    "catalog",
    "[prune][catalog]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.remove_nonexisting_item_pins = true;
  ExportStats stats;
  // 01: /p/10/ and /p/11/ are in the catalog: kept (expired pins stay).
  // 02: a criteria pin: untouched.
  // 03: the block pin to /p/missing/ dropped; exported with no pins.
  // 04: its target_identity /p/missing-target/ is not in the catalog: not
  //     checked, exported.
  // 05: /p/12/ (in the other tracker's catalog only) dropped.
  // 06: /p/10/ kept.
  CHECK(MustExport(*s, x, &stats) ==
        Doc({kOut1, kOut2, kOut3Missing, kOut4, kOut5Pruned, kOut6}));
  CHECK(stats.records_matched == 6);
  CHECK(stats.pins_pruned_missing == 2);
  CHECK(stats.pins_pruned_expired == 0);
}

TEST_CASE("both pruning switches together", "[prune]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.remove_expired_pins = true;
  x.remove_nonexisting_item_pins = true;
  ExportStats stats;
  CHECK(MustExport(*s, x, &stats) == Doc({kOut1Expired, kOut2, kOut3Missing,
                                          kOut4, kOut5Pruned, kOut6Expired}));
  // 05's /p/12/ is both expired and missing: it is counted once, under
  // either reason.
  CHECK(stats.pins_pruned_expired + stats.pins_pruned_missing == 4);
  CHECK(stats.pins_pruned_expired >= 2);
  CHECK(stats.pins_pruned_expired <= 3);
  CHECK(stats.pins_pruned_missing >= 1);
}

TEST_CASE("pruning combines with filters", "[prune][filter]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.models = {"basket"};
  x.remove_nonexisting_item_pins = true;
  ExportStats stats;
  CHECK(MustExport(*s, x, &stats) == Doc({kOut1, kOut2, kOut5Pruned}));
  CHECK(stats.records_matched == 3);
  CHECK(stats.pins_pruned_missing == 1);

  x = Query("shop");
  x.tags = {"winter"};
  x.remove_expired_pins = true;
  CHECK(MustExport(*s, x, &stats) == Doc({kOut5Pruned, kOut6Expired}));
  CHECK(stats.pins_pruned_expired == 2);
}

TEST_CASE("catalog pruning follows catalog changes", "[prune][catalog]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.target_types = {TargetType::kAll};
  x.remove_nonexisting_item_pins = true;
  CHECK(MustExport(*s, x) == Doc({kOut3Missing, kOut6}));

  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/missing/"}));
  CHECK(MustExport(*s, x) == Doc({kOut3, kOut6}));

  REQUIRE_OK(s->RemoveCatalogItems("shop", {"/p/missing/", "/p/10/"}));
  ExportStats stats;
  CHECK(
      MustExport(*s, x, &stats) ==
      Doc({kOut3Missing,
           R"({"id":"00000000-0000-4000-8000-000000000006","model":"search","target_type":"all","tags":["sale","winter"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":false})"}));
  CHECK(stats.pins_pruned_missing == 2);
}

TEST_CASE("available is computed at now over the exported pins",
          "[prune][available]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  REQUIRE_OK(s->AddCatalogItems("t", {"/in/"}));
  // a: an active pin to an item missing from the catalog and a future pin
  //    to an item in it.
  MustImport(
      *s, "t",
      Lines(
          {R"({"id":"00000000-0000-4000-8000-00000000000a","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/out/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-11-01T00:00:00Z"},{"position":2,"pin_type":"item","pin_identity":"/in/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-12-01T00:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})"}));
  const std::string unpruned =
      R"({"id":"00000000-0000-4000-8000-00000000000a","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/out/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-11-01T00:00:00Z"},{"position":2,"pin_type":"item","pin_identity":"/in/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-12-01T00:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":)";
  auto x = Query("t");
  CHECK(MustExport(*s, x) == Doc({unpruned + "true}"}));

  // Before November nothing is active yet.
  x.now = Timestamp{kNow.seconds - 60 * 86400, 0};
  CHECK(MustExport(*s, x) == Doc({unpruned + "false}"}));

  // Pruned: only the future pin is exported, so not available at kNow...
  x.now = kNow;
  x.remove_nonexisting_item_pins = true;
  const std::string pruned =
      R"({"id":"00000000-0000-4000-8000-00000000000a","model":"m","target_type":"all","pin_definitions":[{"position":2,"pin_type":"item","pin_identity":"/in/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-12-01T00:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":)";
  CHECK(MustExport(*s, x) == Doc({pruned + "false}"}));

  // ...and available once December has come.
  x.now = Timestamp{kNow.seconds + 3 * 86400, 0};
  CHECK(MustExport(*s, x) == Doc({pruned + "true}"}));

  // Get computes it the same way, without pruning.
  auto got = s->Get("t", "00000000-0000-4000-8000-00000000000a", kNow);
  REQUIRE_OK(got);
  CHECK(got.value() == unpruned + "true}");
}

TEST_CASE("pruning keeps criteria pins whatever the catalog holds",
          "[prune][catalog]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // A criteria pin whose criteria mention an identity absent from the
  // catalog, between two item pins; the catalog is empty.
  MustImport(
      *s, "t",
      Lines(
          {R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"item","target_identity":"/t/","pin_definitions":[{"position":0,"pin_type":"item","pin_identity":"/a/","is_block_pin":true,"is_bundle_pin":false},{"position":-1,"pin_type":"criteria","pin_criteria":{"pin_identity":"/a/"},"is_block_pin":false,"is_bundle_pin":false},{"position":2,"pin_type":"item","pin_identity":"/b/","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})"}));
  auto x = Query("t");
  x.remove_nonexisting_item_pins = true;
  ExportStats stats;
  CHECK(
      MustExport(*s, x, &stats) ==
      Doc({R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"item","target_identity":"/t/","pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"pin_identity":"/a/"},"is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":true})"}));
  CHECK(stats.pins_pruned_missing == 2);
}

TEST_CASE("pruning a middle pin joins its neighbours with one comma",
          "[prune]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  REQUIRE_OK(s->AddCatalogItems("t", {"/a/", "/c/"}));
  MustImport(
      *s, "t",
      Lines(
          {R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/a/","is_block_pin":false,"is_bundle_pin":false},{"position":2,"pin_type":"item","pin_identity":"/b/","is_block_pin":false,"is_bundle_pin":false},{"position":3,"pin_type":"item","pin_identity":"/c/","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})"}));
  auto x = Query("t");
  x.remove_nonexisting_item_pins = true;
  CHECK(
      MustExport(*s, x) ==
      Doc({R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/a/","is_block_pin":false,"is_bundle_pin":false},{"position":3,"pin_type":"item","pin_identity":"/c/","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":true})"}));
}

// docs/store_format.md: "Times are compared at microsecond precision (digits
// beyond are kept in the JSON text)". An active_to half a microsecond after
// now therefore counts as equal to now: expired.
TEST_CASE("pin windows are compared at microsecond precision", "[prune]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  MustImport(
      *s, "t",
      Lines(
          {R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/a/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00.0000005Z"},{"position":2,"pin_type":"item","pin_identity":"/b/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00.0000015Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})"}));
  auto x = Query("t");
  x.remove_expired_pins = true;
  ExportStats stats;
  CHECK(
      MustExport(*s, x, &stats) ==
      Doc({R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":2,"pin_type":"item","pin_identity":"/b/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00.0000015Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":true})"}));
  CHECK(stats.pins_pruned_expired == 1);
}

TEST_CASE("a 1 KiB pinned identity is matched against the catalog",
          "[prune][catalog]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  const std::string longest = "/" + std::string(1022, 'q') + "/";
  const std::string record =
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":")" +
      longest +
      R"(","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
  MustImport(*s, "t", Lines({record}));
  auto x = Query("t");
  x.remove_nonexisting_item_pins = true;
  ExportStats stats;
  MustExport(*s, x, &stats);
  CHECK(stats.pins_pruned_missing == 1);
  REQUIRE_OK(s->AddCatalogItems("t", {longest}));
  CHECK(MustExport(*s, x, &stats) ==
        Doc({record.substr(0, record.size() - 1) + R"(,"available":true})"}));
  CHECK(stats.pins_pruned_missing == 0);
  auto pinning = s->FindPinning("t", longest);
  REQUIRE_OK(pinning);
  CHECK(pinning.value() ==
        std::vector<std::string>{"00000000-0000-4000-8000-000000000001"});
}

}  // namespace
}  // namespace libexport::testing
