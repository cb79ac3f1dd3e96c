// Turns libexport_bench's JSON into the tables of docs/benchmarks.md (every
// figure a ratio against a baseline of the same run) and gnuplot data.
//
//   libexport_bench_report RESULTS.json [PLOT_DIR]
//
// Times are CPU time of the benchmark thread (user + system, page faults
// included): on a shared, loaded machine they are steadier than wall time.
// Prints Markdown to stdout. With PLOT_DIR, writes one <filter>.dat per
// filter (columns: size, floor, engine none, engine both, peer none, peer
// both; milliseconds) and plot.gp, which renders scaling.svg.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "simdjson.h"

namespace {

struct Run {
  std::vector<double> ms;  // one per repetition
  double results = -1;
  double bytes_per_second = 0;
  double items_per_second = 0;
  double store_x_ndjson = 0, compact_x_ndjson = 0, ndjson_bytes = 0;
  double encode_share = 0;
  bool error = false;
  std::string error_message;
  double Ms() const {
    if (ms.empty()) return 0;
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

// "engine/all/none" -> size -> run
std::map<std::string, std::map<long, Run>> g_runs;
std::set<long> g_sizes;
const char* kFilters[] = {
    "all",       "model",       "tag_common",      "tag_rare",
    "tag_point", "target_type", "target_identity", "model_tag"};
const char* kPrunings[] = {"none", "expired", "catalog", "both"};

const Run* Find(const std::string& family, long size) {
  auto f = g_runs.find(family);
  if (f == g_runs.end()) return nullptr;
  auto r = f->second.find(size);
  if (r == f->second.end() || r->second.error || r->second.ms.empty()) {
    return nullptr;
  }
  return &r->second;
}

double Ms(const std::string& family, long size) {
  const Run* r = Find(family, size);
  return r == nullptr ? 0 : r->Ms();
}

std::string Fmt(double v, const char* f = "%.3g") {
  if (v <= 0) return "-";
  char b[64];
  std::snprintf(b, sizeof(b), f, v);
  return b;
}
std::string Ratio(double num, double den) {
  if (num <= 0 || den <= 0) return "-";
  return Fmt(num / den, "%.2fx");
}
std::string SizeName(long n) {
  int e = 0;
  long m = n;
  while (m >= 10 && m % 10 == 0) {
    m /= 10;
    ++e;
  }
  return m == 1 ? "1e" + std::to_string(e) : std::to_string(n);
}

double Number(simdjson::dom::element e, const char* key, double fallback = 0) {
  double v = fallback;
  if (e[key].get(v) != simdjson::SUCCESS) return fallback;
  return v;
}

bool Load(const char* path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path).get(doc) != simdjson::SUCCESS) return false;
  simdjson::dom::array benchmarks;
  if (doc["benchmarks"].get(benchmarks) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element b : benchmarks) {
    std::string_view run_type;
    if (b["run_type"].get(run_type) == simdjson::SUCCESS &&
        run_type != "iteration") {
      continue;
    }
    std::string_view run_name;
    if (b["run_name"].get(run_name) != simdjson::SUCCESS) continue;
    // "engine/all/none/1000", "import/1000/iterations:1/manual_time": the
    // family is everything before the first all-digit component.
    std::string name(run_name), family;
    long size = -1;
    for (size_t at = 0; at <= name.size();) {
      size_t slash = std::min(name.find('/', at), name.size());
      std::string part = name.substr(at, slash - at);
      if (!part.empty() &&
          part.find_first_not_of("0123456789") == std::string::npos) {
        size = std::stol(part);
        break;
      }
      family += (family.empty() ? "" : "/") + part;
      at = slash + 1;
    }
    if (size < 0) continue;
    g_sizes.insert(size);
    Run& r = g_runs[family][size];
    bool error = false;
    if (b["error_occurred"].get(error) == simdjson::SUCCESS && error) {
      r.error = true;
      std::string_view m;
      if (b["error_message"].get(m) == simdjson::SUCCESS) r.error_message = m;
      continue;
    }
    // Manual-time runs (import) carry their figure as real time.
    double t =
        Number(b, name.find("manual_time") != std::string::npos ? "real_time"
                                                                : "cpu_time");
    std::string_view unit = "ns";
    if (b["time_unit"].get(unit) != simdjson::SUCCESS) unit = "ns";
    double scale = unit == "ns"   ? 1e-6
                   : unit == "us" ? 1e-3
                   : unit == "ms" ? 1.0
                                  : 1e3;
    r.ms.push_back(t * scale);
    r.results = Number(b, "results", -1);
    r.bytes_per_second = Number(b, "bytes_per_second");
    r.items_per_second = Number(b, "items_per_second");
    r.store_x_ndjson = Number(b, "store_x_ndjson");
    r.compact_x_ndjson = Number(b, "compact_x_ndjson");
    r.ndjson_bytes = Number(b, "ndjson_bytes");
    r.encode_share = Number(b, "encode_share");
  }
  return true;
}

struct Target {
  std::string text, measured;
  bool met;
};

}  // namespace

int main(int argc, char** argv) {
  std::string plot_dir;
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--plot" && i + 1 < argc) {
      plot_dir = argv[++i];
    } else if (Load(argv[i])) {
      ++files;
    } else {
      std::fprintf(stderr, "cannot read %s\n", argv[i]);
      return 2;
    }
  }
  if (files == 0 || g_sizes.empty()) {
    std::fprintf(
        stderr, "usage: libexport_bench_report [--plot DIR] RESULTS.json...\n");
    return 2;
  }
  const long big = *g_sizes.rbegin();
  const long small = *g_sizes.begin();
  std::vector<Target> targets;
  const bool have_peer = g_runs.count("peer/all/none") != 0;
  // The per-case table is at the largest size the peer ran at.
  long wide = big;
  if (have_peer) {
    for (long n : g_sizes) {
      if (Find("peer/all/none", n) != nullptr) wide = n;
    }
  }

  // Errors first: a wrong output voids the figures.
  for (auto& [family, by_size] : g_runs) {
    for (auto& [size, r] : by_size) {
      if (r.error) {
        std::printf("**ERROR** %s/%ld: %s\n\n", family.c_str(), size,
                    r.error_message.c_str());
      }
    }
  }

  std::printf("### Full export against the LMDB floor\n\n");
  std::printf(
      "| size | records | floor ms | engine ms (no pruning) | engine/floor "
      "| expired | catalog | both | engine MB/s (both) |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (long n : g_sizes) {
    double floor = Ms("floor", n);
    const Run* both = Find("engine/all/both", n);
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                SizeName(n).c_str(),
                Fmt(both ? both->results : 0, "%.0f").c_str(),
                Fmt(floor).c_str(), Fmt(Ms("engine/all/none", n)).c_str(),
                Ratio(Ms("engine/all/none", n), floor).c_str(),
                Ratio(Ms("engine/all/expired", n), floor).c_str(),
                Ratio(Ms("engine/all/catalog", n), floor).c_str(),
                Ratio(Ms("engine/all/both", n), floor).c_str(),
                Fmt(both ? both->bytes_per_second / 1e6 : 0, "%.0f").c_str());
  }
  std::printf("\n");
  {
    double none = Ms("engine/all/none", big) / Ms("floor", big);
    double both = Ms("engine/all/both", big) / Ms("floor", big);
    targets.push_back(
        {"no filter, no pruning: engine <= 2x floor (at " + SizeName(big) + ")",
         Fmt(none, "%.2fx"), none <= 2});
    targets.push_back({"no filter, both prunings: engine <= 4x floor (at " +
                           SizeName(big) + ")",
                       Fmt(both, "%.2fx"), both <= 4});
  }

  std::printf("### Every case at %s customizations\n\n",
              SizeName(wide).c_str());
  std::printf(
      "| filter | pruning | results | engine ms | engine kcust/s | "
      "engine MB/s | peer ms | peer/engine |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  double worst_full = 1e300, worst_selective = 1e300;
  std::string worst_selective_name;
  for (const char* f : kFilters) {
    for (const char* p : kPrunings) {
      std::string e = std::string("engine/") + f + "/" + p;
      std::string q = std::string("peer/") + f + "/" + p;
      const Run* er = Find(e, wide);
      double em = Ms(e, wide), pm = Ms(q, wide);
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", f, p,
                  Fmt(er ? er->results : 0, "%.0f").c_str(), Fmt(em).c_str(),
                  Fmt(er ? er->items_per_second / 1e3 : 0, "%.0f").c_str(),
                  Fmt(er ? er->bytes_per_second / 1e6 : 0, "%.0f").c_str(),
                  Fmt(pm).c_str(), Ratio(pm, em).c_str());
      if (em <= 0 || pm <= 0) continue;
      std::string fs = f;
      if (fs == "all" && std::string(p) != "none") {
        worst_full = std::min(worst_full, pm / em);
      }
      if (fs != "all" && fs != "tag_common" && fs != "target_type") {
        if (pm / em < worst_selective) {
          worst_selective = pm / em;
          worst_selective_name = fs + "/" + p;
        }
      }
    }
  }
  std::printf("\n");
  if (have_peer) {
    targets.push_back({"full export with pruning: peer/engine >= 20x (at " +
                           SizeName(wide) + ", worst pruning)",
                       Fmt(worst_full, "%.1fx"), worst_full >= 20});
    targets.push_back({"selective filters: peer/engine >= 5x (at " +
                           SizeName(wide) + ", worst case " +
                           worst_selective_name + ")",
                       Fmt(worst_selective, "%.1fx"), worst_selective >= 5});
  }

  std::printf(
      "### Growth with the store size (engine, ms; last column: "
      "time at %s / time at %s)\n\n",
      SizeName(big).c_str(), SizeName(small).c_str());
  std::printf("| filter | pruning | results at %s |", SizeName(big).c_str());
  for (long n : g_sizes) std::printf(" %s |", SizeName(n).c_str());
  std::printf(" growth |\n|---|---|---|");
  for (size_t i = 0; i < g_sizes.size(); ++i) std::printf("---|");
  std::printf("---|\n");
  for (const char* f : kFilters) {
    for (const char* p : {"none", "both"}) {
      std::string e = std::string("engine/") + f + "/" + p;
      const Run* er = Find(e, big);
      std::printf("| %s | %s | %s |", f, p,
                  Fmt(er ? er->results : 0, "%.0f").c_str());
      for (long n : g_sizes) std::printf(" %s |", Fmt(Ms(e, n)).c_str());
      double g = Ms(e, big) / Ms(e, small);
      std::printf(" %s |\n", Fmt(g, "%.2fx").c_str());
      std::string fs = f;
      if ((fs == "target_identity" || fs == "tag_point") && Ms(e, small) > 0) {
        targets.push_back({"point filter " + fs + "/" + p + ": time at " +
                               SizeName(big) + " <= 2x time at " +
                               SizeName(small) + " (same 5 results)",
                           Fmt(g, "%.2fx"), g <= 2});
      }
    }
  }
  std::printf("\n");

  std::printf(
      "### Import\n\n| size | customizations/s | NDJSON MB | store / "
      "NDJSON | compacted store / NDJSON | time before the first write "
      "|\n|---|---|---|---|---|---|\n");
  for (long n : g_sizes) {
    const Run* r = Find("import", n);
    if (r == nullptr) continue;
    std::printf("| %s | %s | %s | %s | %s | %s |\n", SizeName(n).c_str(),
                Fmt(r->items_per_second, "%.0f").c_str(),
                Fmt(r->ndjson_bytes / 1e6, "%.1f").c_str(),
                Fmt(r->store_x_ndjson, "%.2fx").c_str(),
                Fmt(r->compact_x_ndjson, "%.2fx").c_str(),
                Fmt(r->encode_share * 100, "%.0f%%").c_str());
  }
  std::printf("\n");
  if (const Run* r = Find("import", big)) {
    targets.push_back(
        {"import >= 100,000 customizations/s (at " + SizeName(big) + ")",
         Fmt(r->items_per_second, "%.0f/s"), r->items_per_second >= 100000});
    targets.push_back({"store <= 2x NDJSON on disk (at " + SizeName(big) + ")",
                       Fmt(r->store_x_ndjson, "%.2fx"),
                       r->store_x_ndjson <= 2});
  }

  std::printf(
      "### Targets (library)\n\n| target | measured | verdict |\n"
      "|---|---|---|\n");
  for (const Target& t : targets) {
    std::printf("| %s | %s | %s |\n", t.text.c_str(), t.measured.c_str(),
                t.met ? "met" : "**missed**");
  }
  std::printf("\n");

  if (!plot_dir.empty()) {
    const std::string& dir = plot_dir;
    for (const char* f : kFilters) {
      std::ofstream out(dir + "/" + f + ".dat");
      out << "# size floor engine_none engine_both peer_none peer_both (ms)\n";
      for (long n : g_sizes) {
        auto v = [](double x) { return x > 0 ? std::to_string(x) : "NaN"; };
        out << n << ' ' << v(Ms("floor", n)) << ' '
            << v(Ms(std::string("engine/") + f + "/none", n)) << ' '
            << v(Ms(std::string("engine/") + f + "/both", n)) << ' '
            << v(Ms(std::string("peer/") + f + "/none", n)) << ' '
            << v(Ms(std::string("peer/") + f + "/both", n)) << '\n';
      }
    }
    std::ofstream gp(dir + "/plot.gp");
    gp << "set terminal svg size 1200,1300 dynamic font 'sans,10'\n"
          "set output 'scaling.svg'\n"
          "set multiplot layout 4,2 title 'Export time against store size "
          "(log-log; lower is better)'\n"
          "set logscale xy\nset xrange [500:*]\nset format x '10^{%T}'\nset "
          "grid\n"
          "set xlabel 'customizations in the store'\nset ylabel 'ms'\n"
          "set key top left font 'sans,8'\n";
    for (const char* f : kFilters) {
      gp << "set title '" << f << "' noenhanced\n"
         << "plot '" << f << ".dat' u 1:2 w lp lw 2 dt 2 t 'LMDB floor', "
         << "'' u 1:3 w lp lw 2 t 'engine', '' u 1:4 w lp lw 2 t 'engine, both "
            "prunings', '' u 1:5 w lp t 'SQLite peer', '' u 1:6 w lp t "
            "'SQLite peer, both prunings'\n";
    }
    gp << "unset multiplot\n";
  }
  return 0;
}
