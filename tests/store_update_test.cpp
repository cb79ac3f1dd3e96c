// Store::Update (the HTTP PUT's full replacement) and Store::Summary.
#include <catch2/catch.hpp>
#include <string>

#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

const std::string kId1 = "00000000-0000-4000-8000-000000000001";

std::string Cursor(Store& s) {
  auto c = s.LatestCursor("shop");
  REQUIRE_OK(c);
  return c.value();
}

TEST_CASE(
    "Update keeps created_at, sets updated_at, takes one seq and none when "
    "nothing changes",
    "[store][update]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));
  const std::string before = Cursor(*s);
  const Timestamp later{kNow.seconds + 3600, 0};
  const std::string body =
      R"({"model":"search","target_type":"all","pin_definitions":[],"created_at":"2000-01-01T00:00:00Z"})";
  REQUIRE_OK(s->Update("shop", kId1, body, later));
  auto got = s->Get("shop", kId1, kNow);
  REQUIRE_OK(got);
  CHECK(
      got.value() ==
      R"({"id":")" + kId1 +
          R"(","model":"search","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-11-29T13:00:00Z","available":false})");
  const std::string after = Cursor(*s);
  CHECK(after != before);
  // The same replacement at the same instant is byte-identical: no seq.
  REQUIRE_OK(s->Update("shop", kId1, body, later));
  CHECK(Cursor(*s) == after);
}

TEST_CASE(
    "Update refuses a missing id, another id in the body and a bad record, "
    "changing nothing",
    "[store][update]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));
  const std::string before = Cursor(*s);
  const std::string ok_body =
      R"({"model":"m","target_type":"all","pin_definitions":[]})";
  CHECK(s->Update("shop", "00000000-0000-4000-8000-0000000000ff", ok_body, kNow)
            .code() == Status::Code::kNotFound);
  CHECK(s->Update("nosuch", kId1, ok_body, kNow).code() ==
        Status::Code::kNotFound);
  Status other = s->Update(
      "shop", kId1,
      R"({"id":"00000000-0000-4000-8000-000000000002","model":"m","target_type":"all","pin_definitions":[]})",
      kNow);
  CHECK(other.code() == Status::Code::kInvalidArgument);
  CHECK(other.field() == "id");
  Status bad =
      s->Update("shop", kId1, R"({"model":"m","target_type":"all"})", kNow);
  CHECK(bad.code() == Status::Code::kInvalidArgument);
  CHECK(bad.field() == "pin_definitions");
  CHECK(s->Update("shop", "nope", ok_body, kNow).field() == "id");
  CHECK(Cursor(*s) == before);
  auto got = s->Get("shop", kId1, kNow);
  REQUIRE_OK(got);
  CHECK(got.value() == kOut1);
}

TEST_CASE(
    "Summary counts per model and lists distinct tags, and follows deletes "
    "and updates",
    "[store][summary]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  for (auto in : {kIn1, kIn2, kIn3, kIn4, kIn5, kIn6})
    REQUIRE_OK(s->Put("shop", in, Store::PutMode::kCreate, kNow));
  CustomizationSummary sum;
  REQUIRE_OK(s->Summary("shop", &sum));
  using Counts = std::vector<std::pair<std::string, uint64_t>>;
  CHECK(sum.scope_counts ==
        Counts{{"basket", 3}, {"item_detail_alternatives", 2}, {"search", 1}});
  CHECK(sum.user_tags == std::vector<std::string>{"sale", "summer", "winter"});
  REQUIRE_OK(s->Update(
      "shop", kId1,
      R"({"model":"search","target_type":"all","tags":["fresh"],"pin_definitions":[]})",
      kNow));
  REQUIRE_OK(s->Delete("shop", "00000000-0000-4000-8000-000000000004"));
  REQUIRE_OK(s->Summary("shop", &sum));
  CHECK(sum.scope_counts ==
        Counts{{"basket", 2}, {"item_detail_alternatives", 1}, {"search", 2}});
  CHECK(sum.user_tags == std::vector<std::string>{"fresh", "sale", "winter"});
  CHECK(s->Summary("nosuch", &sum).code() == Status::Code::kNotFound);
}

}  // namespace
}  // namespace libexport::testing
