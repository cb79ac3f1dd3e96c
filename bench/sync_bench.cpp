// Incremental sync vs full copy (issue 11): bringing a replica of an
// N-customization tracker up to date after 1,000 changed customizations,
// (a) by applying the changes feed since its cursor (Store::Changes +
// Store::ApplyChanges, what `exportctl sync` does against a libexport
// upstream), and (b) by a full unpruned export applied with replace
// (Store::Export + Store::Import{replace}, what it does against an
// export-only upstream). Both write the same 1,000 records; the store work
// of both sides is measured (the primary's Changes or Export, the
// replica's apply), not the network.
//
//   build/bench/libexport_sync_bench --benchmark_counters_tabular=true
//   LIBEXPORT_SYNC_BENCH_SIZE=1000000 build/bench/libexport_sync_bench
//
// Before timing, each case checks its result: the replica's export is
// byte-identical to the primary's.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "demo_data.h"
#include "libexport/store.h"

namespace libexport {
namespace {

constexpr size_t kChanges = 1000;
constexpr Timestamp kNow{1795953600, 0};  // 2026-11-29T12:00:00Z

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sync_bench: %s\n", what.c_str());
  std::exit(1);
}
void Check(const Status& st, const char* what) {
  if (!st.ok()) Die(std::string(what) + ": " + st.ToString());
}

class StringSink : public ExportSink {
 public:
  bool Write(std::string_view chunk) override {
    out.append(chunk);
    return true;
  }
  std::string out;
};

// A primary and a replica of tracker "t" with N demo customizations, and
// two changes documents of kChanges upserts each: `forward` takes the
// replica from version A to version B of those records, `back` from B to A
// (the primary's state).
struct Fixture {
  explicit Fixture(size_t n) {
    char tmpl[] = "/tmp/libexport-sync-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) Die("mkdtemp");
    dir = tmpl;
    StoreOptions o;
    o.sync = false;
    primary = Open(dir + "/primary", o);
    replica = Open(dir + "/replica", o);
    demo::DemoOptions d;
    d.customizations = n;
    d.catalog = 1000;
    d.now = kNow;
    demo::DemoData data = demo::GenerateDemo(d);
    ImportOptions io;
    io.format = ImportFormat::kNdjson;
    io.now = kNow;
    Check(primary->Import("t", data.ndjson, io, nullptr), "import");
    Check(replica->Import("t", data.ndjson, io, nullptr), "import replica");
    // The first kChanges lines, rewritten with another model: version B.
    std::vector<std::string> a, b;
    size_t at = 0;
    for (size_t i = 0; i < kChanges && at < data.ndjson.size(); ++i) {
      const size_t nl = data.ndjson.find('\n', at);
      a.push_back(data.ndjson.substr(at, nl - at));
      at = nl + 1;
      std::string changed = a.back();
      const size_t m = changed.find("\"model\":\"");
      changed.insert(m + 9, "synced_");
      b.push_back(std::move(changed));
    }
    auto cursor = primary->LatestCursor("t");
    Check(cursor.status(), "cursor");
    for (const std::string& r : b) {
      Check(primary->Put("t", r, Store::PutMode::kReplace, kNow).status(),
            "put");
    }
    forward = ChangesSince(*cursor);
    auto middle = primary->LatestCursor("t");
    Check(middle.status(), "cursor");
    middle_cursor = *middle;
    for (const std::string& r : a) {
      Check(primary->Put("t", r, Store::PutMode::kReplace, kNow).status(),
            "put");
    }
    back = ChangesSince(*middle);
  }
  ~Fixture() {
    primary.reset();
    replica.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  static std::shared_ptr<Store> Open(const std::string& path,
                                     const StoreOptions& o) {
    auto s = Store::Open(path, o);
    Check(s.status(), "open");
    Check((*s)->AddTracker("t", "bench-key-0123456789").status(), "tracker");
    return *s;
  }

  std::string ChangesSince(const std::string& since) const {
    ChangesQuery q;
    q.tracker_id = "t";
    q.since = since;
    q.limit = kChanges;
    StringSink sink;
    ChangesResult r;
    Check(primary->Changes(q, sink, &r), "changes");
    if (r.changes != kChanges || r.more) Die("unexpected changes count");
    return sink.out;
  }

  std::string Export(const Store& s) const {
    ExportQuery q;
    q.tracker_id = "t";
    q.now = kNow;
    auto out = s.ExportToString(q);
    Check(out.status(), "export");
    return *out;
  }

  void Apply(const std::string& body) {
    ApplyChangesReport report;
    Check(replica->ApplyChanges("t", {body}, {}, &report), "apply");
    if (report.records.replaced != kChanges) Die("apply wrote too little");
  }
  void FullCopy() {
    StringSink sink;
    ExportQuery q;
    q.tracker_id = "t";
    q.now = kNow;
    Check(primary->Export(q, sink), "export");
    ImportOptions io;
    io.format = ImportFormat::kJson;
    io.replace = true;
    io.now = kNow;
    ImportReport report;
    Check(replica->Import("t", sink.out, io, &report), "replace");
    if (report.replaced != kChanges) Die("replace wrote too little");
  }

  std::string dir;
  std::shared_ptr<Store> primary, replica;
  std::string forward, back;
  std::string middle_cursor;  // where `back` starts
};

size_t Size() {
  const char* v = std::getenv("LIBEXPORT_SYNC_BENCH_SIZE");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 20000;
}

Fixture& Shared() {
  static Fixture* f = new Fixture(Size());
  return *f;
}

void BM_IncrementalSync1000(benchmark::State& state) {
  Fixture& f = Shared();
  f.Apply(f.forward);
  f.Apply(f.back);
  if (f.Export(*f.replica) != f.Export(*f.primary)) Die("incremental differs");
  for (auto _ : state) {
    state.PauseTiming();
    f.Apply(f.forward);
    state.ResumeTiming();
    f.Apply(f.ChangesSince(f.middle_cursor));  // the primary's side too
  }
  state.counters["customizations"] = static_cast<double>(Size());
}

void BM_FullExportReplace(benchmark::State& state) {
  Fixture& f = Shared();
  f.Apply(f.forward);
  f.FullCopy();
  if (f.Export(*f.replica) != f.Export(*f.primary)) Die("full copy differs");
  for (auto _ : state) {
    state.PauseTiming();
    f.Apply(f.forward);
    state.ResumeTiming();
    f.FullCopy();
  }
  state.counters["customizations"] = static_cast<double>(Size());
}

BENCHMARK(BM_IncrementalSync1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullExportReplace)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace libexport

BENCHMARK_MAIN();
