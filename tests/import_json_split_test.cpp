// The JSON import document is split into its elements and each is parsed on
// its own; anything but the plain {"results":[{...},...]} shape, or an
// element that is not valid JSON, must report exactly what a parse of the
// whole document reports.
#include <catch2/catch.hpp>
#include <string>

#include "libexport/store.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

std::string Record(uint64_t n, std::string_view criteria = "{}") {
  return R"({"id":")" + TestId(n) +
         R"(","model":"m","target_type":"criteria","target_criteria":)" +
         std::string(criteria) + R"(,"pin_definitions":[]})";
}

ImportReport Import(Store& store, const std::string& doc, Status* st) {
  ImportReport report;
  *st = store.Import("t", doc, Opts(ImportFormat::kJson), &report);
  return report;
}

TEST_CASE("a bad element's JSON error is the document's, not a record's",
          "[import][validation]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // Element 0 is valid JSON but not a valid customization; element 1 is not
  // JSON. The whole document is invalid JSON: only that is reported.
  const std::string doc =
      R"({"results":[{"id":"x","pin_definitions":[]},{"id":]})";
  Status st;
  ImportReport report = Import(*s, doc, &st);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "document");
  CHECK(report.errors[0].field == "");
  CHECK(report.errors[0].message.rfind("invalid JSON: ", 0) == 0);
}

TEST_CASE("other document shapes are read strictly and reported",
          "[import][validation]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  Status st;
  // Another top-level member next to results is ignored: only the bad
  // record is reported.
  ImportReport report =
      Import(*s, R"({"results":[{"model":"m"}],"next":null})", &st);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "results[0]");
  // A scalar element.
  report = Import(*s, R"({"results":[1]})", &st);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "results[0]");
  CHECK(report.errors[0].message ==
        "a customization must be a JSON object, got 1");
  // Trailing bytes after the document.
  report = Import(*s, "{\"results\":[" + Record(1) + "]} x", &st);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "document");
  CHECK(report.errors[0].message.rfind("invalid JSON: ", 0) == 0);
}

TEST_CASE("elements with braces and quotes inside strings split correctly",
          "[import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  const std::string doc = " \n{ \"results\" :\t[\n" +
                          Record(1, R"({"v":"}]\"{[\\","w":[{"x":"]"}]})") +
                          " ,\n" + Record(2) + ",\r\n" +
                          Record(3, R"({"v":"\\"})") + "\n] }\n";
  Status st;
  ImportReport report = Import(*s, doc, &st);
  REQUIRE_OK(st);
  CHECK(report.inserted == 3);
  const std::string out = MustExport(*s, Query("t"));
  CHECK(out.find(R"("target_criteria":{"v":"}]\"{[\\","w":[{"x":"]"}]})") !=
        std::string::npos);
  CHECK(out.find(R"("target_criteria":{"v":"\\"})") != std::string::npos);
}

TEST_CASE("a repeated id in a JSON document names both elements",
          "[import][validation]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  Status st;
  ImportReport report = Import(
      *s,
      "{\"results\":[" + Record(7) + "," + Record(8) + "," + Record(7) + "]}",
      &st);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].location == "results[2]");
  CHECK(report.errors[0].message ==
        "duplicate id " + TestId(7) + ", also at results[0]");
}

TEST_CASE("index entries are appended only past the index's last key",
          "[import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  REQUIRE_OK(s->AddTracker("u"));  // sorts after t
  // `salt` changes the records' criteria: an override rewrites only records
  // that differ from the stored ones.
  auto doc = [](uint64_t from, uint64_t to, uint64_t salt = 0) {
    std::string out = "{\"results\":[";
    for (uint64_t n = from; n < to; ++n) {
      if (n > from) out += ",";
      out += Record(n, R"({"n":)" + std::to_string((n + salt) % 7) + "}");
    }
    return out + "]}";
  };
  Status st;
  Import(*s, doc(0, 300), &st);  // t: appended (the index is empty)
  REQUIRE_OK(st);
  ImportReport report;
  REQUIRE_OK(s->Import("u", doc(0, 300), Opts(ImportFormat::kJson), &report));
  // t again: its keys are no longer past the index's end (u's are).
  Import(*s, doc(300, 600), &st);
  REQUIRE_OK(st);
  ImportOptions override_opts =
      Opts(ImportFormat::kJson, OnConflict::kOverride);
  REQUIRE_OK(s->Import("t", doc(100, 400, 1), override_opts, &report));
  CHECK(report.replaced == 300);
  for (const char* tracker : {"t", "u"}) {
    INFO(tracker);
    VerifyReport verify;
    REQUIRE_OK(s->Verify(tracker, &verify));
    CHECK(verify.problems.empty());
  }
}

}  // namespace
}  // namespace libexport::testing
