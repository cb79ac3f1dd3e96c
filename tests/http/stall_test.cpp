// The stall scenario: a client holds an export open without reading while
// another process writes a large import into the same store; requests that
// arrive meanwhile are answered at once (nothing waits on the held client).
// Before store maps were fixed at open, the writer growing the file past the
// server's map made the server wait, on its next transaction, for every
// open transaction to end: the held client's included.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "demo_data.h"
#include "http_test_util.h"
#include "libexport/http/signed_client.h"

namespace libexport::testing {
namespace {

struct Stall {
  int answered_200 = 0;
  int answered_503 = 0;
  int slow = 0;  // answers that took a second or more
  int import_exit = -1;
  bool served_after_release = false;
};

// 20,000 customizations (a ~14 MB export, more than the socket buffers
// hold, in a ~38 MB file); a held export; `exportctl import` of 10,000 more
// (the file grows by ~19 MB); a request every 100 ms meanwhile.
Stall RunStall(const StoreOptions& server_options) {
  TestStore store(server_options);
  REQUIRE_OK(store->AddTracker("demo", std::string("demo-key")));
  demo::DemoOptions d;
  d.customizations = 20000;
  d.catalog = 2000;
  d.now = kNow;
  MustImport(*store, "demo", demo::GenerateDemo(d).ndjson,
             Opts(ImportFormat::kNdjson));
  // The held export must outlast the import, however slow (sanitizers, a
  // loaded machine): httplib's default write timeout, 5 s, would drop it
  // and free its read transaction first.
  LiveServer server(store.store, {}, /*fixed_clock=*/true, 64, {},
                    /*keep_alive_seconds=*/30,
                    [](app::HardenedServer& s) { s.set_write_timeout(120); });

  const std::string path = libexport::http::ExportPath("demo");
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: x\r\n";
  for (const auto& [k, v] : SignedHeaders("demo", "demo-key", path))
    request += k + ": " + v + "\r\n";
  request += "Content-Type: " + std::string(kJsonType) + "\r\n\r\n";
  const int held = Connect(server.port);
  REQUIRE(SendAll(held, request));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  TempDir dir;
  demo::DemoOptions more = d;
  more.customizations = 10000;
  more.seed = 99;
  {
    std::ofstream out(dir.Sub("more.ndjson"));
    out << demo::GenerateDemo(more).ndjson;
  }
  Child importer({EXPORTCTL_BIN, "--store", store.store->path(), "import",
                  "demo", dir.Sub("more.ndjson"), "--on-conflict", "override"},
                 dir.Sub("import.err"));

  Stall result;
  httplib::Client client(server.url());
  client.set_read_timeout(30);
  auto ask = [&] {
    auto t0 = std::chrono::steady_clock::now();
    auto r =
        SignedPost(client, "demo", "demo-key", "?target_identity=%2Fnone%2F");
    if (std::chrono::steady_clock::now() - t0 >= std::chrono::seconds(1))
      ++result.slow;
    REQUIRE(r);
    if (r->status == 503) {
      CHECK(r->get_header_value("Retry-After") == "1");
      ++result.answered_503;
    } else {
      CHECK(r->status == 200);
      ++result.answered_200;
    }
    return r->status;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    ask();
    result.import_exit = importer.Wait(std::chrono::milliseconds(100));
    if (result.import_exit != -1) break;
  }
  for (int i = 0; i < 3; ++i) ask();  // after the commit, still held
  std::ifstream err(dir.Sub("import.err"));
  INFO(std::string(std::istreambuf_iterator<char>(err), {}));
  CHECK(result.import_exit == 0);
  close(held);  // the held client goes away
  for (int i = 0; i < 50 && !result.served_after_release; ++i) {
    result.served_after_release = ask() == 200;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return result;
}

TEST_CASE(
    "while a client holds an export unread and another process imports, new "
    "requests are answered at once",
    "[http][stall]") {
  Stall s = RunStall(StoreOptions{});
  CHECK(s.slow == 0);
  CHECK(s.answered_503 == 0);
  CHECK(s.answered_200 >= 4);
  CHECK(s.served_after_release);
}

TEST_CASE(
    "a server whose map another process outgrew answers 503 at once while a "
    "client holds an export, and 200 once it is gone",
    "[http][stall]") {
  StoreOptions small;
  small.max_map_size = 48 << 20;  // the file outgrows it during the import
  Stall s = RunStall(small);
  CHECK(s.slow == 0);
  CHECK(s.answered_503 >= 1);
  CHECK(s.served_after_release);
}

}  // namespace
}  // namespace libexport::testing
