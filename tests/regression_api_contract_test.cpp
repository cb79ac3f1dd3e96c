// Regressions of the library's API promises (issue 9, item 7), each named
// after what broke: options of a second Store::Open silently ignored; an
// export or import without `now` silently evaluated at 1970; a full
// replacement that lost created_at; a Result built from an OK Status that
// was neither a value nor an error.
#include <catch2/catch.hpp>
#include <string>

#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

constexpr std::string_view kId = "00000000-0000-4000-8000-0000000000a1";

std::string Customization(std::string_view extra) {
  return std::string(R"({"id":")") + std::string(kId) +
         R"(","model":"m","target_type":"all","pin_definitions":[])" +
         std::string(extra) + "}";
}

std::string Member(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const size_t at = json.rfind(key);
  REQUIRE(at != std::string::npos);
  const size_t begin = at + key.size();
  return json.substr(begin, json.find('"', begin) - begin);
}

}  // namespace

TEST_CASE(
    "regression: Store::Open of an open path with other options is refused "
    "naming the option, instead of ignoring it",
    "[regression][lmdb]") {
  TempDir dir;
  auto first = Store::Open(dir.Sub("store"));
  REQUIRE_OK(first);
  REQUIRE_OK((*first)->AddTracker("t", "k"));

  struct Case {
    const char* field;
    StoreOptions options;
  };
  std::vector<Case> cases(6);
  cases[0] = {"read_only", {}};
  cases[0].options.read_only = true;
  cases[1] = {"max_map_size", {}};
  cases[1].options.max_map_size = 1 << 30;
  cases[2] = {"max_readers", {}};
  cases[2].options.max_readers = 16;
  cases[3] = {"sync", {}};
  cases[3].options.sync = false;
  cases[4] = {"tombstone_retention", {}};
  cases[4].options.tombstone_retention = std::chrono::seconds(60);
  cases[5] = {"clock", {}};
  cases[5].options.clock = [] { return kNow; };
  for (const Case& c : cases) {
    INFO(c.field);
    auto again = Store::Open(dir.Sub("store"), c.options);
    REQUIRE_FALSE(again.ok());
    CHECK(again.status().code() == Status::Code::kInvalidArgument);
    CHECK(again.status().field() == c.field);
    CHECK(again.status().message().find("already open") != std::string::npos);
  }
  // The open store is untouched (still writable), and the same options
  // (create_if_missing does not matter once the store exists) still give
  // the same instance.
  REQUIRE_OK((*first)->AddTracker("u", "k"));
  StoreOptions same;
  same.create_if_missing = false;
  auto again = Store::Open(dir.Sub("store"), same);
  REQUIRE_OK(again);
  CHECK(again->get() == first->get());
}

TEST_CASE(
    "regression: an export without now is refused naming now, instead of "
    "running at 1970",
    "[regression][query]") {
  TestStore s;
  LoadShop(*s.store);
  ExportQuery q;
  q.tracker_id = "shop";
  q.remove_expired_pins = true;
  auto out = s->ExportToString(q);
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Status::Code::kInvalidArgument);
  CHECK(out.status().field() == "now");
  auto etag = s->ExportEtag(q);
  REQUIRE_FALSE(etag.ok());
  CHECK(etag.status().field() == "now");
  CHECK(ValidateExportQuery(q).field() == "now");
  // ParseExportQuery sets it: the HTTP path always has one.
  auto parsed = ParseExportQuery("shop", {}, kNow);
  REQUIRE_OK(parsed);
  REQUIRE(parsed->now.has_value());
  CHECK(*parsed->now == kNow);
}

TEST_CASE(
    "regression: an import without now is refused naming now and changes "
    "nothing, instead of dating records 1970",
    "[regression][import]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t", "k"));
  const std::string before = MustExport(*s.store, Query("t"));
  ImportOptions o;  // no now
  ImportReport report;
  Status st = s->Import("t", Customization(""), o, &report);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.field() == "now");
  CHECK(report.inserted == 0);
  CHECK(MustExport(*s.store, Query("t")) == before);
}

TEST_CASE(
    "regression: a full replacement with Put keeps the stored created_at, "
    "instead of stamping it with now",
    "[regression][put]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t", "k"));
  const Timestamp created{1700000000, 0};  // 2023-11-14T22:13:20Z
  REQUIRE_OK(s->Put("t", Customization(""), Store::PutMode::kCreate, created));
  const std::string created_text = FormatRfc3339(created);

  // kReplace without created_at, then with another created_at: the stored
  // one stays; updated_at follows the replacement.
  REQUIRE_OK(s->Put("t", Customization(R"(,"creator":"bob")"),
                    Store::PutMode::kReplace, kNow));
  auto got = s->Get("t", kId, kNow);
  REQUIRE_OK(got);
  CHECK(Member(*got, "creator") == "bob");
  CHECK(Member(*got, "created_at") == created_text);
  CHECK(Member(*got, "updated_at") == FormatRfc3339(kNow));

  REQUIRE_OK(s->Put("t",
                    Customization(R"(,"created_at":"2020-01-01T00:00:00Z",)"
                                  R"("updated_at":"2027-01-01T00:00:00.5Z")"),
                    Store::PutMode::kReplace, kNow));
  got = s->Get("t", kId, kNow);
  REQUIRE_OK(got);
  CHECK(Member(*got, "created_at") == created_text);
  CHECK(Member(*got, "updated_at") == "2027-01-01T00:00:00.5Z");

  // kUpsert of the existing id too; an opaque member named created_at
  // earlier in the record does not confuse it.
  REQUIRE_OK(s->Put("t",
                    Customization(R"(,"target_metadata":{"created_at":"x"})"),
                    Store::PutMode::kUpsert, kNow));
  got = s->Get("t", kId, kNow);
  REQUIRE_OK(got);
  CHECK(Member(*got, "created_at") == created_text);
  CHECK(got->find(R"("target_metadata":{"created_at":"x"})") !=
        std::string::npos);
}

TEST_CASE(
    "regression: a Result built from an OK Status is an Internal error, not "
    "a Result with neither value nor error",
    "[regression][status]") {
  Result<int> r = Status::Ok();
  CHECK_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kInternal);
  CHECK(r.status().message() == "Result built from an OK Status");
  // Values and real errors are unchanged.
  Result<int> v = 7;
  REQUIRE(v.ok());
  CHECK(*v == 7);
  Result<int> e = Status::NotFound("x");
  CHECK(e.status().code() == Status::Code::kNotFound);
}

}  // namespace libexport::testing
