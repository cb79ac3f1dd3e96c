#include "libexport/query.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

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
  CHECK(q->models.empty());
  CHECK(q->tags.empty());
  CHECK(q->target_types.empty());
  CHECK(q->target_identities.empty());
  CHECK_FALSE(q->remove_expired_pins);
  CHECK_FALSE(q->remove_nonexisting_item_pins);
  CHECK_FALSE(q->prune_report);
  CHECK(q->now == Timestamp{42, 7});
  CHECK(q->representation == Representation{});
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
  CHECK(q->models == std::set<std::string>{"basket"});
  CHECK(q->tags == std::set<std::string>{"summer sale"});
  CHECK(q->target_types == std::set<TargetType>{TargetType::kItem});
  CHECK(q->target_identities == std::set<std::string>{"/p/123/?a=1%20"});
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

TEST_CASE("query: a repeated filter collects its values into a set",
          "[query]") {
  auto q = ParseExportQuery("t",
                            {{"model", "a"},
                             {"tag", "x"},
                             {"model", "b"},
                             {"model", "a"},
                             {"target_type", "all"},
                             {"target_type", "item"},
                             {"target_identity", "/p/1/"},
                             {"target_identity", "/p/2/"},
                             {"tag", "y"}},
                            Timestamp{});
  REQUIRE(q.ok());
  CHECK(q->models == std::set<std::string>{"a", "b"});
  CHECK(q->tags == std::set<std::string>{"x", "y"});
  CHECK(q->target_types ==
        std::set<TargetType>{TargetType::kItem, TargetType::kAll});
  CHECK(q->target_identities == std::set<std::string>{"/p/1/", "/p/2/"});
}

TEST_CASE("query: a boolean or as_of given twice is rejected naming it",
          "[query]") {
  for (const char* name : {"remove_expired_pins",
                           "remove_nonexisting_item_pins", "prune_report"}) {
    INFO(name);
    Status s = ParseError({{name, "true"}, {name, "true"}});
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.field() == name);
    CHECK(s.message() == "given more than once; give it once");
  }
  Status s = ParseError(
      {{"as_of", "2026-11-29T12:00:00Z"}, {"as_of", "2026-11-29T12:00:00Z"}});
  CHECK(s.field() == "as_of");
}

TEST_CASE("query: as_of replaces the server's instant", "[query]") {
  auto q = ParseExportQuery("t", {{"as_of", "2026-11-29T14:00:00.5+02:00"}},
                            Timestamp{42, 0});
  REQUIRE(q.ok());
  CHECK(q->now == Timestamp{1795953600, 500000000});
}

TEST_CASE("query: a bad as_of is rejected naming the parameter", "[query]") {
  for (const char* v : {"yesterday", "2026-11-29", "2026-11-29T12:00:00",
                        "2026-13-01T00:00:00Z"}) {
    INFO(v);
    Status s = ParseError({{"as_of", v}});
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.field() == "as_of");
  }
}

TEST_CASE("query: prune_report is a boolean and only goes with JSON",
          "[query]") {
  auto q = ParseExportQuery("t", {{"prune_report", "TRUE"}}, Timestamp{});
  REQUIRE(q.ok());
  CHECK(q->prune_report);
  Status s = ParseExportQuery("t", {{"prune_report", "true"}}, Timestamp{},
                              {ExportFormat::kNdjson, ContentCoding::kGzip})
                 .status();
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.field() == "prune_report");
  auto nd = ParseExportQuery("t", {{"prune_report", "false"}}, Timestamp{},
                             {ExportFormat::kNdjson, ContentCoding::kZstd});
  REQUIRE(nd.ok());
  CHECK(nd->representation ==
        Representation{ExportFormat::kNdjson, ContentCoding::kZstd});
}

TEST_CASE(
    "query: target_identity is accepted when one of the target_type values "
    "is item",
    "[query]") {
  CHECK(ParseExportQuery("t",
                         {{"target_type", "criteria"},
                          {"target_identity", "/p/1/"},
                          {"target_type", "item"}},
                         Timestamp{})
            .ok());
  Status s = ParseError({{"target_type", "criteria"},
                         {"target_identity", "/p/1/"},
                         {"target_type", "all"}});
  CHECK(s.field() == "target_identity");
  CHECK(s.message() ==
        "only customizations with target_type=item have a target_identity; "
        "it cannot be combined with target_type criteria, all alone");
}

TEST_CASE("query: an echoed value with invalid UTF-8 has its bytes replaced",
          "[query]") {
  Status s = ParseError({{"target_type",
                          "it\xff\xc3"
                          "em\xed\xa0\x80"}});
  CHECK(s.message() ==
        "must be one of item, criteria, all (case-sensitive), got "
        "\"it\xEF\xBF\xBD\xEF\xBF\xBD"
        "em\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  // Cut at 64 bytes, never inside a character.
  std::string long_value(63, 'a');
  long_value += "\xc3\xa9tail";
  s = ParseError({{"target_type", long_value}});
  CHECK(s.message().ends_with(std::string(63, 'a') + "\xc3\xa9...\""));
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
  q.now = Timestamp{42, 0};
  CHECK(ValidateExportQuery(q).ok());
  q.tracker_id = "bad id";
  CHECK(ValidateExportQuery(q).field() == "tracker_id");
  q.tracker_id = "shop-1";
  q.tags = {""};
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
