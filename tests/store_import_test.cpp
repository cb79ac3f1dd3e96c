// Import through the public API: round trips, all-or-nothing validation with
// every bad record reported, the conflict strategies, repeated ids, a tiny
// initial map, and strings and opaque objects that must come back unchanged.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "demo_data.h"
#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

// A small valid customization with id TestId(n), one open item pin.
std::string SmallRecord(uint64_t n) {
  return R"({"id":")" + TestId(n) +
         R"(","model":"bulk","target_type":"item","target_identity":"/t/)" +
         std::to_string(n) +
         R"(/","tags":["bulk"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/)" +
         std::to_string(n % 97) +
         R"(/","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
}

// Everything a user can see of a store's "shop" tracker.
std::string Snapshot(const Store& store) {
  auto x = Query("shop");
  std::string out = MustExport(store, x);
  auto trackers = store.ListTrackers();
  REQUIRE_OK(trackers);
  for (const TrackerInfo& t : trackers.value()) {
    out += t.tracker_id + " " + std::to_string(t.customizations) + " " +
           std::to_string(t.catalog_items) + "\n";
  }
  auto pinning = store.FindPinning("shop", "/p/10/");
  REQUIRE_OK(pinning);
  for (const std::string& id : pinning.value()) out += id + "\n";
  return out;
}

TEST_CASE("an export imported into a fresh store exports byte-identical",
          "[import][roundtrip]") {
  TestStore a;
  LoadShop(*a);
  for (bool prune : {false, true}) {
    INFO("pruned: " << prune);
    auto x = Query("shop");
    x.remove_expired_pins = prune;
    x.remove_nonexisting_item_pins = prune;
    const std::string first = MustExport(*a, x);

    TestStore b;
    REQUIRE_OK(b->AddTracker("shop"));
    REQUIRE_OK(b->AddCatalogItems("shop", {"/p/1/", "/p/10/", "/p/11/"}));
    ImportReport report = MustImport(*b, "shop", first);
    CHECK(report.inserted == 6);
    CHECK(report.errors.empty());
    CHECK(MustExport(*b, x) == first);
  }
}

TEST_CASE("demo data survives export, import and export byte-identical",
          "[import][roundtrip]") {
  demo::DemoOptions options;
  options.customizations = 3000;
  options.catalog = 2000;
  options.seed = 7;
  options.now = kNow;
  const demo::DemoData data = demo::GenerateDemo(options);

  TestStore a;
  REQUIRE_OK(a->AddTracker("demo"));
  REQUIRE_OK(a->AddCatalogItems("demo", data.catalog));
  ImportReport r =
      MustImport(*a, "demo", data.ndjson, Opts(ImportFormat::kNdjson));
  CHECK(r.inserted == 3000);

  auto all = Query("demo");
  auto pruned = Query("demo");
  pruned.remove_expired_pins = true;
  pruned.remove_nonexisting_item_pins = true;
  const std::string first = MustExport(*a, all);
  const std::string first_pruned = MustExport(*a, pruned);

  TestStore b;
  REQUIRE_OK(b->AddTracker("demo"));
  REQUIRE_OK(b->AddCatalogItems("demo", data.catalog));
  r = MustImport(*b, "demo", first, Opts(ImportFormat::kJson));
  CHECK(r.inserted == 3000);
  CHECK(MustExport(*b, all) == first);
  CHECK(MustExport(*b, pruned) == first_pruned);
}

TEST_CASE("the empty export document imports as nothing", "[import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  ImportReport r = MustImport(*s, "t", "{\"results\":[]}\n");
  CHECK(r.inserted == 0);
  CHECK(MustExport(*s, Query("t")) == "{\"results\":[]}\n");
}

TEST_CASE("NDJSON skips blank lines and fills missing times from now",
          "[import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  ImportReport r = MustImport(
      *s, "t",
      "\n"
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[]})"
      "\n\n");
  CHECK(r.inserted == 1);
  CHECK(
      MustExport(*s, Query("t")) ==
      Doc({R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-11-29T12:00:00Z","updated_at":"2026-11-29T12:00:00Z","available":false})"}));
}

TEST_CASE(
    "one bad record in a 10,000-record NDJSON import changes nothing and is "
    "named",
    "[import][validation]") {
  TestStore s;
  LoadShop(*s);
  REQUIRE_OK(s->AddTracker("bulk"));
  const std::string before = Snapshot(*s);

  std::string doc;
  for (int i = 0; i < 10000; ++i) {
    if (i == 4321) {
      doc +=
          R"({"id":")" + TestId(i) +
          R"(","model":"bulk","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/1/","active_to":"not a time"}]})";
    } else {
      doc += SmallRecord(i);
    }
    doc += '\n';
  }
  ImportReport report;
  Status st = s->Import("bulk", doc, Opts(), &report);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "line 4322");
  CHECK(report.errors[0].field == "pin_definitions[0].active_to");
  CHECK_FALSE(report.errors[0].message.empty());
  CHECK(report.inserted == 0);

  CHECK(MustExport(*s, Query("bulk")) == "{\"results\":[]}\n");
  CHECK(Snapshot(*s) == before);

  // Fixed, the same document imports completely.
  doc.replace(doc.find("not a time"), 10, "2027-01-01T00:00:00Z");
  ImportReport ok = MustImport(*s, "bulk", doc);
  CHECK(ok.inserted == 10000);
}

TEST_CASE(
    "one bad record in a 10,000-record JSON document changes nothing and is "
    "named",
    "[import][validation]") {
  TestStore s;
  LoadShop(*s);
  const std::string before = Snapshot(*s);

  std::string doc = "{\"results\":[\n";
  for (int i = 0; i < 10000; ++i) {
    if (i) doc += ",\n";
    if (i == 9999) {
      doc +=
          R"({"id":")" + TestId(100000 + i) +
          R"(","model":"bulk","target_type":"criteria","pin_definitions":[]})";
    } else {
      doc += SmallRecord(100000 + i);
    }
  }
  doc += "\n]}\n";
  ImportReport report;
  Status st = s->Import("shop", doc, Opts(), &report);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "results[9999]");
  CHECK(report.errors[0].field == "target_criteria");
  CHECK(Snapshot(*s) == before);
}

TEST_CASE("every bad record of an import is reported", "[import][validation]") {
  TestStore s;
  LoadShop(*s);
  const std::string before = Snapshot(*s);

  const std::string ndjson = Lines({
      SmallRecord(1),  // line 1 ok
      R"({"id":"00000000-0000-4000-8000-0000000000b2","target_type":"all","pin_definitions":[]})",  // 2: no model
      SmallRecord(3),  // line 3 ok
      R"({"id":"00000000-0000-4000-8000-0000000000b4","model":"m","target_type":"Item","target_identity":"/x/","pin_definitions":[]})",  // 4
      R"({"id":"00000000-0000-4000-8000-0000000000b5","model":"m","target_type":"all",)",  // 5: syntax
      R"({"id":"00000000-0000-4000-8000-0000000000b6","model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/x/"},{"position":2,"pin_type":"criteria"}]})",  // 6
      R"({"id":"not-a-uuid","model":"m","target_type":"all","pin_definitions":[]})",  // 7
  });
  ImportReport report;
  Status st = s->Import("shop", ndjson, Opts(ImportFormat::kNdjson), &report);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 5);
  CHECK(report.errors[0].location == "line 2");
  CHECK(report.errors[0].field == "model");
  CHECK(report.errors[1].location == "line 4");
  CHECK(report.errors[1].field == "target_type");
  CHECK(report.errors[2].location == "line 5");
  CHECK(report.errors[2].field == "");
  CHECK(report.errors[3].location == "line 6");
  CHECK(report.errors[3].field == "pin_definitions[1].pin_criteria");
  CHECK(report.errors[4].location == "line 7");
  CHECK(report.errors[4].field == "id");
  for (const RecordError& e : report.errors) CHECK_FALSE(e.message.empty());
  CHECK(Snapshot(*s) == before);

  // The same records as a JSON document are named by 0-based index.
  std::string doc =
      "{\"results\":[" + SmallRecord(1) +
      R"(,{"id":"00000000-0000-4000-8000-0000000000b2","target_type":"all","pin_definitions":[]},)" +
      SmallRecord(3) +
      R"(,{"id":"not-a-uuid","model":"m","target_type":"all","pin_definitions":[]}]})";
  ImportReport report2;
  st = s->Import("shop", doc, Opts(ImportFormat::kJson), &report2);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report2.errors.size() == 2);
  CHECK(report2.errors[0].location == "results[1]");
  CHECK(report2.errors[0].field == "model");
  CHECK(report2.errors[1].location == "results[3]");
  CHECK(report2.errors[1].field == "id");
  CHECK(Snapshot(*s) == before);
}

TEST_CASE("a document that is not JSON changes nothing",
          "[import][validation]") {
  TestStore s;
  LoadShop(*s);
  const std::string before = Snapshot(*s);
  for (const char* doc :
       {"{\"results\":[", "{\"results\":{}}", "{\"results\":[1]}"}) {
    INFO(doc);
    ImportReport report;
    Status st = s->Import("shop", doc, Opts(ImportFormat::kJson), &report);
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(Snapshot(*s) == before);
  }
}

TEST_CASE("an import into an unknown tracker is NotFound", "[import]") {
  TestStore s;
  ImportReport report;
  Status st = s->Import("nobody", Lines({SmallRecord(1)}), Opts(), &report);
  CHECK(st.code() == Status::Code::kNotFound);
}

// The conflict fixture: 01 (stored) is sent again changed, 07 is new.
constexpr std::string_view kChanged1 =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"changed","target_type":"all","pin_definitions":[],"created_at":"2026-02-01T00:00:00Z","updated_at":"2026-02-02T00:00:00Z"})";
constexpr std::string_view kNew7 =
    R"({"id":"00000000-0000-4000-8000-000000000007","model":"new","target_type":"all","pin_definitions":[],"created_at":"2026-02-01T00:00:00Z","updated_at":"2026-02-02T00:00:00Z"})";
constexpr std::string_view kOutChanged1 =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"changed","target_type":"all","pin_definitions":[],"created_at":"2026-02-01T00:00:00Z","updated_at":"2026-02-02T00:00:00Z","available":false})";
constexpr std::string_view kOutNew7 =
    R"({"id":"00000000-0000-4000-8000-000000000007","model":"new","target_type":"all","pin_definitions":[],"created_at":"2026-02-01T00:00:00Z","updated_at":"2026-02-02T00:00:00Z","available":false})";

TEST_CASE("on_conflict=raise fails with AlreadyExists and changes nothing",
          "[import][conflict]") {
  TestStore s;
  LoadShop(*s);
  const std::string before = Snapshot(*s);
  ImportReport report;
  Status st =
      s->Import("shop", Lines({kNew7, kChanged1, kIn3}),
                Opts(ImportFormat::kNdjson, OnConflict::kRaise), &report);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kAlreadyExists);
  // Every conflicting id is reported.
  REQUIRE(report.errors.size() == 2);
  CHECK(report.errors[0].location == "line 2");
  CHECK(report.errors[0].field == "id");
  CHECK(report.errors[1].location == "line 3");
  CHECK(report.errors[1].field == "id");
  CHECK(report.inserted == 0);
  CHECK(Snapshot(*s) == before);

  // The default strategy is raise.
  ImportReport report2;
  CHECK(s->Import("shop", Lines({kChanged1}), Opts(), &report2).code() ==
        Status::Code::kAlreadyExists);
  CHECK(Snapshot(*s) == before);
}

TEST_CASE("on_conflict=ignore keeps the stored record and counts it skipped",
          "[import][conflict]") {
  TestStore s;
  LoadShop(*s);
  ImportReport r = MustImport(*s, "shop", Lines({kNew7, kChanged1}),
                              Opts(ImportFormat::kNdjson, OnConflict::kIgnore));
  CHECK(r.inserted == 1);
  CHECK(r.skipped == 1);
  CHECK(r.replaced == 0);
  CHECK(r.errors.empty());
  CHECK(MustExport(*s, Query("shop")) ==
        Doc({kOut1, kOut2, kOut3, kOut4, kOut5, kOut6, kOutNew7}));
  auto x = Query("shop");
  x.models = {"changed"};
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
}

TEST_CASE(
    "on_conflict=override replaces the stored record and its index entries",
    "[import][conflict]") {
  TestStore s;
  LoadShop(*s);
  ImportReport r =
      MustImport(*s, "shop", Lines({kNew7, kChanged1}),
                 Opts(ImportFormat::kNdjson, OnConflict::kOverride));
  CHECK(r.inserted == 1);
  CHECK(r.replaced == 1);
  CHECK(r.skipped == 0);
  CHECK(MustExport(*s, Query("shop")) ==
        Doc({kOutChanged1, kOut2, kOut3, kOut4, kOut5, kOut6, kOutNew7}));

  // The old record's index entries are gone, the new one's are there.
  auto x = Query("shop");
  x.models = {"basket"};
  CHECK(MustExport(*s, x) == Doc({kOut2, kOut5}));
  x = Query("shop");
  x.tags = {"summer"};
  CHECK(MustExport(*s, x) == Doc({kOut4}));
  x = Query("shop");
  x.target_identities = {"/p/1/"};
  CHECK(MustExport(*s, x) == Doc({kOut5}));
  x = Query("shop");
  x.models = {"changed"};
  CHECK(MustExport(*s, x) == Doc({kOutChanged1}));
  auto pinning = s->FindPinning("shop", "/p/10/");
  REQUIRE_OK(pinning);
  CHECK(pinning.value() ==
        std::vector<std::string>{"00000000-0000-4000-8000-000000000005",
                                 "00000000-0000-4000-8000-000000000006"});
  // The other tracker's record with the same id is untouched.
  CHECK(MustExport(*s, Query("other")) == Doc({kOutOther1}));
}

TEST_CASE(
    "an id repeated inside one document is an error whatever the strategy",
    "[import][conflict]") {
  TestStore s;
  LoadShop(*s);
  const std::string before = Snapshot(*s);
  for (OnConflict c :
       {OnConflict::kRaise, OnConflict::kIgnore, OnConflict::kOverride}) {
    ImportReport report;
    Status st = s->Import("shop", Lines({kNew7, SmallRecord(50), kNew7}),
                          Opts(ImportFormat::kNdjson, c), &report);
    INFO(st.ToString());
    CHECK(st.code() == Status::Code::kInvalidArgument);
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].location == "line 3");
    CHECK(report.errors[0].field == "id");
    CHECK(Snapshot(*s) == before);
  }
  // Spelled in another letter case, it is still the same id.
  std::string upper(kNew7);
  upper.replace(upper.find("-000000000007"), 13, "-00000000000A");
  std::string lower(kNew7);
  lower.replace(lower.find("-000000000007"), 13, "-00000000000a");
  ImportReport report;
  Status st =
      s->Import("shop", "{\"results\":[" + lower + "," + upper + "]}",
                Opts(ImportFormat::kJson, OnConflict::kOverride), &report);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "results[1]");
  CHECK(Snapshot(*s) == before);
}

TEST_CASE("a store at its max_map_size fails the import with ResourceExhausted",
          "[import][lmdb]") {
  StoreOptions options;
  options.max_map_size = 1 << 20;
  options.sync = false;
  TestStore s(options);
  REQUIRE_OK(s->AddTracker("t"));
  std::string doc;
  for (int i = 0; i < 20000; ++i) doc += SmallRecord(i) + "\n";
  ImportReport report;
  Status st = s->Import("t", doc, Opts(), &report);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kResourceExhausted);
  CHECK(MustExport(*s, Query("t")) == "{\"results\":[]}\n");
  // Small writes still work.
  MustImport(*s, "t", Lines({SmallRecord(1)}));
}

TEST_CASE("unicode, escapes and URL characters round-trip and filter exactly",
          "[import][strings]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // Input uses \u escapes, an escaped slash and a surrogate pair; the
  // canonical output writes them as UTF-8 and keeps `"`, `\` and control
  // characters escaped.
  const std::string input =
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m\u00e9","target_type":"item","target_identity":"\/p\/caf\u00e9?x=1&y=%20\/","tags":["sale 50%","a\"b\\c","line\nbreak","\u0001ctl","emoji \ud83d\ude00","/?%"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/ü?q=%2F","is_block_pin":false,"is_bundle_pin":false}],"creator":"Zoë\t","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
  const std::string output =
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"mé","target_type":"item","target_identity":"/p/café?x=1&y=%20/","tags":["sale 50%","a\"b\\c","line\nbreak","\u0001ctl","emoji 😀","/?%"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/ü?q=%2F","is_block_pin":false,"is_bundle_pin":false}],"creator":"Zoë\t","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":true})";
  MustImport(*s, "t", Lines({input}));
  const std::string all = Doc({output});
  CHECK(MustExport(*s, Query("t")) == all);

  // Filters take the decoded values.
  const char* tags[] = {"sale 50%",
                        "a\"b\\c",
                        "line\nbreak",
                        "\x01"
                        "ctl",
                        "emoji 😀",
                        "/?%"};
  for (const char* tag : tags) {
    INFO(tag);
    auto x = Query("t");
    x.tags = {tag};
    CHECK(MustExport(*s, x) == all);
  }
  auto x = Query("t");
  x.models = {"mé"};
  CHECK(MustExport(*s, x) == all);
  x.models = {"m\\u00e9"};  // the escaped spelling is not the value
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
  x = Query("t");
  x.target_identities = {"/p/café?x=1&y=%20/"};
  CHECK(MustExport(*s, x) == all);
  x.target_identities = {"/p/café?x=1&y= /"};  // no URL decoding
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
  x = Query("t");
  x.tags = {"/?"};
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");

  // The catalog and the reverse index take the same bytes.
  auto pinning = s->FindPinning("t", "/p/ü?q=%2F");
  REQUIRE_OK(pinning);
  CHECK(pinning.value() ==
        std::vector<std::string>{"00000000-0000-4000-8000-000000000001"});
  x = Query("t");
  x.remove_nonexisting_item_pins = true;
  REQUIRE_OK(s->AddCatalogItems(
      "t", {"/p/u\xcc\x88?q=%2F"}));  // decomposed ü: another item
  ExportStats stats;
  MustExport(*s, x, &stats);
  CHECK(stats.pins_pruned_missing == 1);
  REQUIRE_OK(s->AddCatalogItems("t", {"/p/ü?q=%2F"}));
  CHECK(MustExport(*s, x, &stats) == all);
  CHECK(stats.pins_pruned_missing == 0);

  // And the export imports back unchanged.
  TestStore b;
  REQUIRE_OK(b->AddTracker("t"));
  MustImport(*b, "t", all);
  CHECK(MustExport(*b, Query("t")) == all);
}

TEST_CASE("opaque criteria and metadata objects round-trip with key order kept",
          "[import][opaque]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // Whitespace in the input goes; key order, nesting, numbers, literals and
  // duplicate-looking keys in different objects stay.
  const std::string input = R"({ "id" : "00000000-0000-4000-8000-000000000001",
    "model": "m", "target_type": "criteria",
    "target_criteria": { "zeta": {"b": 1, "a": [ 3, 2, 1 ]}, "alpha": "x", "mid": null,
                         "é": true, "neg": -7, "big": 9007199254740993, "f": 0.25, "empty": {}, "arr": [] },
    "target_metadata": { "z": "last?", "a": {"z": 1, "a": 2} },
    "pin_definitions": [ { "position": -1, "pin_type": "criteria",
      "pin_criteria": { "type": "brand", "brand": "acme", "all": [ {"y": 1}, {"x": 2} ] } } ],
    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z" })";
  const std::string output =
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"criteria","target_criteria":{"zeta":{"b":1,"a":[3,2,1]},"alpha":"x","mid":null,"é":true,"neg":-7,"big":9007199254740993,"f":0.25,"empty":{},"arr":[]},"target_metadata":{"z":"last?","a":{"z":1,"a":2}},"pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"type":"brand","brand":"acme","all":[{"y":1},{"x":2}]},"is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":true})";
  MustImport(*s, "t", "{\"results\":[" + input + "]}",
             Opts(ImportFormat::kJson));
  CHECK(MustExport(*s, Query("t")) == Doc({output}));
  auto got = s->Get("t", "00000000-0000-4000-8000-000000000001", kNow);
  REQUIRE_OK(got);
  CHECK(got.value() == output);

  TestStore b;
  REQUIRE_OK(b->AddTracker("t"));
  MustImport(*b, "t", Doc({output}));
  CHECK(MustExport(*b, Query("t")) == Doc({output}));
}

TEST_CASE("automatic format detection skips leading blank lines", "[import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  ImportReport r = MustImport(*s, "t", "\n  \n" + Doc({kOut4}));
  CHECK(r.inserted == 1);
  CHECK(MustExport(*s, Query("t")) == Doc({kOut4}));

  // NDJSON whose records happen to be export records.
  REQUIRE_OK(s->AddTracker("u"));
  r = MustImport(*s, "u", Lines({kOut1, kOut2}));
  CHECK(r.inserted == 2);
  CHECK(MustExport(*s, Query("u")) == Doc({kOut1, kOut2}));
}

TEST_CASE("NDJSON errors name the line as an editor numbers it",
          "[import][validation]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // Blank lines count, CRLF endings work, the last line needs no newline.
  const std::string doc =
      "\n" + SmallRecord(1) + "\r\n\r\n" + SmallRecord(2) +
      "\n"
      R"({"id":")" +
      TestId(3) + R"(","model":"","target_type":"all","pin_definitions":[]})";
  ImportReport report;
  Status st = s->Import("t", doc, Opts(ImportFormat::kNdjson), &report);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "line 5");
  CHECK(report.errors[0].field == "model");

  const std::string fixed = "\n" + SmallRecord(1) + "\r\n\r\n" +
                            SmallRecord(2) + "\n" + SmallRecord(3);
  ImportReport ok = MustImport(*s, "t", fixed, Opts(ImportFormat::kNdjson));
  CHECK(ok.inserted == 3);
}

TEST_CASE("every one of a thousand bad records is reported",
          "[import][validation]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  std::string doc;
  for (int i = 0; i < 1000; ++i) {
    doc += R"({"id":")" + TestId(i) +
           R"(","model":"m","target_type":"none","pin_definitions":[]})" + "\n";
  }
  ImportReport report;
  Status st = s->Import("t", doc, Opts(), &report);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1000);
  CHECK(report.errors[0].location == "line 1");
  CHECK(report.errors[999].location == "line 1000");
  CHECK(report.errors[999].field == "target_type");
}

// The process's peak resident set (VmHWM), after resetting it to the
// current one (clear_refs "5"), in bytes.
uint64_t PeakRss() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::stoull(line.substr(6)) * 1024;  // "VmHWM:  1234 kB"
    }
  }
  return 0;
}
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

TEST_CASE(
    "300 thousand bad records are reported as the first thousand and a count",
    "[import][validation]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  std::string doc;
  const std::string bad =
      R"({"model":"m","target_type":"none","pin_definitions":[]})";
  doc.reserve((bad.size() + 1) * 300000);
  for (int i = 0; i < 300000; ++i) doc += bad + "\n";
  ResetPeakRss();
  const uint64_t before = PeakRss();
  ImportReport report;
  Status st = s->Import("t", doc, Opts(ImportFormat::kNdjson), &report);
  const uint64_t peak = PeakRss();
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.message() == "300000 invalid record(s); nothing was imported");
  CHECK(report.error_count == 300000);
  REQUIRE(report.errors.size() == kMaxReportedErrors);
  CHECK(report.errors.front().location == "line 1");
  CHECK(report.errors.back().location == "line 1000");
  CHECK(report.errors.back().field == "target_type");
  INFO("peak RSS grew by " << (peak - before) / (1 << 20) << " MiB");
  REQUIRE(before > 0);
  // "Well under 1 GiB", with room for ASan's quarantine (256 MiB).
  CHECK(peak - before < (uint64_t{768} << 20));
}

TEST_CASE("a second results member is an error and changes nothing",
          "[import][validation][regression]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  MustImport(*s, "t", Lines({SmallRecord(1)}));
  const std::string before = MustExport(*s, Query("t"));
  // Used to import B and drop A without a word.
  const std::string doc = "{\"results\":[" + SmallRecord(2) +
                          "],\"results\":[" + SmallRecord(3) + "]}";
  for (ImportFormat format : {ImportFormat::kAuto, ImportFormat::kJson}) {
    ImportReport report;
    Status st = s->Import("t", doc, Opts(format), &report);
    CHECK(st.code() == Status::Code::kInvalidArgument);
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].location == "document");
    CHECK(report.errors[0].field == "results");
    CHECK(report.errors[0].message ==
          "given more than once; a document has one \"results\" member");
    CHECK(MustExport(*s, Query("t")) == before);
  }
}

TEST_CASE("other top-level members of an import document are ignored",
          "[import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // An export with a prune report, members before and after results, and
  // escapes in the member names.
  const std::string doc =
      R"({"results":[)" + SmallRecord(1) + R"(],"pruned":[{"id":")" +
      TestId(1) +
      R"(","reason":"expired","pin":{"position":1,"pin_type":"item","pin_identity":"/x/"}}]})";
  ImportReport report = MustImport(*s, "t", doc);
  CHECK(report.inserted == 1);
  REQUIRE_OK(s->AddTracker("u"));
  report = MustImport(
      *s, "u",
      R"({"note":{"big":123456789012345678901234},"r\u0065sults":[)" +
          SmallRecord(2) + R"(],"z":[1,2]})",
      Opts(ImportFormat::kJson));
  CHECK(report.inserted == 1);
  auto got = s->Get("u", TestId(2), kNow);
  REQUIRE_OK(got);
  // Members that are not JSON still make the document invalid.
  ImportReport bad;
  Status st = s->Import("u", R"({"results":[],"x":[1,]})",
                        Opts(ImportFormat::kJson), &bad);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].location == "document");
  CHECK(bad.errors[0].message.rfind("invalid JSON: ", 0) == 0);
}

TEST_CASE("import reports progress up to the record count", "[import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  std::string doc;
  for (int i = 0; i < 5000; ++i) doc += SmallRecord(i) + "\n";
  ImportOptions options = Opts();
  size_t calls = 0, last_done = 0, last_total = 0;
  bool monotonic = true;
  options.progress = [&](size_t done, size_t total) {
    if (done < last_done) monotonic = false;
    ++calls;
    last_done = done;
    last_total = total;
  };
  MustImport(*s, "t", doc, options);
  CHECK(calls > 0);
  CHECK(monotonic);
  CHECK(last_total == 5000);
  CHECK(last_done == 5000);
}

}  // namespace
}  // namespace libexport::testing
