// Export through the public API: filters alone and combined, the 422 rules
// as Store::Export answers them, unknown trackers, ordering, framing, stats
// and the ExportSink rules of store.h. Pruning lives in store_prune_test.cpp.
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "libexport/query.h"
#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

TEST_CASE(
    "an export without filters returns every record of the tracker ordered by "
    "id",
    "[export]") {
  TestStore s;
  LoadShop(*s);
  ExportStats stats;
  CHECK(MustExport(*s, Query("shop"), &stats) ==
        Doc({kOut1, kOut2, kOut3, kOut4, kOut5, kOut6}));
  CHECK(stats.records_matched == 6);
  CHECK(stats.records_scanned >= 6);
  CHECK(stats.pins_pruned_expired == 0);
  CHECK(stats.pins_pruned_missing == 0);
  CHECK(MustExport(*s, Query("other")) == Doc({kOutOther1}));
}

TEST_CASE("an export of a tracker without records is the empty document",
          "[export]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("empty"));
  ExportStats stats;
  CHECK(MustExport(*s, Query("empty"), &stats) == "{\"results\":[]}\n");
  CHECK(stats.records_matched == 0);
  CHECK(stats.bytes_written == std::string("{\"results\":[]}\n").size());
}

TEST_CASE("each filter alone selects exactly the matching records",
          "[export][filter]") {
  TestStore s;
  LoadShop(*s);

  struct Case {
    const char* name;
    ExportQuery query;
    std::string expected;
  };
  auto q = [] { return Query("shop"); };
  std::vector<Case> cases;
  {
    auto x = q();
    x.models = {"basket"};
    cases.push_back({"model=basket", x, Doc({kOut1, kOut2, kOut5})});
    x.models = {"item_detail_alternatives"};
    cases.push_back({"model=item_detail_alternatives", x, Doc({kOut3, kOut4})});
    x.models = {"search"};
    cases.push_back({"model=search", x, Doc({kOut6})});
  }
  {
    auto x = q();
    x.tags = {"sale"};
    cases.push_back({"tag=sale", x, Doc({kOut1, kOut2, kOut6})});
    x.tags = {"summer"};
    cases.push_back({"tag=summer", x, Doc({kOut1, kOut4})});
    x.tags = {"winter"};
    cases.push_back({"tag=winter", x, Doc({kOut5, kOut6})});
  }
  {
    auto x = q();
    x.target_types = {TargetType::kItem};
    cases.push_back({"target_type=item", x, Doc({kOut1, kOut4, kOut5})});
    x.target_types = {TargetType::kCriteria};
    cases.push_back({"target_type=criteria", x, Doc({kOut2})});
    x.target_types = {TargetType::kAll};
    cases.push_back({"target_type=all", x, Doc({kOut3, kOut6})});
  }
  {
    auto x = q();
    x.target_identities = {"/p/1/"};
    cases.push_back({"target_identity=/p/1/", x, Doc({kOut1, kOut5})});
    x.target_identities = {"/p/missing-target/"};
    cases.push_back({"target_identity=/p/missing-target/", x, Doc({kOut4})});
  }
  for (const Case& c : cases) {
    INFO(c.name);
    ExportStats stats;
    CHECK(MustExport(*s, c.query, &stats) == c.expected);
  }
}

TEST_CASE("filters combine with AND", "[export][filter]") {
  TestStore s;
  LoadShop(*s);

  auto x = Query("shop");
  x.models = {"basket"};
  x.tags = {"sale"};
  CHECK(MustExport(*s, x) == Doc({kOut1, kOut2}));

  x = Query("shop");
  x.tags = {"winter"};
  x.target_types = {TargetType::kAll};
  CHECK(MustExport(*s, x) == Doc({kOut6}));

  x = Query("shop");
  x.tags = {"sale"};
  x.target_types = {TargetType::kCriteria};
  CHECK(MustExport(*s, x) == Doc({kOut2}));

  x = Query("shop");
  x.models = {"basket"};
  x.target_types = {TargetType::kItem};
  x.target_identities = {"/p/1/"};
  CHECK(MustExport(*s, x) == Doc({kOut1, kOut5}));

  x.tags = {"winter"};
  ExportStats stats;
  CHECK(MustExport(*s, x, &stats) == Doc({kOut5}));
  CHECK(stats.records_matched == 1);

  x = Query("shop");
  x.models = {"item_detail_alternatives"};
  x.target_identities = {"/p/missing-target/"};
  CHECK(MustExport(*s, x) == Doc({kOut4}));
}

TEST_CASE("a filter value that matches nothing gives an empty document",
          "[export][filter]") {
  TestStore s;
  LoadShop(*s);
  const std::string empty = "{\"results\":[]}\n";

  auto x = Query("shop");
  x.models = {"nothing"};
  CHECK(MustExport(*s, x) == empty);

  x = Query("shop");
  x.models = {"Basket"};  // case-sensitive
  CHECK(MustExport(*s, x) == empty);

  x = Query("shop");
  x.tags = {"nothing"};
  CHECK(MustExport(*s, x) == empty);

  x = Query("shop");
  x.target_identities = {"/p/none/"};
  CHECK(MustExport(*s, x) == empty);

  x = Query("shop");
  x.target_identities = {"/p/10/"};  // a pinned item, not a target
  CHECK(MustExport(*s, x) == empty);

  // Each filter matches records alone; together nothing.
  x = Query("shop");
  x.models = {"search"};
  x.tags = {"summer"};
  ExportStats stats;
  CHECK(MustExport(*s, x, &stats) == empty);
  CHECK(stats.records_matched == 0);

  x = Query("shop");
  x.tags = {"summer"};
  x.target_types = {TargetType::kCriteria};
  CHECK(MustExport(*s, x) == empty);

  // A value of another field is not a match.
  x = Query("shop");
  x.tags = {"basket"};
  CHECK(MustExport(*s, x) == empty);
  x = Query("shop");
  x.models = {"sale"};
  CHECK(MustExport(*s, x) == empty);

  // A value that exists only in the other tracker.
  x = Query("other");
  x.tags = {"summer"};
  CHECK(MustExport(*s, x) == empty);
}

TEST_CASE(
    "an invalid query is InvalidArgument naming the parameter and writes "
    "nothing",
    "[export][422]") {
  TestStore s;
  LoadShop(*s);

  struct Case {
    const char* parameter;
    ExportQuery query;
  };
  std::vector<Case> cases;
  auto x = Query("shop");
  x.models = {""};
  cases.push_back({"model", x});
  x = Query("shop");
  x.tags = {""};
  cases.push_back({"tag", x});
  x = Query("shop");
  x.target_identities = {""};
  cases.push_back({"target_identity", x});
  x = Query("shop");
  x.target_types = {TargetType::kCriteria};
  x.target_identities = {"/p/1/"};
  cases.push_back({"target_identity", x});
  x = Query("shop");
  x.target_types = {TargetType::kAll};
  x.target_identities = {"/p/1/"};
  cases.push_back({"target_identity", x});

  for (const Case& c : cases) {
    INFO(c.parameter);
    StringSink sink;
    Status st = s->Export(c.query, sink);
    INFO(st.ToString());
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.field() == c.parameter);
    CHECK(sink.out.empty());
    auto r = s->ExportToString(c.query);
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    CHECK(r.status().field() == c.parameter);
  }
}

TEST_CASE(
    "query parameters the parser rejects name the parameter, and accepted ones "
    "export",
    "[export][422]") {
  TestStore s;
  LoadShop(*s);
  using Params = std::vector<std::pair<std::string, std::string>>;

  struct Bad {
    Params params;
    const char* parameter;
  };
  std::vector<Bad> bad = {
      {{{"target_type", "ITEM"}}, "target_type"},
      {{{"target_type", "bogus"}}, "target_type"},
      {{{"remove_expired_pins", "yes"}}, "remove_expired_pins"},
      {{{"remove_nonexisting_item_pins", "2"}}, "remove_nonexisting_item_pins"},
      {{{"model", ""}}, "model"},
      {{{"target_type", "all"}, {"target_identity", "/p/1/"}},
       "target_identity"},
  };
  for (const Bad& b : bad) {
    INFO(b.parameter);
    auto q = ParseExportQuery("shop", b.params, kNow);
    CHECK(q.status().code() == Status::Code::kInvalidArgument);
    CHECK(q.status().field() == b.parameter);
  }

  // Booleans in any letter case, unknown parameters ignored, AND of filters.
  auto q = ParseExportQuery("shop",
                            {{"model", "basket"},
                             {"target_type", "item"},
                             {"remove_expired_pins", "TRUE"},
                             {"remove_nonexisting_item_pins", "0"},
                             {"page", "2"}},
                            kNow);
  REQUIRE_OK(q);
  CHECK(MustExport(*s, q.value()) == Doc({kOut1Expired, kOut5Pruned}));
}

TEST_CASE("an export of an unknown tracker is NotFound and writes nothing",
          "[export]") {
  TestStore s;
  LoadShop(*s);
  StringSink sink;
  Status st = s->Export(Query("nobody"), sink);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kNotFound);
  CHECK(sink.out.empty());

  auto x = Query("nobody");
  x.models = {"basket"};
  CHECK(s->ExportToString(x).status().code() == Status::Code::kNotFound);
}

TEST_CASE("results are ordered by id whatever the insertion order",
          "[export][order]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // Inserted in descending order; ids differ in their first, middle and last
  // hex digits so that text order and byte order must agree.
  const char* ids[] = {
      "ffffffff-0000-4000-8000-000000000000",
      "a0000000-0000-4000-8000-000000000000",
      "0a000000-0000-4000-8000-000000000000",
      "00000000-0000-4000-8000-00000000000b",
      "00000000-0000-4000-8000-00000000000a",
      "00000000-0000-4000-8000-000000000009",
  };
  std::string ndjson;
  for (const char* id : ids) {
    ndjson +=
        std::string(R"({"id":")") + id +
        R"(","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})" +
        "\n";
  }
  MustImport(*s, "t", ndjson);
  auto rec = [](const char* id) {
    return std::string(R"({"id":")") + id +
           R"(","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})";
  };
  std::string expected = "{\"results\":[\n" + rec(ids[5]) + ",\n" +
                         rec(ids[4]) + ",\n" + rec(ids[3]) + ",\n" +
                         rec(ids[2]) + ",\n" + rec(ids[1]) + ",\n" +
                         rec(ids[0]) + "\n]}\n";
  CHECK(MustExport(*s, Query("t")) == expected);

  // The same order through an index walk.
  auto x = Query("t");
  x.models = {"m"};
  CHECK(MustExport(*s, x) == expected);
}

TEST_CASE(
    "an upper-case id on input is exported in lower case and ordered as such",
    "[export][order]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  MustImport(
      *s, "t",
      Lines(
          {R"({"id":"B0000000-0000-4000-8000-00000000000A","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})",
           R"({"id":"a0000000-0000-4000-8000-00000000000b","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})"}));
  CHECK(
      MustExport(*s, Query("t")) ==
      Doc({R"({"id":"a0000000-0000-4000-8000-00000000000b","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})",
           R"({"id":"b0000000-0000-4000-8000-00000000000a","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})"}));
}

TEST_CASE("two exports of the same data are byte-identical",
          "[export][order]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.remove_expired_pins = true;
  x.remove_nonexisting_item_pins = true;
  CHECK(MustExport(*s, x) == MustExport(*s, x));
  CHECK(MustExport(*s, Query("shop")) == MustExport(*s, Query("shop")));
}

TEST_CASE(
    "a sink receives the same bytes as ExportToString, and bytes_written "
    "counts them",
    "[export][sink]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // ~300 KiB of output, so the export needs several chunks.
  std::string ndjson;
  const std::string padding(200, 'x');
  for (int i = 0; i < 1000; ++i) {
    ndjson +=
        R"({"id":")" + TestId(i) +
        R"(","model":"m","target_type":"all","target_metadata":{"p":")" +
        padding +
        R"("},"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})" +
        "\n";
  }
  MustImport(*s, "t", ndjson);

  StringSink sink;
  ExportStats stats;
  REQUIRE_OK(s->Export(Query("t"), sink, &stats));
  CHECK(sink.chunks > 1);
  CHECK(stats.records_matched == 1000);
  CHECK(stats.bytes_written == sink.out.size());
  CHECK(sink.out == MustExport(*s, Query("t")));
  CHECK(sink.out.rfind("{\"results\":[\n", 0) == 0);
  const std::string last =
      R"({"id":")" + TestId(999) +
      R"(","model":"m","target_type":"all","target_metadata":{"p":")" +
      padding +
      R"("},"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})" +
      "\n]}\n";
  CHECK(sink.out.size() > last.size());
  CHECK(sink.out.substr(sink.out.size() - last.size()) == last);
}

TEST_CASE("a sink that returns false aborts the export", "[export][sink]") {
  TestStore s;
  LoadShop(*s);
  class Refuse : public ExportSink {
   public:
    bool Write(std::string_view) override {
      ++calls;
      return false;
    }
    int calls = 0;
  } sink;
  Status st = s->Export(Query("shop"), sink);
  INFO(st.ToString());
  CHECK(st.code() == Status::Code::kAborted);
  CHECK(sink.calls == 1);
  // The store is still usable afterwards.
  CHECK(MustExport(*s, Query("other")) == Doc({kOutOther1}));
}

TEST_CASE("a record larger than a sink chunk is exported whole",
          "[export][sink]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  const std::string big(200 * 1024, 'b');
  auto record = [&](int n) {
    return R"({"id":")" + TestId(n) +
           R"(","model":"m","target_type":"all","target_metadata":{"big":")" +
           big +
           R"("},"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
  };
  MustImport(*s, "t", Lines({record(1), record(2)}));
  auto out = [&](int n) {
    std::string r = record(n);
    return r.substr(0, r.size() - 1) + R"(,"available":false})";
  };
  StringSink sink;
  REQUIRE_OK(s->Export(Query("t"), sink));
  CHECK(sink.out == Doc({out(1), out(2)}));
}

TEST_CASE("a tag given twice matches its record once", "[export][filter]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  MustImport(
      *s, "t",
      Lines(
          {R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","tags":["a","b","a"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})"}));
  auto x = Query("t");
  x.tags = {"a"};
  ExportStats stats;
  CHECK(
      MustExport(*s, x, &stats) ==
      Doc({R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","tags":["a","b"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":false})"}));
  CHECK(stats.records_matched == 1);
}

TEST_CASE("a tracker whose records were all deleted exports the empty document",
          "[export]") {
  TestStore s;
  LoadShop(*s);
  for (int i = 1; i <= 6; ++i) REQUIRE_OK(s->Delete("shop", TestId(i)));
  CHECK(MustExport(*s, Query("shop")) == "{\"results\":[]}\n");
  auto x = Query("shop");
  x.tags = {"sale"};
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
  x = Query("shop");
  x.target_types = {TargetType::kItem};
  CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
  auto list = s->ListTrackers();
  REQUIRE_OK(list);
  for (const TrackerInfo& t : list.value()) {
    if (t.tracker_id == "shop") CHECK(t.customizations == 0);
  }
}

}  // namespace
}  // namespace libexport::testing
