// The cases of the performance gate (scripts/bench --gate; docs/benchmarks.md
// "The CI gate"). One process runs one case: its setup, an unmeasured
// warm-up whose output is checked against the reference answer, then the
// measured run, whose output is checked too. bench/gate.py runs it under
// callgrind with --instr-atstart=no --collect-atstart=no and
// --toggle-collect=<the case's function>, so only the measured region counts
// (setup runs uninstrumented, which also keeps it fast).
//
//   libexport_gate --list
//       one line per case: name, toggle-collect pattern, what it measures
//   libexport_gate --case=NAME [--inject-instructions=N] [--size=N]
//       runs one case; N extra instructions are executed inside the measured
//       region (the gate's self-test: a known regression); --size: the
//       export cases' data set (default 5000 customizations; for one-off
//       measurements, e.g. at 1e5 in docs/benchmarks.md)
//
// Everything the measured path reads is fixed: seed 42, `now` = kBenchNow
// (also the HTTP server's clock and the signed Date), one server thread, a
// request without a port in Host. Exit: 0 ok, 1 wrong output or setup error,
// 2 usage.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_cases.h"
#include "bench_dataset.h"
#include "demo_data.h"
#include "hardened_server.h"
#include "libexport/http/export_routes.h"
#include "libexport/http/signed_client.h"
#include "libexport/store.h"
#include "reference.h"

// The measured region of the engine and import cases: callgrind collects
// only while this is on the stack (--toggle-collect=LibexportGateMeasured*).
// noipa: no clone, no inlining, so the symbol is always there.
extern "C" __attribute__((noipa)) void LibexportGateMeasured(
    const std::function<void()>* work) {
  (*work)();
}

namespace libexport::bench {
namespace {

// Export cases run on the bench data set of this size (plus the probes);
// --size=N changes it for a one-off measurement (the gate never does).
constexpr size_t kGateSize = 5000;
size_t g_size = kGateSize;
// The import case's document: this many demo customizations.
constexpr size_t kImportSize = 10000;

constexpr char kMeasuredToggle[] = "LibexportGateMeasured*";
// The server side of one request on exportd's server: the head's checks,
// then httplib's process_request (routing, auth, the export, every response
// write, the access log). Not counted: waiting for the request and the reads
// of its head (poll and recv; their count depends on timing).
constexpr char kServerToggle[] =
    "libexport::app::ParseRequestHead*;httplib::Server::process_request*";

uint64_t g_inject_instructions = 0;

// Exactly `instructions` more (rounded down to even) on x86-64: two per
// iteration.
void InjectedWork() {
  uint64_t n = g_inject_instructions / 2;
  if (n == 0) return;
#if defined(__x86_64__)
  asm volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
#else
  for (volatile uint64_t i = 0; i < n; i = i + 1) {
  }
#endif
}

// Runs `work` as the measured region, with the injected work inside it.
void Measure(const std::function<void()>& work) {
  std::function<void()> measured = [&work] {
    work();
    InjectedWork();
  };
  CALLGRIND_START_INSTRUMENTATION;
  LibexportGateMeasured(&measured);
  CALLGRIND_STOP_INSTRUMENTATION;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "libexport_gate: %s\n", what.c_str());
  return 1;
}

const Filters& FilterNamed(const std::string& name) {
  for (const Filters& f : BenchFilters()) {
    if (f.name == name) return f;
  }
  std::abort();
}
const Pruning& PruningNamed(const std::string& name) {
  for (const Pruning& p : BenchPrunings()) {
    if (p.name == name) return p;
  }
  std::abort();
}

DataSet* ExportData(std::string* error) {
  SetPeerMaxSize(0);  // the gate needs no SQLite peer
  DataSet* d = GetDataSet(g_size);
  if (!d->error.empty()) *error = "data set: " + d->error;
  return d;
}

int RunExport(const std::string& filter, const std::string& pruning) {
  std::string error;
  DataSet* d = ExportData(&error);
  if (!error.empty()) return Fail(error);
  const Filters& f = FilterNamed(filter);
  const Pruning& p = PruningNamed(pruning);
  const ExportQuery query = MakeQuery(f, p);
  const std::vector<std::string> expected =
      d->reference.Expected(f, p, kBenchNow);
  std::string& out = d->out;
  for (bool measured : {false, true}) {
    out.clear();
    BufferSink sink(&out);
    Status s;
    auto work = [&] { s = d->store->Export(query, sink); };
    if (measured) {
      Measure(work);
    } else {
      work();
    }
    if (!s.ok()) return Fail("Export: " + s.ToString());
    if (std::string diff = CheckExport(out, expected); !diff.empty()) {
      return Fail("wrong export: " + diff);
    }
  }
  std::printf("%zu results, %zu bytes\n", expected.size(), out.size());
  return 0;
}

int RunImport() {
  demo::DemoOptions o;
  o.customizations = kImportSize;
  o.catalog = kImportSize;
  o.seed = 42;
  o.now = kBenchNow;
  demo::DemoData demo = demo::GenerateDemo(o);
  char tmpl[] = "/tmp/libexport-gate-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Fail("mkdtemp failed");
  const std::string dir = tmpl;
  int rc = 0;
  {
    StoreOptions options;
    options.max_map_size = uint64_t{1} << 30;  // valgrind cannot map 64 GiB
    auto store = Store::Open(dir + "/store", options);
    if (!store.ok()) return Fail("Store::Open: " + store.status().ToString());
    Store& s = **store;
    if (auto key = s.AddTracker(kTrackerId, "bench-key"); !key.ok()) {
      return Fail("AddTracker: " + key.status().ToString());
    }
    if (Status c = s.AddCatalogItems(kTrackerId, demo.catalog); !c.ok()) {
      return Fail("AddCatalogItems: " + c.ToString());
    }
    ImportOptions io;
    io.format = ImportFormat::kNdjson;
    io.now = kBenchNow;
    ImportReport report;
    Status st;
    Measure([&] { st = s.Import(kTrackerId, demo.ndjson, io, &report); });
    ExportStats stats;
    ExportQuery all;
    all.tracker_id = kTrackerId;
    all.now = kBenchNow;
    auto exported = s.ExportToString(all, &stats);
    if (!st.ok()) {
      rc = Fail("Import: " + st.ToString());
    } else if (report.inserted != kImportSize || !exported.ok() ||
               stats.records_matched != kImportSize) {
      rc = Fail("import inserted " + std::to_string(report.inserted) +
                ", export then found " + std::to_string(stats.records_matched) +
                ", expected " + std::to_string(kImportSize));
    } else {
      std::printf("%zu imported, %zu bytes of NDJSON\n", report.inserted,
                  demo.ndjson.size());
    }
  }
  std::filesystem::remove_all(dir);
  return rc;
}

// The response of a "Connection: close" request, read to EOF; EOF also means
// the server is done with the request.
std::string SendOnce(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      send(fd, request.data(), request.size(), 0) ==
          static_cast<ssize_t>(request.size())) {
    char buf[16384];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) response.append(buf, n);
  }
  close(fd);
  return response;
}

// SendOnce, again while the one worker is still closing the previous
// connection (the pool refuses with 503 on the accepting thread, outside
// the measured functions).
std::string Roundtrip(int port, const std::string& request) {
  std::string response;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    response = SendOnce(port, request);
    if (response.rfind("HTTP/1.1 503 ", 0) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return response;
}

// The body of a 200 chunked response, or "" with `error` set.
std::string ChunkedBody(const std::string& response, std::string* error) {
  size_t head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 200 ", 0) != 0 ||
      head_end == std::string::npos) {
    *error = "not a 200: " + response.substr(0, response.find("\r\n"));
    return "";
  }
  std::string body;
  size_t pos = head_end + 4;
  while (true) {
    size_t line_end = response.find("\r\n", pos);
    if (line_end == std::string::npos) break;
    size_t size = std::strtoul(response.c_str() + pos, nullptr, 16);
    if (size == 0) return body;
    body.append(response, line_end + 2, size);
    pos = line_end + 2 + size + 2;
  }
  *error = "truncated chunked body";
  return "";
}

// The value of header `name` (lowercase) in an HTTP response head, or "".
std::string HeaderOf(const std::string& response, const std::string& name) {
  const size_t head_end = response.find("\r\n\r\n");
  size_t pos = response.find("\r\n");
  while (pos != std::string::npos && pos < head_end) {
    const size_t line = pos + 2;
    const size_t colon = response.find(':', line);
    pos = response.find("\r\n", line);
    if (colon == std::string::npos || colon > pos) continue;
    std::string field = response.substr(line, colon - line);
    for (char& c : field) c = static_cast<char>(std::tolower(c));
    if (field != name) continue;
    size_t v = colon + 1;
    while (v < pos && response[v] == ' ') ++v;
    return response.substr(v, pos - v);
  }
  return "";
}

// The export endpoint's query string for a case's filters and pruning
// (the gate's cases filter by model and target identity only).
std::string HttpQuery(const Filters& f, const Pruning& p) {
  std::string q;
  auto add = [&q](const char* name, const std::string& value) {
    q += (q.empty() ? "?" : "&") + std::string(name) + "=" +
         libexport::http::PercentEncode(value);
  };
  for (const std::string& m : f.models) add("model", m);
  for (const std::string& t : f.target_identities) add("target_identity", t);
  if (p.expired) add("remove_expired_pins", "true");
  if (p.catalog) add("remove_nonexisting_item_pins", "true");
  return q;
}

// exportd's side of one signed export of `filter` with `pruning`.
// `conditional`: the measured request carries the warm-up's ETag in
// If-None-Match and must be answered 304 with no body.
int RunHttp(const char* filter, const char* pruning, bool conditional) {
  std::string error;
  DataSet* d = ExportData(&error);
  if (!error.empty()) return Fail(error);
  const Filters& f = FilterNamed(filter);
  const Pruning& p = PruningNamed(pruning);
  if (!f.tags.empty() || !f.target_types.empty()) {
    return Fail(std::string("HttpQuery cannot send filter ") + filter);
  }
  const std::vector<std::string> expected =
      d->reference.Expected(f, p, kBenchNow);

  // As exportd serves plain HTTP, with one worker thread: every request is
  // served by the thread that served the warm-up (a new thread would pay
  // its first read transaction in the measured request).
  libexport::app::HardenedServerOptions server_options;
  server_options.max_connections = 1;
  libexport::app::HardenedServer server(server_options);
  libexport::http::ConfigureServer(server, server_options.max_connections);
  server.InstallConnectionPool();
  libexport::http::ExportRoutesOptions options;
  options.not_found_for_other_paths = true;
  options.clock = [] {
    return std::chrono::system_clock::time_point(
        std::chrono::seconds(kBenchNow.seconds));
  };
  // What exportd does with a line, short of writing it to stderr.
  std::string log;
  options.access_log = [&log](const libexport::http::AccessLogEntry& e) {
    log = libexport::http::FormatAccessLogLine(e);
    InjectedWork();
  };
  auto routes = libexport::http::MountExportRoutes(server, d->store, options);
  int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return Fail("cannot bind 127.0.0.1");
  std::thread listener([&server] { server.listen_after_bind(); });
  while (!server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  const std::string path = libexport::http::ExportPath(kTrackerId);
  const std::string content_type = "application/json; charset=utf-8";
  auto signed_headers =
      libexport::http::SignRequest(kTrackerId, "bench-key", "POST", path,
                                   content_type, FormatHttpDate(kBenchNow));
  const std::string request =
      "POST " + path + HttpQuery(f, p) +
      " HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\n"
      "Content-Type: " +
      content_type + "\r\nDate: " + signed_headers.date +
      "\r\nAuthorization: " + signed_headers.authorization +
      "\r\nConnection: close\r\n";

  int rc = 0;
  std::string etag;
  for (bool measured : {false, true}) {
    std::string response;
    const std::string sent =
        request + (measured && conditional
                       ? "If-None-Match: " + etag + "\r\n\r\n"
                       : std::string("\r\n"));
    if (measured) {
      // The client's side runs outside process_request: not counted.
      CALLGRIND_START_INSTRUMENTATION;
      response = Roundtrip(port, sent);
      CALLGRIND_STOP_INSTRUMENTATION;
    } else {
      response = Roundtrip(port, sent);
      etag = HeaderOf(response, "etag");
    }
    if (measured && conditional) {
      const size_t head_end = response.find("\r\n\r\n");
      if (response.rfind("HTTP/1.1 304 ", 0) != 0 ||
          head_end + 4 != response.size()) {
        rc = Fail("HTTP: If-None-Match " + etag + " was not a bare 304: " +
                  response.substr(0, response.find("\r\n")));
      } else {
        std::printf("304, %zu response bytes; %s\n", response.size(),
                    log.c_str());
      }
      break;
    }
    std::string body = ChunkedBody(response, &error);
    if (!error.empty()) {
      rc = Fail("HTTP: " + error);
      break;
    }
    if (std::string diff = CheckExport(body, expected); !diff.empty()) {
      rc = Fail("wrong HTTP export: " + diff);
      break;
    }
    if (measured) {
      std::printf("%zu results, %zu response bytes; %s\n", expected.size(),
                  response.size(), log.c_str());
    }
  }
  server.stop();
  listener.join();
  return rc;
}

struct Case {
  const char* name;
  const char* toggle;  // --toggle-collect patterns, ';' between them
  const char* what;
  std::function<int()> run;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> kCases = {
      {"export_full", kMeasuredToggle,
       "Store::Export, no filter, no pruning (5005 records)",
       [] { return RunExport("all", "none"); }},
      {"export_pruned", kMeasuredToggle,
       "Store::Export, no filter, both prunings (5005 records)",
       [] { return RunExport("all", "both"); }},
      {"export_point", kMeasuredToggle,
       "Store::Export, target_identity point filter, both prunings (5 of "
       "5005)",
       [] { return RunExport("target_identity", "both"); }},
      // A repeated filter against its two single values (bench/gate.py
      // checks the union's count against their sum).
      {"export_brand", kMeasuredToggle,
       "Store::Export, model=brand, no pruning (index walk)",
       [] { return RunExport("model_brand", "none"); }},
      {"export_favorites", kMeasuredToggle,
       "Store::Export, model=favorites, no pruning (index walk)",
       [] { return RunExport("model_favorites", "none"); }},
      {"export_brand_or_favorites", kMeasuredToggle,
       "Store::Export, model=brand&model=favorites, no pruning (the union "
       "of two index lists)",
       [] { return RunExport("model_brand_or_favorites", "none"); }},
      {"http_point", kServerToggle,
       "exportd's server side of one signed POST over loopback: the point "
       "filter above, both prunings",
       [] { return RunHttp("target_identity", "both", false); }},
      {"http_full", kServerToggle,
       "exportd's server side of one signed POST over loopback: every "
       "record, no pruning (about 5 MB, chunked)",
       [] { return RunHttp("all", "none", false); }},
      {"http_304", kServerToggle,
       "the same request with the ETag of its last answer in "
       "If-None-Match: a 304, no record read",
       [] { return RunHttp("target_identity", "both", true); }},
      {"import_10k", kMeasuredToggle,
       "Store::Import of 10000 demo customizations (NDJSON) into an empty "
       "tracker",
       [] { return RunImport(); }},
  };
  return kCases;
}

}  // namespace
}  // namespace libexport::bench

int main(int argc, char** argv) {
  using namespace libexport::bench;
  std::string name;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--list") == 0) {
      list = true;
    } else if (std::strncmp(argv[i], "--case=", 7) == 0) {
      name = argv[i] + 7;
    } else if (std::strncmp(argv[i], "--size=", 7) == 0) {
      g_size = std::strtoull(argv[i] + 7, nullptr, 10);
    } else if (std::strncmp(argv[i], "--inject-instructions=", 22) == 0) {
      g_inject_instructions = std::strtoull(argv[i] + 22, nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: libexport_gate --list | --case=NAME "
                   "[--inject-instructions=N] [--size=N]\n");
      return 2;
    }
  }
  if (list) {
    for (const Case& c : Cases()) {
      std::printf("%s\t%s\t%s\n", c.name, c.toggle, c.what);
    }
    return 0;
  }
  for (const Case& c : Cases()) {
    if (name != c.name) continue;
    int rc = c.run();
    CleanupDataSets();
    return rc;
  }
  std::fprintf(stderr, "libexport_gate: no case named \"%s\" (see --list)\n",
               name.c_str());
  return 2;
}
