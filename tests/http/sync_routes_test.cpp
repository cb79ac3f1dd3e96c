// Conditional exports (ETag, If-None-Match, X-Libexport-Cursor) and the
// changes feed over real HTTP on an ephemeral loopback port.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "http_test_util.h"
#include "libexport/http/signed_client.h"
#include "shop_fixture.h"

namespace libexport::testing {
namespace {

struct SyncServer {
  explicit SyncServer(libexport::http::ExportRoutesOptions options = {},
                      bool fixed_clock = true) {
    REQUIRE_OK(store->AddTracker("shop", std::string("shop-key")));
    LoadShopInto(*store);
    server = std::make_unique<LiveServer>(store.store, options, fixed_clock);
    client = std::make_unique<httplib::Client>(server->url());
    client->set_read_timeout(30);
  }
  static void LoadShopInto(Store& s) {
    for (auto in : {kIn1, kIn2, kIn3, kIn4, kIn5, kIn6})
      REQUIRE_OK(s.Put("shop", in, Store::PutMode::kCreate, kNow));
  }
  TestStore store;
  std::unique_ptr<LiveServer> server;
  std::unique_ptr<httplib::Client> client;
};

httplib::Result Post(httplib::Client& client, const std::string& path,
                     const std::string& query, httplib::Headers extra = {}) {
  httplib::Headers h = SignedHeaders("shop", "shop-key", path);
  for (auto& kv : extra) h.insert(kv);
  return client.Post((path + query).c_str(), h, "", kJsonType);
}

const std::string kExport = libexport::http::ExportPath("shop");
const std::string kChanges = libexport::http::ChangesPath("shop");

TEST_CASE(
    "an export carries an ETag and its cursor, and If-None-Match with it is a "
    "304 "
    "without a body",
    "[http][sync]") {
  SyncServer s;
  auto first = Post(*s.client, kExport, "?model=basket");
  REQUIRE(first);
  CHECK(first->status == 200);
  const std::string etag = first->get_header_value("ETag");
  const std::string cursor = first->get_header_value("X-Libexport-Cursor");
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');
  auto cur = s.store->LatestCursor("shop");
  REQUIRE_OK(cur);
  CHECK(cursor == cur.value());
  CHECK(first->get_header_value("Cache-Control") == "private, no-cache");

  auto again =
      Post(*s.client, kExport, "?model=basket", {{"If-None-Match", etag}});
  REQUIRE(again);
  CHECK(again->status == 304);
  CHECK(again->body.empty());
  CHECK(again->get_header_value("ETag") == etag);
  CHECK(again->get_header_value("X-Libexport-Cursor") == cursor);
  // A list, a weak form and "*" match too; another tag does not.
  for (std::string inm : {"\"x\", " + etag, "W/" + etag, std::string("*")}) {
    auto r =
        Post(*s.client, kExport, "?model=basket", {{"If-None-Match", inm}});
    REQUIRE(r);
    INFO(inm);
    CHECK(r->status == 304);
  }
  auto other = Post(*s.client, kExport, "?model=basket",
                    {{"If-None-Match", "\"something-else\""}});
  REQUIRE(other);
  CHECK(other->status == 200);
  CHECK(other->body == first->body);
  // Another query is another ETag.
  auto all = Post(*s.client, kExport, "", {{"If-None-Match", etag}});
  REQUIRE(all);
  CHECK(all->status == 200);
  CHECK(all->get_header_value("ETag") != etag);
  // A write changes it.
  REQUIRE_OK(s.store->Delete("shop", "00000000-0000-4000-8000-000000000005"));
  auto after =
      Post(*s.client, kExport, "?model=basket", {{"If-None-Match", etag}});
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(after->body != first->body);
}

// The value of one sample of the routes' /metrics text.
std::string Sample(const LiveServer& server, const std::string& name) {
  const std::string text = server.routes->MetricsText();
  const size_t at = text.find("\n" + name + " ");
  REQUIRE(at != std::string::npos);
  const size_t begin = at + name.size() + 2;
  return text.substr(begin, text.find('\n', begin) - begin);
}

TEST_CASE("a 304 reads no stored record, a 200 reads them", "[http][sync]") {
  SyncServer s;
  const std::string metric = "libexport_export_records_scanned_total";
  auto first = Post(*s.client, kExport, "");
  REQUIRE(first);
  REQUIRE(first->status == 200);
  const std::string etag = first->get_header_value("ETag");
  s.server->log.WaitFor(1);
  CHECK(Sample(*s.server, metric) == "6");
  for (int i = 0; i < 5; ++i) {
    auto r = Post(*s.client, kExport, "", {{"If-None-Match", etag}});
    REQUIRE(r);
    CHECK(r->status == 304);
  }
  s.server->log.WaitFor(6);
  CHECK(Sample(*s.server, metric) == "6");
  auto again = Post(*s.client, kExport, "");
  REQUIRE(again);
  s.server->log.WaitFor(7);
  CHECK(Sample(*s.server, metric) == "12");
}

TEST_CASE("a 304 never hides a 401, 404 or 422", "[http][sync]") {
  SyncServer s;
  auto first = Post(*s.client, kExport, "");
  REQUIRE(first);
  const std::string etag = first->get_header_value("ETag");
  httplib::Headers bad = SignedHeaders("shop", "wrong-key", kExport);
  bad.insert({"If-None-Match", etag});
  auto unauth = s.client->Post(kExport.c_str(), bad, "", kJsonType);
  REQUIRE(unauth);
  CHECK(unauth->status == 401);
  auto invalid =
      Post(*s.client, kExport, "?target_type=nope", {{"If-None-Match", "*"}});
  REQUIRE(invalid);
  CHECK(invalid->status == 422);
}

TEST_CASE(
    "the changes route answers the feed, names bad parameters and says 410 for "
    "a gone cursor",
    "[http][sync]") {
  SyncServer s;
  auto feed = Post(*s.client, kChanges, "?limit=2");
  REQUIRE(feed);
  CHECK(feed->status == 200);
  CHECK(feed->get_header_value("Content-Type") == kJsonType);
  CHECK(feed->body.find("\"more\":true") != std::string::npos);
  // The body is what the library writes for the same query.
  ChangesQuery q;
  q.tracker_id = "shop";
  q.limit = 2;
  StringSink sink;
  ChangesResult result;
  REQUIRE_OK(s.store->Changes(q, sink, &result));
  CHECK(feed->body == sink.out);
  CHECK(feed->get_header_value("X-Libexport-Cursor") == result.cursor);

  for (const char* query :
       {"?limit=0", "?limit=10001", "?limit=x", "?wait=61", "?wait=-1",
        "?since=nope", "?since=1-1&since=1-2"}) {
    auto r = Post(*s.client, kChanges, query);
    REQUIRE(r);
    INFO(query);
    CHECK(r->status == 422);
    CHECK(r->body.find("\"code\":\"invalid_parameter\"") != std::string::npos);
  }
  auto named = Post(*s.client, kChanges, "?limit=0");
  REQUIRE(named);
  CHECK(named->body.find("\"parameter\":\"limit\"") != std::string::npos);

  auto gone = Post(*s.client, kChanges, "?since=1234-1");
  REQUIRE(gone);
  CHECK(gone->status == 410);
  CHECK(gone->body.find("\"code\":\"cursor_expired\"") != std::string::npos);

  httplib::Headers bad = SignedHeaders("shop", "wrong-key", kChanges);
  auto unauth = s.client->Post(kChanges.c_str(), bad, "", kJsonType);
  REQUIRE(unauth);
  CHECK(unauth->status == 401);
}

TEST_CASE("a changes request with wait is answered soon after a commit",
          "[http][sync][wait]") {
  SyncServer s;
  auto cursor = s.store->LatestCursor("shop");
  REQUIRE_OK(cursor);
  // Catch2's assertions are for the test's own thread: the writer keeps its
  // status for the test to check.
  std::chrono::steady_clock::time_point committed;
  libexport::Status deleted;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    committed = std::chrono::steady_clock::now();
    deleted = s.store->Delete("shop", "00000000-0000-4000-8000-000000000001");
  });
  auto r = Post(*s.client, kChanges, "?wait=20&since=" + cursor.value());
  const auto answered = std::chrono::steady_clock::now();
  writer.join();
  REQUIRE_OK(deleted);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("\"op\":\"delete\"") != std::string::npos);
  // Woken by the commit, not by the 20 s timeout (a generous bound: the
  // wake-up itself takes microseconds).
  CHECK(answered - committed < std::chrono::seconds(5));
}

TEST_CASE("waiting changes requests past the cap get 503 with Retry-After",
          "[http][sync][wait]") {
  libexport::http::ExportRoutesOptions options;
  options.max_waiting_changes = 1;
  SyncServer s(options);
  auto cursor = s.store->LatestCursor("shop");
  REQUIRE_OK(cursor);
  // Two requests at once with room for one waiter: whichever arrives first
  // waits out its 5 s (no change: 200, an empty list), the other is refused
  // at once. The thread keeps its answer for the test's own thread to check.
  struct Answer {
    int status = 0;
    std::string body, retry_after;
  };
  auto ask = [&] {
    httplib::Client c(s.server->url());
    c.set_read_timeout(30);
    Answer a;
    if (auto r = Post(c, kChanges, "?wait=5&since=" + cursor.value())) {
      a = {r->status, r->body, r->get_header_value("Retry-After")};
    }
    return a;
  };
  Answer other;
  std::thread thread([&] { other = ask(); });
  const Answer mine = ask();
  thread.join();
  const Answer& waited = mine.status == 200 ? mine : other;
  const Answer& refused = mine.status == 200 ? other : mine;
  CHECK(waited.status == 200);
  CHECK(waited.body.find("\"changes\":[]") != std::string::npos);
  CHECK(refused.status == 503);
  CHECK(refused.retry_after == "1");
  CHECK(refused.body.find("too_many_waiting") != std::string::npos);
}

TEST_CASE("the sync examples of docs/http_api.md run as written",
          "[http][docs][curl][sync]") {
  SyncServer s({}, /*fixed_clock=*/false);
  const std::vector<std::string> blocks = DocShellBlocks("sync-examples");
  REQUIRE(blocks.size() == 4);
  const std::string prelude = "set -eo pipefail\nhost=\"" + s.server->url() +
                              "\"\ntracker_id=shop\nprivate_key=shop-key\n" +
                              blocks[0];
  int status = 0;
  CHECK(RunShell(prelude + blocks[1], &status) == "304");
  CHECK(status == 0);
  auto cursor = s.store->LatestCursor("shop");
  REQUIRE_OK(cursor);
  CHECK(RunShell(prelude + blocks[2], &status) ==
        "{\"changes\":[],\"cursor\":\"" + cursor.value() +
            "\",\"more\":false}");
  CHECK(RunShell(prelude + blocks[3], &status) == "410");
}

}  // namespace
}  // namespace libexport::testing
