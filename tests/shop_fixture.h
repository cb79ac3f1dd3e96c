// The "shop" fixture: six customizations with fixed ids that cover every
// filter and every pruning boundary, at kNow = 2026-11-29T12:00:00Z, plus a
// second tracker "other" that must never leak into "shop".
//
// Inputs are already canonical, so each expected record below is its input
// with `,"available":...` before the final `}` (and pins removed when
// pruned). All expected strings are literal.
//
//  id  model                     type      target_identity     tags pins at
//  kNow 01  basket                    item      /p/1/               summer,
//  sale   /p/10/ open (active); /p/11/ active_to == now (expired) 02  basket
//  criteria  -                   sale           criteria pin, active_from in
//  the future 03  item_detail_alternatives  all       -                   -
//  block item pin /p/missing/ (not in catalog), active_to = now + 1us 04
//  item_detail_alternatives  item      /p/missing-target/  summer         none
//  05  basket                    item      /p/1/               winter /p/12/
//  expired and not in catalog; /p/10/ active_from == now 06  search all       -
//  sale, winter   /p/10/ active_to = now - 1us (expired)
//
// shop catalog: /p/1/, /p/10/, /p/11/. other catalog: /p/12/, /p/missing/.
#ifndef LIBEXPORT_TESTS_SHOP_FIXTURE_H_
#define LIBEXPORT_TESTS_SHOP_FIXTURE_H_

#include <string_view>

#include "test_util.h"

namespace libexport::testing {

// ------------------------------------------------------------------ inputs

inline constexpr std::string_view kIn1 =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["summer","sale"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false},{"position":2,"pin_type":"item","pin_identity":"/p/11/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"})";
inline constexpr std::string_view kIn2 =
    R"({"id":"00000000-0000-4000-8000-000000000002","model":"basket","target_type":"criteria","target_criteria":{"z":1,"a":{"y":[1,2.5,true,null],"b":"x"}},"tags":["sale"],"pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"brand":"acme","in":["a","b"]},"is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-12-01T00:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"})";
inline constexpr std::string_view kIn3 =
    R"({"id":"00000000-0000-4000-8000-000000000003","model":"item_detail_alternatives","target_type":"all","pin_definitions":[{"position":0,"pin_type":"item","pin_identity":"/p/missing/","widget_id":"w1","is_block_pin":true,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00.000001Z"}],"creator":"alice","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"})";
inline constexpr std::string_view kIn4 =
    R"({"id":"00000000-0000-4000-8000-000000000004","model":"item_detail_alternatives","target_type":"item","target_identity":"/p/missing-target/","target_metadata":{"note":"kept","n":[1]},"tags":["summer"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"})";
inline constexpr std::string_view kIn5 =
    R"({"id":"00000000-0000-4000-8000-000000000005","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["winter"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/12/","is_block_pin":false,"is_bundle_pin":true,"active_from":"2026-11-01T00:00:00Z","active_to":"2026-11-02T00:00:00Z"},{"position":3,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-11-29T12:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"})";
inline constexpr std::string_view kIn6 =
    R"({"id":"00000000-0000-4000-8000-000000000006","model":"search","target_type":"all","tags":["sale","winter"],"pin_definitions":[{"position":2,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T11:59:59.999999Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"})";
// Same id as kIn1, in the other tracker.
inline constexpr std::string_view kInOther1 =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"all","tags":["sale"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";

// ------------------------------------------------- expected, no pruning

inline constexpr std::string_view kOut1 =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["summer","sale"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false},{"position":2,"pin_type":"item","pin_identity":"/p/11/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":true})";
inline constexpr std::string_view kOut2 =
    R"({"id":"00000000-0000-4000-8000-000000000002","model":"basket","target_type":"criteria","target_criteria":{"z":1,"a":{"y":[1,2.5,true,null],"b":"x"}},"tags":["sale"],"pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"brand":"acme","in":["a","b"]},"is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-12-01T00:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":false})";
inline constexpr std::string_view kOut3 =
    R"({"id":"00000000-0000-4000-8000-000000000003","model":"item_detail_alternatives","target_type":"all","pin_definitions":[{"position":0,"pin_type":"item","pin_identity":"/p/missing/","widget_id":"w1","is_block_pin":true,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00.000001Z"}],"creator":"alice","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":true})";
inline constexpr std::string_view kOut4 =
    R"({"id":"00000000-0000-4000-8000-000000000004","model":"item_detail_alternatives","target_type":"item","target_identity":"/p/missing-target/","target_metadata":{"note":"kept","n":[1]},"tags":["summer"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":false})";
inline constexpr std::string_view kOut5 =
    R"({"id":"00000000-0000-4000-8000-000000000005","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["winter"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/12/","is_block_pin":false,"is_bundle_pin":true,"active_from":"2026-11-01T00:00:00Z","active_to":"2026-11-02T00:00:00Z"},{"position":3,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-11-29T12:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":true})";
inline constexpr std::string_view kOut6 =
    R"({"id":"00000000-0000-4000-8000-000000000006","model":"search","target_type":"all","tags":["sale","winter"],"pin_definitions":[{"position":2,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T11:59:59.999999Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":false})";
inline constexpr std::string_view kOutOther1 =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"all","tags":["sale"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})";

// ------------------------------------------------ expected, pins pruned

// remove_expired_pins: /p/11/ (active_to == now) dropped.
inline constexpr std::string_view kOut1Expired =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["summer","sale"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":true})";
// remove_nonexisting_item_pins: the block pin to /p/missing/ dropped; no pin
// left, so not available although the pin was active.
inline constexpr std::string_view kOut3Missing =
    R"({"id":"00000000-0000-4000-8000-000000000003","model":"item_detail_alternatives","target_type":"all","pin_definitions":[],"creator":"alice","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":false})";
// Either switch drops /p/12/ (expired, and missing from the catalog).
inline constexpr std::string_view kOut5Pruned =
    R"({"id":"00000000-0000-4000-8000-000000000005","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["winter"],"pin_definitions":[{"position":3,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-11-29T12:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":true})";
// remove_expired_pins: its only pin expired one microsecond before now.
inline constexpr std::string_view kOut6Expired =
    R"({"id":"00000000-0000-4000-8000-000000000006","model":"search","target_type":"all","tags":["sale","winter"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":false})";

// Adds trackers "shop" and "other", imports the fixture (in shuffled order,
// as NDJSON) and loads both catalogs.
inline void LoadShop(Store& store) {
  REQUIRE_OK(store.AddTracker("shop", std::string("shop-key")));
  REQUIRE_OK(store.AddTracker("other", std::string("other-key")));
  ImportReport r =
      MustImport(store, "shop", Lines({kIn5, kIn3, kIn6, kIn1, kIn4, kIn2}),
                 Opts(ImportFormat::kNdjson));
  REQUIRE(r.inserted == 6);
  MustImport(store, "other", Lines({kInOther1}), Opts(ImportFormat::kNdjson));
  REQUIRE_OK(store.AddCatalogItems("shop", {"/p/1/", "/p/10/", "/p/11/"}));
  REQUIRE_OK(store.AddCatalogItems("other", {"/p/12/", "/p/missing/"}));
}

}  // namespace libexport::testing

#endif  // LIBEXPORT_TESTS_SHOP_FIXTURE_H_
