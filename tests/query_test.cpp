#include "libexport/query.h"

#include <catch2/catch.hpp>

namespace libexport {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

Status ParseError(const Params& p) {
  return ParseExportQuery("shop-1", p, Timestamp{}).status();
}

TEST_CASE("query: no parameters means no filters and no pruning", "[query]") {
  auto q = ParseExportQuery("shop-1", {}, Timestamp{42, 7});
  REQUIRE(q.ok());
  CHECK(q->tracker_id == "shop-1");
  CHECK_FALSE(q->model);
  CHECK_FALSE(q->tag);
  CHECK_FALSE(q->target_type);
  CHECK_FALSE(q->target_identity);
  CHECK_FALSE(q->remove_expired_pins);
  CHECK_FALSE(q->remove_nonexisting_item_pins);
  CHECK(q->now == Timestamp{42, 7});
}

TEST_CASE("query: every known parameter is parsed and unknown ones are ignored",
          "[query]") {
  auto q = ParseExportQuery("shop-1",
                            {{"model", "basket"},
                             {"tag", "summer sale"},
                             {"target_type", "item"},
                             {"target_identity", "/p/123/?a=1%20"},
                             {"remove_expired_pins", "TRUE"},
                             {"remove_nonexisting_item_pins", "1"},
                             {"utm_source", "x"},
                             {"utm_source", "y"}},
                            Timestamp{});
  REQUIRE(q.ok());
  CHECK(*q->model == "basket");
  CHECK(*q->tag == "summer sale");
  CHECK(*q->target_type == TargetType::kItem);
  CHECK(*q->target_identity == "/p/123/?a=1%20");
  CHECK(q->remove_expired_pins);
  CHECK(q->remove_nonexisting_item_pins);
}

TEST_CASE("query: booleans accept true false 1 0 in any letter case",
          "[query]") {
  for (const char* v : {"true", "True", "tRuE", "1"}) {
    auto q = ParseExportQuery("t", {{"remove_expired_pins", v}}, Timestamp{});
    REQUIRE(q.ok());
    CHECK(q->remove_expired_pins);
  }
  for (const char* v : {"false", "FALSE", "0"}) {
    auto q = ParseExportQuery("t", {{"remove_nonexisting_item_pins", v}},
                              Timestamp{});
    REQUIRE(q.ok());
    CHECK_FALSE(q->remove_nonexisting_item_pins);
  }
}

TEST_CASE("query: any other boolean value is rejected naming the parameter",
          "[query]") {
  for (const char* v : {"yes", "on", "2", "truee", " true"}) {
    INFO(v);
    Status s = ParseError({{"remove_expired_pins", v}});
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.field() == "remove_expired_pins");
  }
}

TEST_CASE("query: an empty value is rejected naming the parameter", "[query]") {
  for (const char* name : {"model", "tag", "target_type", "target_identity",
                           "remove_expired_pins"}) {
    INFO(name);
    Status s = ParseError({{name, ""}});
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.field() == name);
  }
}

TEST_CASE("query: target_type is case-sensitive", "[query]") {
  Status s = ParseError({{"target_type", "Item"}});
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.field() == "target_type");
  CHECK(s.ToString() ==
        "InvalidArgument: target_type: must be one of item, criteria, all "
        "(case-sensitive), got \"Item\"");
}

TEST_CASE("query: a repeated known parameter is rejected", "[query]") {
  Status s = ParseError({{"model", "a"}, {"model", "b"}});
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.field() == "model");
}

TEST_CASE(
    "query: target_identity with target_type criteria or all is a "
    "contradiction",
    "[query]") {
  for (const char* type : {"criteria", "all"}) {
    INFO(type);
    Status s =
        ParseError({{"target_identity", "/p/1/"}, {"target_type", type}});
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.field() == "target_identity");
  }
  CHECK(ParseExportQuery(
            "t", {{"target_identity", "/p/1/"}, {"target_type", "item"}},
            Timestamp{})
            .ok());
}

TEST_CASE("query: a long bad value is echoed truncated", "[query]") {
  Status s = ParseError({{"target_type", std::string(10000, 'x')}});
  CHECK(s.message().size() < 200);
}

TEST_CASE("query: ValidateExportQuery checks tracker ids and empty filters",
          "[query]") {
  ExportQuery q;
  q.tracker_id = "ok_id-1";
  CHECK(ValidateExportQuery(q).ok());
  q.tracker_id = "bad id";
  CHECK(ValidateExportQuery(q).field() == "tracker_id");
  q.tracker_id = "shop-1";
  q.tag = "";
  CHECK(ValidateExportQuery(q).field() == "tag");
}

TEST_CASE("query: tracker ids are 1-64 characters of letters digits _ and -",
          "[query]") {
  CHECK(IsValidTrackerId("a"));
  CHECK(IsValidTrackerId("Shop_01-eu"));
  CHECK(IsValidTrackerId(std::string(64, 'x')));
  CHECK_FALSE(IsValidTrackerId(""));
  CHECK_FALSE(IsValidTrackerId(std::string(65, 'x')));
  CHECK_FALSE(IsValidTrackerId("a/b"));
  CHECK_FALSE(IsValidTrackerId("a.b"));
  CHECK_FALSE(IsValidTrackerId("é"));
}

TEST_CASE("query: target type names round-trip", "[query]") {
  for (TargetType t :
       {TargetType::kItem, TargetType::kCriteria, TargetType::kAll}) {
    CHECK(ParseTargetType(TargetTypeName(t)) == t);
  }
  CHECK_FALSE(ParseTargetType("ALL"));
}

TEST_CASE("status: ToString names the code, the field and the message",
          "[status]") {
  CHECK(Status::Ok().ToString() == "OK");
  CHECK(Status::InvalidArgument("must be one of item, criteria, all",
                                "target_type")
            .ToString() ==
        "InvalidArgument: target_type: must be one of item, criteria, all");
  CHECK(Status::Corruption("record: bad").ToString() ==
        "Corruption: record: bad");
}

}  // namespace
}  // namespace libexport
