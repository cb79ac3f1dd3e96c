// Readers and a writer at once (issue 9, item 8): exports stream while
// imports, catalog changes and tracker removals commit in a loop; every
// export is byte for byte the export of one state the writer passed through
// (complete, ordered, one snapshot), or NotFound while the tracker is gone.
#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "demo_data.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

struct Documents {
  demo::DemoData a, b;
  std::vector<std::string> half_catalog;  // removed and added back
};

Documents MakeDocuments() {
  Documents d;
  demo::DemoOptions o;
  o.customizations = 150;
  o.catalog = 200;
  o.now = kNow;
  o.seed = 1;
  d.a = demo::GenerateDemo(o);
  o.seed = 2;
  d.b = demo::GenerateDemo(o);
  d.half_catalog.assign(d.a.catalog.begin(),
                        d.a.catalog.begin() + d.a.catalog.size() / 2);
  return d;
}

ImportOptions Replace() {
  ImportOptions o = Opts(ImportFormat::kNdjson);
  o.replace = true;
  return o;
}

// One cycle of the writer: every kind of write an export may meet. `after`
// runs after each step (while the tracker exists).
void WriterCycle(Store& s, const Documents& d,
                 const std::function<void()>& after) {
  ImportReport r;
  REQUIRE_OK(s.Import("t", d.a.ndjson, Replace(), &r));
  after();
  REQUIRE_OK(s.RemoveCatalogItems("t", d.half_catalog));
  after();
  REQUIRE_OK(s.AddCatalogItems("t", d.half_catalog));
  after();
  REQUIRE_OK(s.Import("t", d.b.ndjson, Replace(), &r));
  after();
  REQUIRE_OK(s.RemoveTracker("t"));
  REQUIRE_OK(s.AddTracker("t", std::string("k")));
  REQUIRE_OK(s.AddCatalogItems("t", d.a.catalog));
  after();
}

std::vector<ExportQuery> Queries() {
  std::vector<ExportQuery> q(2, Query("t"));
  q[1].remove_nonexisting_item_pins = true;  // reads the catalog too
  q[1].remove_expired_pins = true;
  return q;
}

}  // namespace

TEST_CASE(
    "exports running while imports, catalog changes and tracker removals "
    "commit each return exactly one state's export",
    "[lmdb][snapshot][faults]") {
  TestStore s;
  const Documents d = MakeDocuments();
  const std::vector<ExportQuery> queries = Queries();
  REQUIRE_OK(s->AddTracker("t", std::string("k")));
  REQUIRE_OK(s->AddCatalogItems("t", d.a.catalog));

  // Every state the writer passes through, and its exports.
  std::vector<std::set<std::string>> states(queries.size());
  auto record = [&] {
    for (size_t i = 0; i < queries.size(); ++i) {
      states[i].insert(MustExport(*s.store, queries[i]));
    }
  };
  record();
  WriterCycle(*s.store, d, record);
  REQUIRE(states[0].size() == 3);  // empty, a, b
  REQUIRE(states[1].size() == 4);  // empty, a, a with half its catalog, b

  std::atomic<bool> stop{false};
  std::atomic<int> exports{0}, not_found{0}, wrong{0};
  std::vector<std::set<size_t>> seen(queries.size());
  std::mutex seen_mu;
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      const size_t qi = static_cast<size_t>(t) % queries.size();
      while (!stop.load()) {
        StringSink sink;
        Status st = s->Export(queries[qi], sink);
        if (st.code() == Status::Code::kNotFound) {
          ++not_found;
          continue;
        }
        ++exports;
        auto it = states[qi].find(sink.out);
        if (!st.ok() || it == states[qi].end()) {
          ++wrong;
          continue;
        }
        std::lock_guard<std::mutex> lock(seen_mu);
        seen[qi].insert(
            static_cast<size_t>(std::distance(states[qi].begin(), it)));
      }
    });
  }
  for (int cycle = 0; cycle < 12; ++cycle) WriterCycle(*s.store, d, [] {});
  stop = true;
  for (auto& r : readers) r.join();
  INFO(exports.load() << " exports, " << not_found.load() << " NotFound");
  CHECK(wrong.load() == 0);
  CHECK(exports.load() > 0);
  // The readers met more than one state: the writes did interleave.
  CHECK(seen[0].size() + seen[1].size() >= 3);
  VerifyReport report;
  REQUIRE_OK(s->Verify("t", &report));
  CHECK(report.problems.empty());
}

}  // namespace libexport::testing
