// Engine export benchmarks with their baselines, in one run: the LMDB floor
// (a cursor walk copying the stored bytes) and the SQLite peer (JSON text +
// SQL). Every case checks its output against the reference answer (computed
// from the NDJSON, not by the engine) before it is timed; a wrong output is
// SkipWithError and makes the process exit 1.
//
//   libexport_bench [--sizes=1000,10000,100000,1000000] [--peer-max-size=N]
//                   [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "bench_cases.h"
#include "bench_dataset.h"

namespace libexport::bench {
namespace {

std::atomic<int> g_failures{0};

void Fail(benchmark::State& state, const std::string& what) {
  std::fprintf(stderr, "WRONG OUTPUT: %s\n", what.c_str());
  ++g_failures;
  state.SkipWithError(what.c_str());
}

DataSet* Prepare(benchmark::State& state) {
  DataSet* d = GetDataSet(static_cast<size_t>(state.range(0)));
  if (!d->error.empty()) {
    Fail(state, "data set " + std::to_string(state.range(0)) + ": " + d->error);
    return nullptr;
  }
  return d;
}

// The verdict of `check` ("" when the output is right), computed once per key:
// Google Benchmark calls a benchmark several times while it picks an
// iteration count, and main() verifies every selected case before any timing.
template <typename Check>
const std::string& Verdict(const std::string& key, Check check) {
  static auto* verdicts = new std::map<std::string, std::string>();
  auto it = verdicts->find(key);
  if (it == verdicts->end()) it = verdicts->emplace(key, check()).first;
  return it->second;
}

template <typename Check>
bool VerifiedOnce(benchmark::State& state, const std::string& key,
                  Check check) {
  const std::string& verdict = Verdict(key, check);
  if (verdict.empty()) return true;
  Fail(state, key + ": " + verdict);
  return false;
}

// LIBEXPORT_BENCH_INJECT_FAULT=1 drops one expected result, to prove that a
// wrong output fails the run.
std::vector<std::string> Expected(const DataSet& d, const Filters& f,
                                  const Pruning& p) {
  std::vector<std::string> e = d.reference.Expected(f, p, kBenchNow);
  static const bool inject = std::getenv("LIBEXPORT_BENCH_INJECT_FAULT");
  if (inject && !e.empty()) e.pop_back();
  return e;
}

std::string Key(const char* impl, const Filters& f, const Pruning& p,
                const DataSet& d) {
  return std::string(impl) + "/" + f.name + "/" + p.name + "/" +
         std::to_string(d.size);
}

std::string CheckFloor(DataSet& d) {
  std::string out;
  int64_t got = d.floor.Walk(&out);
  int64_t want = static_cast<int64_t>(d.size) + kProbeCount;
  if (got == want) return "";
  return "walked " + std::to_string(got) + " records, expected " +
         std::to_string(want);
}

std::string CheckEngine(DataSet& d, const Filters& f, const Pruning& p) {
  std::string out;
  BufferSink sink(&out);
  ExportStats stats;
  Status s = d.store->Export(MakeQuery(f, p), sink, &stats);
  if (!s.ok()) return "Export: " + s.ToString();
  if (stats.records_corrupt != 0) return "records_corrupt != 0";
  return CheckExport(out, Expected(d, f, p));
}

std::string CheckPeer(DataSet& d, const Filters& f, const Pruning& p) {
  std::string out;
  if (d.peer.Export(f, p, kBenchNow, &out) < 0) return d.peer.error();
  return CheckExport(out, Expected(d, f, p));
}

void BM_Import(benchmark::State& state) {
  DataSet* d = Prepare(state);
  if (d == nullptr) return;
  for (auto _ : state) state.SetIterationTime(d->import_seconds);
  state.SetItemsProcessed(state.iterations() * (d->size + kProbeCount));
  state.SetBytesProcessed(state.iterations() * d->ndjson.size());
  state.counters["ndjson_bytes"] = static_cast<double>(d->ndjson.size());
  state.counters["store_bytes"] = static_cast<double>(d->store_bytes);
  state.counters["store_x_ndjson"] =
      static_cast<double>(d->store_bytes) / d->ndjson.size();
  state.counters["encode_share"] = d->import_encode_seconds / d->import_seconds;
  state.counters["compact_x_ndjson"] =
      static_cast<double>(d->compact_bytes) / d->ndjson.size();
  state.SetComplexityN(state.range(0));
}

void BM_PeerLoad(benchmark::State& state) {
  DataSet* d = Prepare(state);
  if (d == nullptr) return;
  for (auto _ : state) state.SetIterationTime(d->peer_load_seconds);
  state.SetItemsProcessed(state.iterations() * (d->size + kProbeCount));
}

void BM_Floor(benchmark::State& state) {
  DataSet* d = Prepare(state);
  if (d == nullptr) return;
  std::string& out = d->out;
  out.clear();
  int64_t n = d->floor.Walk(&out);  // warm-up
  if (!VerifiedOnce(state, "floor/" + std::to_string(d->size),
                    [d] { return CheckFloor(*d); })) {
    return;
  }
  for (auto _ : state) {
    out.clear();
    n = d->floor.Walk(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * out.size());
  state.counters["results"] = static_cast<double>(n);
  state.SetComplexityN(state.range(0));
}

void BM_Engine(benchmark::State& state, const Filters& f, const Pruning& p) {
  DataSet* d = Prepare(state);
  if (d == nullptr) return;
  const ExportQuery query = MakeQuery(f, p);
  std::string& out = d->out;
  ExportStats stats;
  if (!VerifiedOnce(state, Key("engine", f, p, *d),
                    [&] { return CheckEngine(*d, f, p); })) {
    return;
  }
  out.clear();
  BufferSink warm_up(&out);
  (void)d->store->Export(query, warm_up, &stats);
  for (auto _ : state) {
    out.clear();
    BufferSink sink(&out);
    Status s = d->store->Export(query, sink, &stats);
    if (!s.ok()) return Fail(state, "Export: " + s.ToString());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * stats.records_matched);
  state.SetBytesProcessed(state.iterations() * out.size());
  state.counters["results"] = static_cast<double>(stats.records_matched);
  state.counters["scanned"] = static_cast<double>(stats.records_scanned);
  state.SetComplexityN(state.range(0));
}

void BM_Peer(benchmark::State& state, const Filters& f, const Pruning& p) {
  DataSet* d = Prepare(state);
  if (d == nullptr) return;
  std::string& out = d->out;
  int64_t n = 0;
  if (!VerifiedOnce(state, Key("peer", f, p, *d),
                    [&] { return CheckPeer(*d, f, p); })) {
    return;
  }
  for (auto _ : state) {
    out.clear();
    n = d->peer.Export(f, p, kBenchNow, &out);
    if (n < 0) return Fail(state, d->peer.error());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * out.size());
  state.counters["results"] = static_cast<double>(n);
  state.SetComplexityN(state.range(0));
}

std::vector<int64_t> ParseSizes(const char* text) {
  std::vector<int64_t> sizes;
  for (const char* p = text; *p != '\0';) {
    char* end = nullptr;
    sizes.push_back(std::strtoll(p, &end, 10));
    p = *end == ',' ? end + 1 : end;
    if (end == p && *end != '\0') break;
  }
  return sizes;
}

// Verifies, before any timing, every case that `filter` selects; returns
// whether all of `family`'s sizes are right. Google Benchmark 1.7.1 (Debian)
// crashes computing a Complexity fit for a family with an errored run, so
// only families that verified get one.
bool FamilyVerified(const std::string& family,
                    const std::vector<int64_t>& sizes,
                    const std::regex* filter) {
  bool ok = true;
  for (int64_t n : sizes) {
    std::string key = family + "/" + std::to_string(n);
    if (filter != nullptr && !std::regex_search(key, *filter)) continue;
    DataSet* d = GetDataSet(static_cast<size_t>(n));
    if (!d->error.empty()) return false;
    std::string impl = family.substr(0, family.find('/'));
    const std::string* verdict = nullptr;
    if (impl == "floor") {
      verdict = &Verdict(key, [d] { return CheckFloor(*d); });
    } else {
      for (const Filters& f : BenchFilters()) {
        for (const Pruning& p : BenchPrunings()) {
          if (family != impl + "/" + f.name + "/" + p.name) continue;
          verdict = impl == "engine"
                        ? &Verdict(key, [&] { return CheckEngine(*d, f, p); })
                        : &Verdict(key, [&] { return CheckPeer(*d, f, p); });
        }
      }
    }
    if (verdict != nullptr && !verdict->empty()) ok = false;
  }
  return ok;
}

void RegisterAll(const std::vector<int64_t>& sizes,
                 const std::vector<int64_t>& peer_sizes,
                 const std::regex* filter) {
  const std::vector<int64_t>* args = &sizes;
  auto fit = [&](benchmark::internal::Benchmark* b, const std::string& family,
                 benchmark::BigO big_o) {
    if (FamilyVerified(family, *args, filter)) b->Complexity(big_o);
  };
  auto sized = [&](benchmark::internal::Benchmark* b) {
    for (int64_t n : *args) b->Arg(n);
    return b->Unit(benchmark::kMicrosecond);
  };
  fit(sized(benchmark::RegisterBenchmark("import", BM_Import))
          ->Iterations(1)
          ->UseManualTime(),
      "import", benchmark::oN);
  args = &peer_sizes;
  if (!peer_sizes.empty()) {
    sized(benchmark::RegisterBenchmark("peer_load", BM_PeerLoad))
        ->Iterations(1)
        ->UseManualTime();
  }
  args = &sizes;
  fit(sized(benchmark::RegisterBenchmark("floor", BM_Floor)), "floor",
      benchmark::oN);
  for (const Filters& f : BenchFilters()) {
    for (const Pruning& p : BenchPrunings()) {
      std::string name = "engine/" + f.name + "/" + p.name;
      fit(sized(benchmark::RegisterBenchmark(
              name.c_str(),
              [&f, &p](benchmark::State& s) { BM_Engine(s, f, p); })),
          name, benchmark::oAuto);
    }
  }
  args = &peer_sizes;
  if (peer_sizes.empty()) return;
  for (const Filters& f : BenchFilters()) {
    for (const Pruning& p : BenchPrunings()) {
      std::string name = "peer/" + f.name + "/" + p.name;
      fit(sized(benchmark::RegisterBenchmark(
              name.c_str(),
              [&f, &p](benchmark::State& s) { BM_Peer(s, f, p); })),
          name, benchmark::oAuto);
    }
  }
}

}  // namespace
}  // namespace libexport::bench

int main(int argc, char** argv) {
  using namespace libexport::bench;
  std::vector<int64_t> sizes = {1000, 10000, 100000, 1000000};
  int64_t peer_max = INT64_MAX;
  std::unique_ptr<std::regex> filter;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--sizes=", 8) == 0) {
      sizes = ParseSizes(argv[i] + 8);
    } else if (std::strncmp(argv[i], "--peer-max-size=", 16) == 0) {
      peer_max = std::strtoll(argv[i] + 16, nullptr, 10);
    } else {
      if (std::strncmp(argv[i], "--benchmark_filter=", 19) == 0) {
        filter = std::make_unique<std::regex>(argv[i] + 19);
      }
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 2;
  SetPeerMaxSize(static_cast<size_t>(peer_max));
  std::vector<int64_t> peer_sizes;
  for (int64_t n : sizes) {
    if (n <= peer_max) peer_sizes.push_back(n);
  }
  RegisterAll(sizes, peer_sizes, filter.get());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  CleanupDataSets();
  if (g_failures > 0) {
    std::fprintf(stderr, "%d benchmark(s) produced wrong output\n",
                 g_failures.load());
    return 1;
  }
  return 0;
}
