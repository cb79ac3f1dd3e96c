// Import modes: replace (the tracker's customizations become exactly the
// document's, in one transaction) and dry run (a report, no change), and the
// "unchanged" records that neither rewrites.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libexport/store.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

// Customization TestId(n) of model `model`, with fixed times.
std::string Rec(uint64_t n, std::string_view model = "m",
                std::string_view updated_at = "2026-01-01T00:00:00Z") {
  return R"({"id":")" + TestId(n) + R"(","model":")" + std::string(model) +
         R"(","target_type":"all","pin_definitions":[],"created_at":"2025-06-01T10:00:00Z","updated_at":")" +
         std::string(updated_at) + R"("})";
}

std::string Ndjson(const std::vector<std::string>& records) {
  std::string out;
  for (const std::string& r : records) out += r + "\n";
  return out;
}

ImportOptions Replace(bool dry_run = false) {
  ImportOptions o = Opts(ImportFormat::kNdjson);
  o.replace = true;
  o.dry_run = dry_run;
  return o;
}

// A tracker "t" holding records 1..4 (model m) and a tracker "u" holding 1.
struct Fixture {
  Fixture() {
    REQUIRE_OK(s->AddTracker("t"));
    REQUIRE_OK(s->AddTracker("u"));
    MustImport(*s, "t", Ndjson({Rec(1), Rec(2), Rec(3), Rec(4)}));
    MustImport(*s, "u", Ndjson({Rec(1)}));
  }
  std::string Export(std::string_view tracker = "t") const {
    return MustExport(*s, Query(tracker));
  }
  TestStore s;
};

TEST_CASE("replace removes the ids the document lacks and keeps the others",
          "[import][replace]") {
  Fixture f;
  const std::string u_before = f.Export("u");
  // 1 stays as it is, 2 changes, 3 and 4 are gone, 5 is new.
  ImportReport r =
      MustImport(*f.s, "t", Ndjson({Rec(1), Rec(2, "n"), Rec(5)}), Replace());
  CHECK(r.inserted == 1);
  CHECK(r.replaced == 1);
  CHECK(r.unchanged == 1);
  CHECK(r.removed == 2);
  CHECK(r.inserted_ids == std::vector<std::string>{TestId(5)});
  CHECK(r.replaced_ids == std::vector<std::string>{TestId(2)});
  CHECK(r.removed_ids == std::vector<std::string>{TestId(3), TestId(4)});
  const std::string expected = Doc(
      {R"({"id":")" + TestId(1) +
           R"(","model":"m","target_type":"all","pin_definitions":[],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})",
       R"({"id":")" + TestId(2) +
           R"(","model":"n","target_type":"all","pin_definitions":[],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})",
       R"({"id":")" + TestId(5) +
           R"(","model":"m","target_type":"all","pin_definitions":[],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})"});
  CHECK(f.Export() == expected);
  CHECK(f.Export("u") == u_before);  // another tracker's same id untouched
  auto trackers = f.s->ListTrackers();
  REQUIRE_OK(trackers);
  CHECK(trackers.value()[0].customizations == 3);
}

TEST_CASE("replace with an empty document empties the tracker",
          "[import][replace]") {
  Fixture f;
  ImportReport r = MustImport(*f.s, "t", "", Replace());
  CHECK(r.removed == 4);
  CHECK(f.Export() == "{\"results\":[]}\n");
  VerifyReport verify;
  REQUIRE_OK(f.s->Verify("t", &verify));
  CHECK(verify.problems.empty());
}

TEST_CASE("replace ignores on_conflict=raise and ignore", "[import][replace]") {
  for (OnConflict c : {OnConflict::kRaise, OnConflict::kIgnore}) {
    Fixture f;
    ImportOptions o = Replace();
    o.on_conflict = c;
    ImportReport r = MustImport(*f.s, "t", Ndjson({Rec(2, "n")}), o);
    CHECK(r.replaced == 1);
    CHECK(r.removed == 3);
    CHECK(f.Export().find(R"("model":"n")") != std::string::npos);
  }
}

TEST_CASE("a bad record in a replace changes nothing", "[import][replace]") {
  Fixture f;
  const std::string before = f.Export();
  ImportReport r;
  Status st = f.s->Import(
      "t", Ndjson({Rec(1), R"({"model":"m","target_type":"nope"})"}), Replace(),
      &r);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].location == "line 2");
  CHECK(r.errors[0].field == "target_type");
  CHECK(r.removed == 0);
  CHECK(f.Export() == before);
}

TEST_CASE("a dry run changes nothing and reports what the import would do",
          "[import][dry_run]") {
  Fixture f;
  const std::string before = f.Export();
  const std::string doc = Ndjson({Rec(1), Rec(2, "n"), Rec(5)});

  SECTION("of a replace") {
    ImportReport r = MustImport(*f.s, "t", doc, Replace(/*dry_run=*/true));
    CHECK(r.inserted == 1);
    CHECK(r.replaced == 1);
    CHECK(r.unchanged == 1);
    CHECK(r.removed == 2);
    CHECK(r.removed_ids == std::vector<std::string>{TestId(3), TestId(4)});
  }
  SECTION("of an override") {
    ImportOptions o = Opts(ImportFormat::kNdjson, OnConflict::kOverride);
    o.dry_run = true;
    ImportReport r = MustImport(*f.s, "t", doc, o);
    CHECK(r.inserted == 1);
    CHECK(r.replaced == 1);
    CHECK(r.unchanged == 1);
    CHECK(r.removed == 0);
  }
  SECTION("of a raise that would fail") {
    ImportOptions o = Opts(ImportFormat::kNdjson);
    o.dry_run = true;
    ImportReport r;
    Status st = f.s->Import("t", doc, o, &r);
    CHECK(st.code() == Status::Code::kAlreadyExists);
    CHECK(r.inserted == 1);
    CHECK(r.error_count == 2);
  }
  SECTION("with a bad record: the valid ones counted, the bad one rejected") {
    ImportReport r;
    Status st = f.s->Import("t", doc + "{\"model\":1}\n",
                            Replace(/*dry_run=*/true), &r);
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(r.error_count == 1);
    CHECK(r.inserted == 1);
    CHECK(r.removed == 2);
  }
  CHECK(f.Export() == before);
}

TEST_CASE("a byte-identical record is unchanged, a new updated_at is a change",
          "[import]") {
  Fixture f;
  ImportOptions o = Opts(ImportFormat::kNdjson, OnConflict::kOverride);
  ImportReport r = MustImport(
      *f.s, "t", Ndjson({Rec(1), Rec(2, "m", "2026-02-01T00:00:00Z")}), o);
  CHECK(r.unchanged == 1);
  CHECK(r.replaced == 1);
  CHECK(r.replaced_ids == std::vector<std::string>{TestId(2)});
}

TEST_CASE("imported and upserted records keep the times the document gives",
          "[import]") {
  Fixture f;
  // Import, override and Put (upsert and replace) at a `now` far from the
  // document's times: the stored times are the document's.
  const std::string doc = Rec(7, "m", "2026-03-03T03:03:03Z");
  MustImport(*f.s, "t", doc + "\n",
             Opts(ImportFormat::kNdjson, OnConflict::kOverride));
  const std::string times =
      R"("created_at":"2025-06-01T10:00:00Z","updated_at":"2026-03-03T03:03:03Z")";
  auto got = f.s->Get("t", TestId(7), kNow);
  REQUIRE_OK(got);
  CHECK(got.value().find(times) != std::string::npos);
  for (Store::PutMode mode :
       {Store::PutMode::kUpsert, Store::PutMode::kReplace}) {
    REQUIRE_OK(f.s->Put("t", doc, mode, kNow));
    got = f.s->Get("t", TestId(7), kNow);
    REQUIRE_OK(got);
    CHECK(got.value().find(times) != std::string::npos);
  }
}

TEST_CASE("the id lists of a report keep the first kMaxReportedIds",
          "[import][replace]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  std::string doc;
  for (uint64_t n = 0; n < kMaxReportedIds + 5; ++n) doc += Rec(n) + "\n";
  ImportReport r = MustImport(*s, "t", doc, Replace());
  CHECK(r.inserted == kMaxReportedIds + 5);
  REQUIRE(r.inserted_ids.size() == kMaxReportedIds);
  CHECK(r.inserted_ids.front() == TestId(0));
  r = MustImport(*s, "t", "", Replace());
  CHECK(r.removed == kMaxReportedIds + 5);
  CHECK(r.removed_ids.size() == kMaxReportedIds);
}

}  // namespace
}  // namespace libexport::testing
