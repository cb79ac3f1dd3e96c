// Trackers, catalogs and single-record writes through the public API.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

const TrackerInfo* FindTracker(const std::vector<TrackerInfo>& list,
                               std::string_view id) {
  for (const TrackerInfo& t : list) {
    if (t.tracker_id == id) return &t;
  }
  return nullptr;
}

bool IsLowerHex(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

TEST_CASE("AddTracker generates a 64-hex-character key and keeps a given one",
          "[tracker]") {
  TestStore s;
  auto k1 = s->AddTracker("gen");
  REQUIRE_OK(k1);
  CHECK(k1.value().size() == 64);
  CHECK(IsLowerHex(k1.value()));
  auto k2 = s->AddTracker("gen2");
  REQUIRE_OK(k2);
  CHECK(k2.value() != k1.value());

  auto given = s->AddTracker("given", std::string("my secret"));
  REQUIRE_OK(given);
  CHECK(given.value() == "my secret");

  auto key = s->TrackerKey("gen");
  REQUIRE_OK(key);
  CHECK(key.value() == k1.value());
  key = s->TrackerKey("given");
  REQUIRE_OK(key);
  CHECK(key.value() == "my secret");
  CHECK(s->TrackerKey("nobody").status().code() == Status::Code::kNotFound);
}

TEST_CASE("AddTracker rejects bad ids, empty keys and existing trackers",
          "[tracker]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("a-Z_09"));
  REQUIRE_OK(s->AddTracker(std::string(64, 'x')));
  CHECK(s->AddTracker("a-Z_09").status().code() ==
        Status::Code::kAlreadyExists);
  CHECK(s->AddTracker("").status().code() == Status::Code::kInvalidArgument);
  CHECK(s->AddTracker(std::string(65, 'x')).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(s->AddTracker("has space").status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(s->AddTracker("slash/").status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(s->AddTracker("ok", std::string()).status().code() ==
        Status::Code::kInvalidArgument);
  auto list = s->ListTrackers();
  REQUIRE_OK(list);
  CHECK(list.value().size() == 2);
}

TEST_CASE("ListTrackers reports each tracker with its counts", "[tracker]") {
  TestStore s;
  LoadShop(*s);
  REQUIRE_OK(s->AddTracker("empty"));
  auto list = s->ListTrackers();
  REQUIRE_OK(list);
  REQUIRE(list.value().size() == 3);
  const TrackerInfo* shop = FindTracker(list.value(), "shop");
  const TrackerInfo* other = FindTracker(list.value(), "other");
  const TrackerInfo* empty = FindTracker(list.value(), "empty");
  REQUIRE(shop);
  REQUIRE(other);
  REQUIRE(empty);
  CHECK(shop->customizations == 6);
  CHECK(shop->catalog_items == 3);
  CHECK(other->customizations == 1);
  CHECK(other->catalog_items == 2);
  CHECK(empty->customizations == 0);
  CHECK(empty->catalog_items == 0);
}

TEST_CASE("RemoveTracker removes its data, and a re-added tracker starts empty",
          "[tracker]") {
  TestStore s;
  LoadShop(*s);
  REQUIRE_OK(s->RemoveTracker("shop"));
  CHECK(s->RemoveTracker("shop").code() == Status::Code::kNotFound);
  CHECK(s->ExportToString(Query("shop")).status().code() ==
        Status::Code::kNotFound);
  CHECK(s->TrackerKey("shop").status().code() == Status::Code::kNotFound);
  auto list = s->ListTrackers();
  REQUIRE_OK(list);
  REQUIRE(list.value().size() == 1);
  CHECK(list.value()[0].tracker_id == "other");

  // The other tracker is untouched.
  CHECK(MustExport(*s, Query("other")) == Doc({kOutOther1}));
  auto in_other = s->CatalogContains("other", "/p/12/");
  REQUIRE_OK(in_other);
  CHECK(in_other.value());

  auto key = s->AddTracker("shop");
  REQUIRE_OK(key);
  CHECK(key.value() != "shop-key");
  CHECK(MustExport(*s, Query("shop")) == "{\"results\":[]}\n");
  auto x = Query("shop");
  x.models = {"basket"};
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
  x = Query("shop");
  x.tags = {"sale"};
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
  auto contains = s->CatalogContains("shop", "/p/10/");
  REQUIRE_OK(contains);
  CHECK_FALSE(contains.value());
  auto pinning = s->FindPinning("shop", "/p/10/");
  REQUIRE_OK(pinning);
  CHECK(pinning.value().empty());
  CHECK(s->Get("shop", "00000000-0000-4000-8000-000000000001", kNow)
            .status()
            .code() == Status::Code::kNotFound);
  list = s->ListTrackers();
  REQUIRE_OK(list);
  const TrackerInfo* shop = FindTracker(list.value(), "shop");
  REQUIRE(shop);
  CHECK(shop->customizations == 0);
  CHECK(shop->catalog_items == 0);

  // And it takes the same ids again.
  MustImport(*s, "shop", Lines({kIn1}));
  CHECK(MustExport(*s, Query("shop")) == Doc({kOut1}));
  VerifyReport verify;
  REQUIRE_OK(s->Verify("shop", &verify));
  CHECK(verify.problems.empty());
}

TEST_CASE("catalog add and remove report what changed", "[catalog]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  uint64_t changed = 99;
  REQUIRE_OK(s->AddCatalogItems("t", {"/a/", "/b/", "/c/"}, &changed));
  CHECK(changed == 3);
  REQUIRE_OK(s->AddCatalogItems("t", {"/b/", "/d/", "/d/"}, &changed));
  CHECK(changed == 1);
  REQUIRE_OK(s->RemoveCatalogItems("t", {"/a/", "/zzz/"}, &changed));
  CHECK(changed == 1);
  REQUIRE_OK(s->RemoveCatalogItems("t", {"/a/"}, &changed));
  CHECK(changed == 0);
  REQUIRE_OK(s->AddCatalogItems("t", {}, &changed));
  CHECK(changed == 0);
  REQUIRE_OK(s->AddCatalogItems("t", {"/e/"}));  // `changed` is optional

  for (const char* in : {"/b/", "/c/", "/d/", "/e/"}) {
    INFO(in);
    auto r = s->CatalogContains("t", in);
    REQUIRE_OK(r);
    CHECK(r.value());
  }
  for (const char* out : {"/a/", "/zzz/", "/b", "b/", "/B/"}) {
    INFO(out);
    auto r = s->CatalogContains("t", out);
    REQUIRE_OK(r);
    CHECK_FALSE(r.value());
  }
  auto list = s->ListTrackers();
  REQUIRE_OK(list);
  REQUIRE(list.value().size() == 1);
  CHECK(list.value()[0].catalog_items == 4);
}

TEST_CASE(
    "catalog identities are 1 byte to 1 KiB, and a bad one changes nothing",
    "[catalog]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  const std::string longest(1024, 'x');
  REQUIRE_OK(s->AddCatalogItems("t", {"y", longest}));
  auto r = s->CatalogContains("t", longest);
  REQUIRE_OK(r);
  CHECK(r.value());

  uint64_t changed = 0;
  CHECK(s->AddCatalogItems("t", {"/new/", std::string(1025, 'x')}, &changed)
            .code() == Status::Code::kInvalidArgument);
  CHECK(s->AddCatalogItems("t", {"/new/", ""}).code() ==
        Status::Code::kInvalidArgument);
  CHECK(s->RemoveCatalogItems("t", {"y", ""}).code() ==
        Status::Code::kInvalidArgument);
  r = s->CatalogContains("t", "/new/");
  REQUIRE_OK(r);
  CHECK_FALSE(r.value());
  r = s->CatalogContains("t", "y");
  REQUIRE_OK(r);
  CHECK(r.value());
  auto list = s->ListTrackers();
  REQUIRE_OK(list);
  CHECK(list.value()[0].catalog_items == 2);
}

TEST_CASE("catalogs belong to one tracker", "[catalog]") {
  TestStore s;
  LoadShop(*s);
  auto r = s->CatalogContains("other", "/p/10/");
  REQUIRE_OK(r);
  CHECK_FALSE(r.value());
  r = s->CatalogContains("shop", "/p/12/");
  REQUIRE_OK(r);
  CHECK_FALSE(r.value());
  CHECK(s->CatalogContains("nobody", "/p/10/").status().code() ==
        Status::Code::kNotFound);
  CHECK(s->AddCatalogItems("nobody", {"/x/"}).code() ==
        Status::Code::kNotFound);
  CHECK(s->RemoveCatalogItems("nobody", {"/x/"}).code() ==
        Status::Code::kNotFound);
}

TEST_CASE("Put creates, replaces and upserts one customization", "[put]") {
  TestStore s;
  LoadShop(*s);
  const std::string id7 = "00000000-0000-4000-8000-000000000007";
  const std::string in7 =
      R"({"id":"00000000-0000-4000-8000-000000000007","model":"basket","target_type":"all","tags":["sale"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false}]})";
  auto put = s->Put("shop", in7, Store::PutMode::kCreate, kNow);
  REQUIRE_OK(put);
  CHECK(put.value() == id7);
  const std::string out7 =
      R"({"id":"00000000-0000-4000-8000-000000000007","model":"basket","target_type":"all","tags":["sale"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-11-29T12:00:00Z","updated_at":"2026-11-29T12:00:00Z","available":true})";
  auto got = s->Get("shop", id7, kNow);
  REQUIRE_OK(got);
  CHECK(got.value() == out7);
  auto x = Query("shop");
  x.tags = {"sale"};
  CHECK(MustExport(*s, x) == Doc({kOut1, kOut2, kOut6, out7}));

  CHECK(s->Put("shop", in7, Store::PutMode::kCreate, kNow).status().code() ==
        Status::Code::kAlreadyExists);

  // Replace: new content, old index entries gone; the stored created_at
  // stays whatever the replacement says.
  const std::string in7b =
      R"({"id":"00000000-0000-4000-8000-000000000007","model":"search","target_type":"item","target_identity":"/p/7/","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
  const std::string out7b =
      R"({"id":"00000000-0000-4000-8000-000000000007","model":"search","target_type":"item","target_identity":"/p/7/","pin_definitions":[],"created_at":"2026-11-29T12:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})";
  REQUIRE_OK(s->Put("shop", in7b, Store::PutMode::kReplace, kNow));
  got = s->Get("shop", id7, kNow);
  REQUIRE_OK(got);
  CHECK(got.value() == out7b);
  CHECK(MustExport(*s, x) == Doc({kOut1, kOut2, kOut6}));
  x = Query("shop");
  x.models = {"search"};
  CHECK(MustExport(*s, x) == Doc({kOut6, out7b}));
  auto pinning = s->FindPinning("shop", "/p/10/");
  REQUIRE_OK(pinning);
  CHECK(pinning.value() ==
        std::vector<std::string>{"00000000-0000-4000-8000-000000000001",
                                 "00000000-0000-4000-8000-000000000005",
                                 "00000000-0000-4000-8000-000000000006"});

  const std::string in8 =
      R"({"id":"00000000-0000-4000-8000-000000000008","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
  CHECK(s->Put("shop", in8, Store::PutMode::kReplace, kNow).status().code() ==
        Status::Code::kNotFound);
  REQUIRE_OK(s->Put("shop", in8, Store::PutMode::kUpsert, kNow));
  REQUIRE_OK(s->Put("shop", in7, Store::PutMode::kUpsert, kNow));
  got = s->Get("shop", id7, kNow);
  REQUIRE_OK(got);
  CHECK(got.value() == out7);

  auto list = s->ListTrackers();
  REQUIRE_OK(list);
  CHECK(FindTracker(list.value(), "shop")->customizations == 8);
  VerifyReport verify;
  REQUIRE_OK(s->Verify("shop", &verify));
  CHECK(verify.problems.empty());
  CHECK(verify.records == 8);
}

TEST_CASE("Put without an id generates a lower-case UUID", "[put]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  auto put =
      s->Put("t", R"({"model":"m","target_type":"all","pin_definitions":[]})",
             Store::PutMode::kCreate, kNow);
  REQUIRE_OK(put);
  const std::string id = put.value();
  REQUIRE(id.size() == 36);
  for (size_t i : {8, 13, 18, 23}) CHECK(id[i] == '-');
  std::string hex = id;
  hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
  CHECK(IsLowerHex(hex));
  const std::string expected =
      R"({"id":")" + id +
      R"(","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-11-29T12:00:00Z","updated_at":"2026-11-29T12:00:00Z","available":false})";
  CHECK(MustExport(*s, Query("t")) == Doc({expected}));

  auto put2 =
      s->Put("t", R"({"model":"m","target_type":"all","pin_definitions":[]})",
             Store::PutMode::kCreate, kNow);
  REQUIRE_OK(put2);
  CHECK(put2.value() != id);
}

TEST_CASE(
    "Put rejects an invalid customization naming the field and changes nothing",
    "[put]") {
  TestStore s;
  LoadShop(*s);
  const std::string before = MustExport(*s, Query("shop"));
  struct Case {
    const char* json;
    const char* field;
  };
  const Case cases[] = {
      {R"({"id":"00000000-0000-4000-8000-000000000001","target_type":"all","pin_definitions":[]})",
       "model"},
      {R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","target_identity":"/x/","pin_definitions":[]})",
       "target_identity"},
      {R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/x/","active_from":"yesterday"}]})",
       "pin_definitions[0].active_from"},
  };
  for (const Case& c : cases) {
    INFO(c.json);
    auto r = s->Put("shop", c.json, Store::PutMode::kUpsert, kNow);
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    CHECK(r.status().field() == c.field);
  }
  CHECK(s->Put("shop", "{not json", Store::PutMode::kUpsert, kNow)
            .status()
            .code() == Status::Code::kInvalidArgument);
  CHECK(MustExport(*s, Query("shop")) == before);
  CHECK(s->Put("nobody", kIn1, Store::PutMode::kUpsert, kNow).status().code() ==
        Status::Code::kNotFound);
}

TEST_CASE("Delete removes a customization and its index entries", "[put]") {
  TestStore s;
  LoadShop(*s);
  const std::string id1 = "00000000-0000-4000-8000-000000000001";
  REQUIRE_OK(s->Delete("shop", id1));
  CHECK(s->Get("shop", id1, kNow).status().code() == Status::Code::kNotFound);
  CHECK(s->Delete("shop", id1).code() == Status::Code::kNotFound);
  CHECK(s->Delete("shop", "not-a-uuid").code() ==
        Status::Code::kInvalidArgument);
  CHECK(s->Delete("nobody", id1).code() == Status::Code::kNotFound);

  CHECK(MustExport(*s, Query("shop")) ==
        Doc({kOut2, kOut3, kOut4, kOut5, kOut6}));
  auto x = Query("shop");
  x.tags = {"summer"};
  CHECK(MustExport(*s, x) == Doc({kOut4}));
  x = Query("shop");
  x.target_identities = {"/p/1/"};
  CHECK(MustExport(*s, x) == Doc({kOut5}));
  auto pinning = s->FindPinning("shop", "/p/11/");
  REQUIRE_OK(pinning);
  CHECK(pinning.value().empty());
  // The other tracker's record with the same id stays.
  CHECK(MustExport(*s, Query("other")) == Doc({kOutOther1}));
}

TEST_CASE("Get returns one record with available at now", "[put]") {
  TestStore s;
  LoadShop(*s);
  auto got = s->Get("shop", "00000000-0000-4000-8000-000000000003", kNow);
  REQUIRE_OK(got);
  CHECK(got.value() == kOut3);
  got = s->Get("shop", "00000000-0000-4000-8000-000000000009", kNow);
  CHECK(got.status().code() == Status::Code::kNotFound);
  got = s->Get("shop", "00000000-0000-4000-8000-000000000006",
               Timestamp{kNow.seconds - 3600, 0});
  REQUIRE_OK(got);
  CHECK(
      got.value() ==
      R"({"id":"00000000-0000-4000-8000-000000000006","model":"search","target_type":"all","tags":["sale","winter"],"pin_definitions":[{"position":2,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T11:59:59.999999Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z","available":true})");
  CHECK(s->Get("shop", "nope", kNow).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(s->Get("nobody", "00000000-0000-4000-8000-000000000003", kNow)
            .status()
            .code() == Status::Code::kNotFound);
  CHECK(s->Get("other", "00000000-0000-4000-8000-000000000003", kNow)
            .status()
            .code() == Status::Code::kNotFound);
}

TEST_CASE("FindPinning lists the customizations that pin an item, ordered",
          "[put]") {
  TestStore s;
  LoadShop(*s);
  auto r = s->FindPinning("shop", "/p/10/");
  REQUIRE_OK(r);
  CHECK(r.value() ==
        std::vector<std::string>{"00000000-0000-4000-8000-000000000001",
                                 "00000000-0000-4000-8000-000000000005",
                                 "00000000-0000-4000-8000-000000000006"});
  // Block pins count; target identities and criteria do not.
  r = s->FindPinning("shop", "/p/missing/");
  REQUIRE_OK(r);
  CHECK(r.value() ==
        std::vector<std::string>{"00000000-0000-4000-8000-000000000003"});
  r = s->FindPinning("shop", "/p/1/");
  REQUIRE_OK(r);
  CHECK(r.value().empty());
  r = s->FindPinning("shop", "acme");
  REQUIRE_OK(r);
  CHECK(r.value().empty());
  r = s->FindPinning("other", "/p/10/");
  REQUIRE_OK(r);
  CHECK(r.value().empty());
  CHECK(s->FindPinning("nobody", "/p/10/").status().code() ==
        Status::Code::kNotFound);
}

}  // namespace
}  // namespace libexport::testing
