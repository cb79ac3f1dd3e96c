// Store::ApplyChanges: a copy that applies a primary's changes feed exports
// what the primary exports, byte for byte, with its catalog; a bad change is
// named and changes nothing; the feed from the beginning replaces; the sync
// state commits with the batch.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "libexport/store.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

std::string Rec(uint64_t n, std::string_view model, std::string_view pin) {
  return R"({"id":")" + TestId(n) + R"(","model":")" + std::string(model) +
         R"(","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":")" +
         std::string(pin) +
         R"("}],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
}

// The changes of `tracker` after `since`, as the endpoint's body.
std::string ChangesBody(const Store& store, const std::string& since,
                        size_t limit, ChangesResult* result) {
  ChangesQuery q;
  q.tracker_id = "t";
  q.since = since;
  q.limit = limit;
  StringSink sink;
  REQUIRE_OK(store.Changes(q, sink, result));
  return sink.out;
}

// An export that shows records and catalog: item pins missing from the
// catalog are pruned.
std::string Pruned(const Store& store) {
  ExportQuery q = Query("t");
  q.remove_nonexisting_item_pins = true;
  return MustExport(store, q);
}

struct Pair {
  Pair() {
    REQUIRE_OK(primary->AddTracker("t"));
    REQUIRE_OK(copy->AddTracker("t"));
  }
  // Pulls the primary's feed into the copy, `limit` changes a batch; the
  // first pull (no cursor yet) is the feed from the beginning, as a replace.
  void Pull(size_t limit) {
    const bool from_start = cursor.empty();
    std::vector<std::string> bodies;
    ChangesResult r;
    do {
      bodies.push_back(ChangesBody(*primary, cursor, limit, &r));
      cursor = r.cursor;
      if (!from_start) {
        ApplyChangesReport report;
        REQUIRE_OK(copy->ApplyChanges("t", {bodies.back()}, {}, &report));
        CHECK(report.cursor == r.cursor);
      }
    } while (r.more);
    if (from_start) {
      std::vector<std::string_view> views(bodies.begin(), bodies.end());
      ApplyChangesOptions o;
      o.replace = true;
      REQUIRE_OK(copy->ApplyChanges("t", views, o, nullptr));
    }
  }
  TestStore primary, copy;
  std::string cursor;
};

TEST_CASE("a copy that applies the changes feed exports what the primary does",
          "[sync][apply_changes]") {
  Pair p;
  std::mt19937 rng(11);
  auto pick = [&](uint64_t n) {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
  };
  for (int round = 0; round < 30; ++round) {
    for (int op = 0; op < 8; ++op) {
      const uint64_t n = pick(40);
      const std::string pin = "/p/" + std::to_string(pick(10)) + "/";
      switch (pick(5)) {
        case 0:
        case 1:
          REQUIRE_OK(p.primary->Put("t",
                                    Rec(n, "m" + std::to_string(pick(3)), pin),
                                    Store::PutMode::kUpsert, kNow));
          break;
        case 2: {
          Status st = p.primary->Delete("t", TestId(n));
          CHECK((st.ok() || st.code() == Status::Code::kNotFound));
          break;
        }
        case 3:
          REQUIRE_OK(p.primary->AddCatalogItems("t", {pin}));
          break;
        case 4:
          REQUIRE_OK(p.primary->RemoveCatalogItems("t", {pin}));
          break;
      }
    }
    p.Pull(1 + pick(5));
    INFO("round " << round);
    REQUIRE(Pruned(*p.copy) == Pruned(*p.primary));
    REQUIRE(MustExport(*p.copy, Query("t")) ==
            MustExport(*p.primary, Query("t")));
  }
}

TEST_CASE("the feed from the beginning replaces the copy's records and catalog",
          "[sync][apply_changes]") {
  Pair p;
  REQUIRE_OK(
      p.primary->Put("t", Rec(1, "m", "/p/1/"), Store::PutMode::kCreate, kNow));
  REQUIRE_OK(p.primary->AddCatalogItems("t", {"/p/1/"}));
  // The copy holds things the primary never had.
  REQUIRE_OK(p.copy->Put("t", Rec(1, "stale", "/p/1/"), Store::PutMode::kCreate,
                         kNow));
  REQUIRE_OK(
      p.copy->Put("t", Rec(2, "m", "/p/2/"), Store::PutMode::kCreate, kNow));
  REQUIRE_OK(p.copy->AddCatalogItems("t", {"/p/2/"}));
  ChangesResult r;
  const std::string body = ChangesBody(*p.primary, "", 1000, &r);
  ApplyChangesOptions o;
  o.replace = true;
  o.sync_state = SyncState{"http://primary", "t", "", r.cursor};
  ApplyChangesReport report;
  REQUIRE_OK(p.copy->ApplyChanges("t", {body}, o, &report));
  CHECK(report.records.replaced == 1);
  CHECK(report.records.removed == 1);
  CHECK(report.records.removed_ids == std::vector<std::string>{TestId(2)});
  CHECK(report.catalog_added == 1);
  CHECK(report.catalog_removed == 1);
  CHECK(Pruned(*p.copy) == Pruned(*p.primary));
  auto contains = p.copy->CatalogContains("t", "/p/2/");
  REQUIRE_OK(contains);
  CHECK(!contains.value());
  auto state = p.copy->SyncStateOf("t");
  REQUIRE_OK(state);
  CHECK(state.value() == SyncState{"http://primary", "t", "", r.cursor});
}

TEST_CASE("a bad change is named with its field and nothing is applied",
          "[sync][apply_changes]") {
  Pair p;
  REQUIRE_OK(
      p.copy->Put("t", Rec(1, "m", "/p/1/"), Store::PutMode::kCreate, kNow));
  const std::string before = MustExport(*p.copy, Query("t"));
  const std::string bad =
      R"({"changes":[{"seq":"1","op":"delete","id":")" + TestId(1) +
      R"("},{"seq":"2","op":"upsert","customization":{"id":")" + TestId(2) +
      R"(","target_type":"all","pin_definitions":[]}}],"cursor":"1-2","more":false})";
  ApplyChangesOptions o;
  o.sync_state = SyncState{"u", "t", "", "1-2"};
  Status st = p.copy->ApplyChanges("t", {bad}, o, nullptr);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.field() == "changes[1].customization.model");
  st = p.copy->ApplyChanges(
      "t", {R"({"changes":[],"cursor":"1-0","more":false})", bad}, o, nullptr);
  CHECK(st.field() == "changes[1].customization.model");
  CHECK(st.message().rfind("batch 2: ", 0) == 0);
  st = p.copy->ApplyChanges(
      "t",
      {R"({"changes":[{"seq":"1","op":"rename","id":"x"}],"cursor":"1-1","more":false})"},
      o, nullptr);
  CHECK(st.field() == "changes[0].op");
  CHECK(MustExport(*p.copy, Query("t")) == before);
  auto state = p.copy->SyncStateOf("t");
  REQUIRE_OK(state);
  CHECK(state.value().empty());
}

}  // namespace
}  // namespace libexport::testing
