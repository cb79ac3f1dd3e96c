// Store::Import as a restore of a whole tracker (ImportOptions::catalog_add,
// create_tracker): the tracker, its catalog and its customizations commit
// in one transaction or not at all.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shop_fixture.h"

namespace libexport::testing {
namespace {

ImportOptions Restore() {
  ImportOptions o = Opts(ImportFormat::kNdjson);
  o.catalog_add = {"/p/1/", "/p/10/", "/p/11/"};
  o.create_tracker = true;
  return o;
}

std::string Pruned(const Store& s, const std::string& tracker) {
  ExportQuery q = Query(tracker);
  q.remove_nonexisting_item_pins = true;
  return MustExport(s, q);
}

TEST_CASE(
    "an import with create_tracker and catalog_add creates the tracker with "
    "its catalog and customizations in one write",
    "[import][restore]") {
  TestStore shop;
  LoadShop(*shop);
  TestStore s;
  ImportOptions o = Restore();
  o.tracker_key = "a-key-given-by-the-file";
  ImportReport r =
      MustImport(*s, "copy", Lines({kIn1, kIn2, kIn3, kIn4, kIn5, kIn6}), o);
  CHECK(r.tracker_created);
  CHECK(r.tracker_key.empty());  // given, not generated
  CHECK(r.inserted == 6);
  CHECK(r.catalog_added == 3);
  CHECK(s->TrackerKey("copy").value() == "a-key-given-by-the-file");
  CHECK(Pruned(*s, "copy") == Pruned(*shop, "shop"));
  std::vector<std::string> ops;
  REQUIRE_OK(s->ReadAuditLog({}, [&](const AuditLogEntry& e) {
    ops.push_back(e.op);
    return true;
  }));
  CHECK(ops == std::vector<std::string>{"import"});

  // Into the existing tracker: nothing created, the known identities are
  // not added again.
  o.on_conflict = OnConflict::kOverride;
  o.catalog_add = {"/p/1/", "/p/2/"};
  r = MustImport(*s, "copy", Lines({kIn1}), o);
  CHECK(!r.tracker_created);
  CHECK(r.catalog_added == 1);
  CHECK(r.unchanged == 1);
  CHECK(s->TrackerKey("copy").value() == "a-key-given-by-the-file");

  // Without a key: a generated one, given back once.
  o = Restore();
  r = MustImport(*s, "fresh", Lines({kIn4}), o);
  CHECK(r.tracker_created);
  CHECK(r.tracker_key.size() == 64);
  CHECK(s->TrackerKey("fresh").value() == r.tracker_key);
}

TEST_CASE(
    "a restore that fails on a bad record, a conflict or a bad identity "
    "leaves no tracker, no catalog and no audit log entry",
    "[import][restore]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  REQUIRE_OK(s->Put("t", kIn1, Store::PutMode::kCreate, kNow));
  const std::string cursor = s->LatestCursor("t").value();
  auto log_size = [&] {
    size_t n = 0;
    REQUIRE_OK(s->ReadAuditLog({}, [&](const AuditLogEntry&) {
      ++n;
      return true;
    }));
    return n;
  };
  const size_t entries = log_size();
  ImportReport r;
  // A conflict, found inside the write transaction, after the tracker was
  // created and before the catalog was written: all of it rolled back.
  CHECK(s->Import("t", Lines({kIn2, kIn1}), Restore(), &r).code() ==
        Status::Code::kAlreadyExists);
  CHECK(s->LatestCursor("t").value() == cursor);
  std::vector<std::string> catalog;
  REQUIRE_OK(s->ListCatalog("t", &catalog));
  CHECK(catalog.empty());
  CHECK(s->Import("new", Lines({kIn2, "{nope"}), Restore(), &r).code() ==
        Status::Code::kInvalidArgument);
  ImportOptions o = Restore();
  o.catalog_add.push_back(std::string(1025, 'x'));
  Status st = s->Import("new", Lines({kIn2}), o, &r);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.field() == "catalog");
  CHECK(st.message() ==
        "catalog: identity 4 is 1025 bytes; identities are 1 to 1024 bytes");
  o.catalog_add = Restore().catalog_add;
  o.tracker_key = "";
  CHECK(s->Import("new", Lines({kIn2}), o, &r).field() == "key");
  CHECK(s->ListTrackers().value().size() == 1);
  CHECK(s->TrackerKey("new").status().code() == Status::Code::kNotFound);
  CHECK(log_size() == entries);
  // Without create_tracker a missing tracker is still NotFound.
  o = Opts(ImportFormat::kNdjson);
  CHECK(s->Import("new", Lines({kIn2}), o, &r).code() ==
        Status::Code::kNotFound);
}

TEST_CASE("a dry run of a restore says it would create the tracker",
          "[import][restore]") {
  TestStore s;
  ImportOptions o = Restore();
  o.dry_run = true;
  ImportReport r;
  REQUIRE_OK(s->Import("t", Lines({kIn1, kIn2}), o, &r));
  CHECK(r.tracker_created);
  CHECK(r.inserted == 2);
  CHECK(r.tracker_key.empty());
  CHECK(s->ListTrackers().value().empty());
}

}  // namespace
}  // namespace libexport::testing
