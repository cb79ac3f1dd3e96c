// The export routes over real HTTP on an ephemeral loopback port, with a
// real store in a temporary directory: every status, every 401 diagnostic,
// bytes equal to Store::ExportToString, the docs' shell example, streaming.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>

#include "demo_data.h"
#include "http_test_util.h"
#include "shop_fixture.h"

namespace libexport::testing {
namespace {

const std::string kShopPath = "/v1/recommender/pin/shop/scopes/export";

struct ShopServer {
  explicit ShopServer(libexport::http::ExportRoutesOptions options = {},
                      bool fixed_clock = true) {
    LoadShop(*store);
    server = std::make_unique<LiveServer>(store.store, options, fixed_clock);
    client = std::make_unique<httplib::Client>(server->url());
  }
  TestStore store;
  std::unique_ptr<LiveServer> server;
  std::unique_ptr<httplib::Client> client;
};

std::string Export(const Store& store, ExportQuery q) {
  auto r = store.ExportToString(q);
  REQUIRE_OK(r);
  return r.value();
}

// Raw HTTP/1.1 on one connection: sends each request after the previous
// chunked response completed, or gives up after 3 s per response. The
// connection stays open throughout, so a server that waited for the body's
// end (EOF) would time out instead. (httplib 0.11.4 drops pipelined bytes,
// so requests are not pipelined.)
std::vector<std::string> RawExchange(int port,
                                     const std::vector<std::string>& requests) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  std::vector<std::string> responses;
  for (const std::string& request : requests) {
    REQUIRE(send(fd, request.data(), request.size(), 0) ==
            static_cast<ssize_t>(request.size()));
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      if (got.find("\r\n0\r\n\r\n") != std::string::npos) break;
    }
    responses.push_back(got);
  }
  close(fd);
  return responses;
}

}  // namespace

TEST_CASE("a signed export answers 200 with the store's bytes for that query",
          "[http]") {
  ShopServer s;
  auto res = SignedPost(*s.client, "shop", "shop-key",
                        "?model=basket&target_type=item");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == kJsonType);
  CHECK(res->get_header_value("Transfer-Encoding") == "chunked");
  CHECK(res->body == Doc({kOut1, kOut5}));
  ExportQuery q = Query("shop");
  q.models = {"basket"};
  q.target_types = {TargetType::kItem};
  CHECK(res->body == Export(*s.store, q));
}

TEST_CASE("pruning switches over HTTP equal ExportToString with them",
          "[http]") {
  ShopServer s;
  auto res =
      SignedPost(*s.client, "shop", "shop-key",
                 "?remove_expired_pins=TRUE&remove_nonexisting_item_pins=1");
  REQUIRE(res);
  CHECK(res->status == 200);
  ExportQuery q = Query("shop");
  q.remove_expired_pins = true;
  q.remove_nonexisting_item_pins = true;
  CHECK(res->body == Export(*s.store, q));
  CHECK(res->body.find(kOut1Expired) != std::string::npos);
  // No filter: every customization of the tracker, none of "other".
  auto all = SignedPost(*s.client, "shop", "shop-key");
  REQUIRE(all);
  CHECK(all->body == Doc({kOut1, kOut2, kOut3, kOut4, kOut5, kOut6}));
  // Percent-encoded values are decoded; unknown parameters are ignored.
  auto tagged = SignedPost(*s.client, "shop", "shop-key",
                           "?tag=s%75mmer&unknown=1&model=basket");
  REQUIRE(tagged);
  CHECK(tagged->body == Doc({kOut1}));
}

TEST_CASE("unknown tracker is 404 after its headers parse", "[http]") {
  ShopServer s;
  auto res = SignedPost(*s.client, "nobody", "whatever");
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(
      res->body ==
      R"({"error":{"status":404,"code":"tracker_not_found","message":"tracker 'nobody' does not exist"}})");
  // A path segment that cannot be a tracker id.
  auto bad =
      s.client->Post("/v1/recommender/pin/no.such/scopes/export",
                     SignedHeaders("no.such", "k",
                                   "/v1/recommender/pin/no.such/scopes/export"),
                     "", kJsonType);
  REQUIRE(bad);
  CHECK(bad->status == 404);
  CHECK(
      bad->body ==
      R"({"error":{"status":404,"code":"tracker_not_found","message":"no such tracker"}})");
}

TEST_CASE("unknown routes are JSON 404s when the routes own the server",
          "[http]") {
  libexport::http::ExportRoutesOptions o;
  o.not_found_for_other_paths = true;
  ShopServer s(o);
  auto res = s.client->Get("/nope");
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(
      res->body ==
      R"({"error":{"status":404,"code":"route_not_found","message":"no route GET /nope"}})");
  auto slash = s.client->Post((kShopPath + "/").c_str(), "", kJsonType);
  REQUIRE(slash);
  CHECK(slash->status == 404);
  // A long path is a plain 404 (no regex recursion on it; httplib itself
  // answers 414 past 8 KiB).
  auto long_path = s.client->Get(("/" + std::string(8000, 'a')).c_str());
  REQUIRE(long_path);
  CHECK(long_path->status == 404);
}

TEST_CASE("a method other than POST on the export route is 405", "[http]") {
  ShopServer s;
  auto res = s.client->Get(kShopPath.c_str());
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(res->get_header_value("Allow") == "POST");
  CHECK(
      res->body ==
      R"({"error":{"status":405,"code":"method_not_allowed","message":"the export route accepts POST only"}})");
  auto del = s.client->Delete(kShopPath.c_str());
  REQUIRE(del);
  CHECK(del->status == 405);
}

TEST_CASE("invalid parameters are 422 naming the parameter", "[http]") {
  ShopServer s;
  struct Case {
    std::string query, parameter;
  };
  for (const Case& c :
       {Case{"?target_type=bogus", "target_type"}, Case{"?model=", "model"},
        Case{"?remove_expired_pins=yes", "remove_expired_pins"},
        Case{"?remove_nonexisting_item_pins=2", "remove_nonexisting_item_pins"},
        Case{"?remove_expired_pins=1&remove_expired_pins=1",
             "remove_expired_pins"},
        Case{"?as_of=tomorrow", "as_of"},
        Case{"?as_of=2026-11-29T12:00:00Z&as_of=2026-11-29T12:00:00Z", "as_of"},
        Case{"?prune_report=maybe", "prune_report"}}) {
    INFO(c.query);
    auto res = SignedPost(*s.client, "shop", "shop-key", c.query);
    REQUIRE(res);
    CHECK(res->status == 422);
    CHECK(res->body.rfind(
              R"({"error":{"status":422,"code":"invalid_parameter","message":)",
              0) == 0);
    CHECK(res->body.find(R"("parameter":")" + c.parameter + R"("}})") !=
          std::string::npos);
  }
  auto contradiction = SignedPost(*s.client, "shop", "shop-key",
                                  "?target_type=all&target_identity=/p/1/");
  REQUIRE(contradiction);
  CHECK(contradiction->status == 422);
  CHECK(contradiction->body.find("\"parameter\":\"target_") !=
        std::string::npos);
}

TEST_CASE("each 401 says which check failed and shows the string signed",
          "[http][auth]") {
  ShopServer s;
  const std::string date = FormatHttpDate(kNow);
  auto post = [&](const httplib::Headers& h,
                  const std::string& type = kJsonType) {
    auto res = s.client->Post(kShopPath.c_str(), h, "", type.c_str());
    REQUIRE(res);
    CHECK(res->status == 401);
    return res->body;
  };
  auto check_of = [](const std::string& body, const std::string& check) {
    INFO(body);
    CHECK(body.find(R"("check":")" + check + "\"") != std::string::npos);
  };
  httplib::Headers good = SignedHeaders("shop", "shop-key", kShopPath);
  std::string good_auth = good.find("Authorization")->second;

  SECTION("missing Authorization") {
    check_of(post({{"Date", date}}), "missing_authorization");
  }
  SECTION("missing Date") {
    check_of(post({{"Authorization", good_auth}}), "missing_date");
  }
  SECTION("malformed Authorization") {
    check_of(post({{"Date", date}, {"Authorization", "shop-signature"}}),
             "malformed_authorization");
  }
  SECTION("duplicate Authorization") {
    check_of(post({{"Date", date},
                   {"Authorization", good_auth},
                   {"Authorization", good_auth}}),
             "duplicate_header");
  }
  SECTION("tracker mismatch") {
    check_of(post(SignedHeaders("other", "other-key", kShopPath)),
             "tracker_mismatch");
  }
  SECTION("stale Date") {
    check_of(post(SignedHeaders("shop", "shop-key", kShopPath,
                                FormatHttpDate({kNow.seconds - 6, 0}))),
             "date_too_old");
  }
  SECTION("future Date") {
    check_of(post(SignedHeaders("shop", "shop-key", kShopPath,
                                FormatHttpDate({kNow.seconds + 6, 0}))),
             "date_in_future");
  }
  SECTION("malformed Date") {
    check_of(post({{"Date", "yesterday"}, {"Authorization", good_auth}}),
             "malformed_date");
  }
  SECTION("bad signature: the whole body") {
    std::string body = post(
        {{"Date", date}, {"Authorization", "ApiAuth shop:AAAAbadsignature="}});
    CHECK(
        body ==
        R"j({"error":{"status":401,"code":"unauthorized","message":"the signature does not match: sign string_to_sign below with HMAC-SHA256 and the tracker's private key, then Base64 (standard alphabet, padded)","diagnostics":{"check":"signature_mismatch","string_to_sign":"POST\napplication/json; charset=utf-8\nSun, 29 Nov 2026 12:00:00 GMT\n/v1/recommender/pin/shop/scopes/export","header_tracker_id":"shop","server_time":"Sun, 29 Nov 2026 12:00:00 GMT","max_clock_skew_seconds":5,"expected_authorization":"<client> <tracker_id>:Base64(HMAC-SHA256(private_key, string_to_sign))"}}})j");
  }
  SECTION("signed with a different Content-Type than sent") {
    std::string body = post(
        SignedHeaders("shop", "shop-key", kShopPath, date, "application/json"));
    check_of(body, "signature_mismatch");
    CHECK(body.find(
              R"("string_to_sign":"POST\napplication/json; charset=utf-8\n)") !=
          std::string::npos);
  }
  SECTION("signed over the path with its query") {
    auto res = s.client->Post(
        (kShopPath + "?model=basket").c_str(),
        SignedHeaders("shop", "shop-key", kShopPath + "?model=basket"), "",
        kJsonType);
    REQUIRE(res);
    CHECK(res->status == 401);
    check_of(res->body, "signature_mismatch");
  }
  SECTION("percent in a signed header") {
    check_of(post({{"Date", date}, {"Authorization", "ApiAuth shop:a%25b"}}),
             "invalid_header_value");
  }
}

TEST_CASE("no key or signature appears in a log line or an error body",
          "[http][auth]") {
  ShopServer s;
  std::vector<std::string> bodies;
  httplib::Headers good = SignedHeaders("shop", "shop-key", kShopPath);
  std::string good_sig = good.find("Authorization")->second;
  good_sig = good_sig.substr(good_sig.find(':') + 1);
  std::string wrong = "ApiAuth shop:WRONGsignatureWRONGsignatureWRONGsigna=";
  for (const auto& h : std::vector<httplib::Headers>{
           good,
           {{"Date", FormatHttpDate(kNow)}, {"Authorization", wrong}},
           SignedHeaders("shop", "shop-key", kShopPath,
                         FormatHttpDate({kNow.seconds - 60, 0})),
           SignedHeaders("other", "other-key", kShopPath)}) {
    for (const char* q : {"", "?target_type=bad"}) {
      auto res = s.client->Post((kShopPath + q).c_str(), h, "", kJsonType);
      REQUIRE(res);
      if (res->status != 200) bodies.push_back(res->body);
    }
  }
  REQUIRE(bodies.size() == 7);  // all but the one good request
  auto lines = s.server->log.WaitFor(8);
  REQUIRE(lines.size() == 8);
  std::vector<std::string> all = bodies;
  all.insert(all.end(), lines.begin(), lines.end());
  all.push_back(s.server->routes->MetricsText());
  for (const std::string& text : all) {
    INFO(text);
    CHECK(text.find("shop-key") == std::string::npos);
    CHECK(text.find("other-key") == std::string::npos);
    CHECK(text.find(good_sig) == std::string::npos);
    CHECK(text.find("WRONGsignature") == std::string::npos);
    CHECK(text.find("Authorization:") == std::string::npos);
  }
  size_t ok_lines = 0;
  for (const std::string& line : lines) {
    if (line.find(" POST " + kShopPath + " tracker=shop status=200 bytes=") !=
        std::string::npos) {
      ++ok_lines;
    }
  }
  CHECK(ok_lines == 1);
}

TEST_CASE("the public docs' shell example works unchanged with curl",
          "[http][curl]") {
  ShopServer s({}, /*fixed_clock=*/false);
  // reference-api-facts.md section 4, with the tracker, key and host filled
  // in. curl -X POST sends no body and no Content-Length.
  std::string script = R"(set -e
tracker_id="shop"
private_key="shop-key"
host=")" + s.server->url() +
                       R"("
base_path="/v1/recommender/pin/${tracker_id}/scopes/export"
full_path="${base_path}?model=basket&target_type=item"
method="POST"
content_type="application/json; charset=utf-8"
date=$(date -u "+%a, %d %b %Y %H:%M:%S GMT")
string_to_sign=$(printf "${method}\n${content_type}\n${date}\n${base_path}")
signature=$(echo -n "$string_to_sign" | openssl dgst -sha256 -hmac "$private_key" -binary | base64)
curl -s -X POST "${host}${full_path}" \
  -H "Content-Type: ${content_type}" \
  -H "Date: ${date}" \
  -H "Authorization: ApiAuth ${tracker_id}:${signature}"
)";
  int status = 0;
  std::string body = RunShell("export LC_ALL=C\n" + script, &status);
  CHECK(status == 0);
  INFO(body);
  CHECK(body.rfind("{\"results\":[", 0) == 0);
  CHECK(body.find("00000000-0000-4000-8000-000000000001") != std::string::npos);
  CHECK(body.find("00000000-0000-4000-8000-000000000005") != std::string::npos);
  CHECK(body.find("00000000-0000-4000-8000-000000000002") == std::string::npos);
  auto lines = s.server->log.WaitFor(1);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(" status=200 ") != std::string::npos);
}

TEST_CASE(
    "a POST with no body and no Content-Length is answered at once on "
    "an open keep-alive connection",
    "[http]") {
  ShopServer s;
  auto h = libexport::http::SignRequest("shop", "shop-key", "POST", kShopPath,
                                        kJsonType, FormatHttpDate(kNow));
  std::string request =
      "POST " + kShopPath +
      "?model=search HTTP/1.1\r\nHost: x\r\nContent-Type: " + kJsonType +
      "\r\nDate: " + h.date + "\r\nAuthorization: " + h.authorization +
      "\r\n\r\n";
  // Two requests on one kept-alive connection: the first must not wait for
  // a body, and the second must not be read as the first one's body.
  auto got = RawExchange(s.server->port, {request, request});
  REQUIRE(got.size() == 2);
  for (const std::string& r : got) {
    INFO(r);
    CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(r.find(std::string(kOut6)) != std::string::npos);
  }
}

TEST_CASE("a request body is read under a cap and otherwise ignored",
          "[http]") {
  libexport::http::ExportRoutesOptions o;
  o.max_body_bytes = 1024;
  ShopServer s(o);
  httplib::Headers h = SignedHeaders("shop", "shop-key", kShopPath);
  auto small =
      s.client->Post((kShopPath + "?model=search").c_str(), h, "{}", kJsonType);
  REQUIRE(small);
  CHECK(small->status == 200);
  CHECK(small->body == Doc({kOut6}));
  auto big =
      s.client->Post(kShopPath.c_str(), h, std::string(100000, 'x'), kJsonType);
  REQUIRE(big);
  CHECK(big->status == 413);
  // Chunked bodies are capped too (httplib's own limit ignores them).
  httplib::Client chunked(s.server->url());
  auto c = chunked.Post(
      kShopPath.c_str(), h,
      [](size_t offset, httplib::DataSink& sink) {
        std::string part(4096, 'y');
        if (offset >= 65536) {
          sink.done();
          return true;
        }
        return sink.write(part.data(), part.size());
      },
      kJsonType);
  // 413, or the connection closed while the client was still sending.
  INFO(httplib::to_string(c.error()));
  if (c) {
    CHECK(c->status == 413);
  } else {
    CHECK((c.error() == httplib::Error::Write ||
           c.error() == httplib::Error::Read));
  }
}

TEST_CASE("Range requests are refused and br is never applied", "[http]") {
  ShopServer s;
  httplib::Headers h = SignedHeaders("shop", "shop-key", kShopPath);
  h.emplace("Range", "bytes=0-,0-,0-");
  auto ranged = s.client->Post(kShopPath.c_str(), h, "", kJsonType);
  REQUIRE(ranged);
  CHECK(ranged->status == 416);
  CHECK(
      ranged->body ==
      R"({"error":{"status":416,"code":"range_not_supported","message":"Range requests are not supported"}})");
  httplib::Headers hb = SignedHeaders("shop", "shop-key", kShopPath);
  hb.emplace("Accept-Encoding", "br, gzip");
  httplib::Client raw(s.server->url());
  raw.set_decompress(false);
  auto res = raw.Post(kShopPath.c_str(), hb, "", kJsonType);
  REQUIRE(res);
  CHECK(res->status == 200);
  // gzip is the export's own coding; cpp-httplib adds no br on top.
  CHECK(res->get_header_value_count("Content-Encoding") == 1);
  CHECK(res->get_header_value("Content-Encoding") == "gzip");
  hb.erase("Accept-Encoding");
  hb.emplace("Accept-Encoding", "br");
  res = raw.Post(kShopPath.c_str(), hb, "", kJsonType);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK_FALSE(res->has_header("Content-Encoding"));
}

TEST_CASE("healthz and metrics answer GET without auth", "[http]") {
  ShopServer s;
  REQUIRE(SignedPost(
      *s.client, "shop", "shop-key",
      "?remove_expired_pins=true&remove_nonexisting_item_pins=true"));
  REQUIRE(SignedPost(*s.client, "shop", "wrong-key"));
  REQUIRE(s.server->log.WaitFor(2).size() == 2);  // the 200 is counted
  auto health = s.client->Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == R"({"status":"ok"})");
  auto metrics = s.client->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  const std::string& m = metrics->body;
  INFO(m);
  CHECK(m.find("libexport_http_requests_total{route=\"export\",status=\"200\"} "
               "1\n") != std::string::npos);
  CHECK(m.find("libexport_http_requests_total{route=\"export\",status=\"401\"} "
               "1\n") != std::string::npos);
  CHECK(m.find("libexport_http_requests_total{route=\"healthz\",status=\"200\"}"
               " 1\n") != std::string::npos);
  // Fixture: /p/11/, /p/12/ (expired), 06's /p/10/ expired; /p/missing/
  // missing.
  CHECK(m.find("libexport_pins_pruned_total{reason=\"expired\"} ") !=
        std::string::npos);
  CHECK(m.find("libexport_pins_pruned_total{reason=\"nonexisting_item\"} ") !=
        std::string::npos);
  CHECK(m.find("libexport_http_request_duration_seconds_bucket{route="
               "\"export\",le=\"+Inf\"} 2\n") != std::string::npos);
  CHECK(m.find("libexport_http_response_bytes_total ") != std::string::npos);
  CHECK(m.find(std::string("libexport_build_info{version=\"") +
               LIBEXPORT_EXPECTED_VERSION + "\",commit=\"" +
               LIBEXPORT_EXPECTED_COMMIT + "\"} 1\n") != std::string::npos);
  auto post_health = s.client->Post("/healthz", "", "text/plain");
  REQUIRE(post_health);
  CHECK(post_health->status == 405);
}

TEST_CASE("many concurrent keep-alive clients are all served", "[http][load]") {
  ShopServer s;
  constexpr int kClients = 40;
  constexpr int kRequests = 25;
  std::atomic<int> ok{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  std::string expected = Doc({kOut1, kOut5});
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      httplib::Client c(s.server->url());
      c.set_keep_alive(true);
      c.set_read_timeout(30);
      for (int r = 0; r < kRequests; ++r) {
        auto res =
            SignedPost(c, "shop", "shop-key", "?model=basket&target_type=item");
        if (res && res->status == 200 && res->body == expected) {
          ++ok;
        } else {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(ok == kClients * kRequests);
}

namespace {

struct DemoServer {
  explicit DemoServer(size_t customizations,
                      libexport::http::ExportRoutesOptions options = {}) {
    REQUIRE_OK(store->AddTracker("demo", std::string("demo-key")));
    demo::DemoOptions d;
    d.customizations = customizations;
    d.catalog = 2000;
    d.now = kNow;
    demo::DemoData data = demo::GenerateDemo(d);
    MustImport(*store, "demo", data.ndjson, Opts(ImportFormat::kNdjson));
    REQUIRE_OK(store->AddCatalogItems("demo", data.catalog));
    server = std::make_unique<LiveServer>(store.store, options);
  }
  TestStore store;
  std::unique_ptr<LiveServer> server;
};

}  // namespace

TEST_CASE("a large export streams with server memory flat in its size",
          "[http][large]") {
  DemoServer s(30000);
  std::string expected = Export(*s.store, Query("demo"));
  REQUIRE(expected.size() > 8u * 1024 * 1024);
  HeapPeak heap;  // `expected` exists already
  size_t received = 0;
  uint64_t checksum = 0;
  httplib::Client c(s.server->url());
  httplib::Request req = SignedExportRequest("demo", "demo-key");
  int status = 0;
  req.response_handler = [&](const httplib::Response& r) {
    status = r.status;
    return true;
  };
  req.content_receiver = [&](const char* d, size_t n, uint64_t, uint64_t) {
    for (size_t i = 0; i < n; ++i) {
      checksum = checksum * 131 + static_cast<unsigned char>(d[i]);
    }
    received += n;
    return true;
  };
  httplib::Response res;
  httplib::Error err;
  REQUIRE(c.send(req, res, err));
  const long growth = heap.GrowthKb();
  CHECK(status == 200);
  CHECK(received == expected.size());
  uint64_t expected_checksum = 0;
  for (unsigned char ch : expected)
    expected_checksum = expected_checksum * 131 + ch;
  CHECK(checksum == expected_checksum);
  // Buffering the body would hold its size at once; streaming keeps a few
  // 64 KiB batches live (the bound leaves room for the client's buffers).
  // The live heap, not RSS: the same check under ASan, whose quarantine
  // keeps freed memory resident.
  INFO("live heap peak +" << growth << " kB, body " << expected.size() / 1024
                          << " kB");
  CHECK(growth < static_cast<long>(expected.size() / 1024 / 4));
}

namespace {

// A tracker "big" (key "big-key") holding one customization whose
// target_criteria carries a string of `blob_bytes` bytes: one stored record
// of about that size.
struct BigRecordServer {
  explicit BigRecordServer(size_t blob_bytes,
                           libexport::http::ExportRoutesOptions options = {}) {
    REQUIRE_OK(store->AddTracker("big", std::string("big-key")));
    const std::string record =
        R"({"id":")" + TestId(1) +
        R"(","model":"basket","target_type":"criteria","target_criteria":{"blob":")" +
        std::string(blob_bytes, 'x') +
        R"("},"tags":["sale"],"pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"brand":"acme"},"is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-12-01T00:00:00Z"}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"})";
    MustImport(*store, "big", record, Opts(ImportFormat::kNdjson));
    expected = Export(*store, Query("big"));
    server = std::make_unique<LiveServer>(store.store, options);
  }
  TestStore store;
  std::string expected;
  std::unique_ptr<LiveServer> server;
};

// One signed export of "big", its body compared with `expected` as it
// arrives (never held). While `*slow` holds, it sleeps 2 ms after each
// piece (about 4 KiB): a slow reader.
struct BigExportResult {
  bool complete = false;
  int status = 0;
  size_t received = 0;
  bool same = true;
};
BigExportResult ExportBig(const BigRecordServer& s,
                          const std::atomic<bool>* slow = nullptr) {
  BigExportResult r;
  httplib::Client c(s.server->url());
  c.set_read_timeout(30, 0);
  httplib::Request req = SignedExportRequest("big", "big-key");
  req.response_handler = [&](const httplib::Response& res) {
    r.status = res.status;
    return true;
  };
  req.content_receiver = [&](const char* d, size_t n, uint64_t, uint64_t) {
    r.same = r.same && r.received + n <= s.expected.size() &&
             std::memcmp(d, s.expected.data() + r.received, n) == 0;
    r.received += n;
    if (slow != nullptr && slow->load())
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return true;
  };
  httplib::Response res;
  httplib::Error err;
  r.complete = c.send(req, res, err);
  return r;
}

}  // namespace

TEST_CASE(
    "eight concurrent exports of a 24 MiB record keep the server's heap "
    "growth under 12 MiB",
    "[http][large][memory]") {
  // Each record reaches the socket straight from the store's map, in
  // slices: before, every export held it whole in its batch and twice more
  // in cpp-httplib's chunk writer (about 80 MiB each, 640 MiB for eight).
  BigRecordServer s(24 << 20);
  REQUIRE(s.expected.size() > (24u << 20));
  HeapPeak heap;  // `expected` exists already
  std::vector<BigExportResult> results(8);
  std::vector<std::thread> clients;
  for (auto& r : results) {
    clients.emplace_back([&s, &r] { r = ExportBig(s); });
  }
  for (auto& t : clients) t.join();
  const long growth = heap.GrowthKb();
  for (const auto& r : results) {
    CHECK(r.status == 200);
    CHECK(r.complete);
    CHECK(r.received == s.expected.size());
    CHECK(r.same);
  }
  INFO("live heap peak +" << growth << " kB for 8 streams of "
                          << s.expected.size() / 1024 << " kB");
  CHECK(growth < 12 * 1024);
}

TEST_CASE(
    "the stream time cap stops one large record to a slow reader between "
    "its slices",
    "[http][large]") {
  // Used to be checked only between sink writes: a single 200 MB record
  // ran on for as long as the client took to read it.
  libexport::http::ExportRoutesOptions o;
  o.max_stream_time = std::chrono::seconds(1);
  BigRecordServer s(16 << 20, o);
  std::atomic<bool> slow{true};
  BigExportResult r;
  auto start = std::chrono::steady_clock::now();
  // About 2 MB/s: the whole record would take over 8 s.
  std::thread client([&] { r = ExportBig(s, &slow); });
  // The server logs the stream when it cuts it, while the client is still
  // reading what the socket buffers hold.
  auto lines = s.server->log.WaitFor(1);
  auto took = std::chrono::steady_clock::now() - start;
  slow = false;
  client.join();
  REQUIRE(lines.size() == 1);
  INFO(lines[0]);
  // The 1 s cap plus one slice: a generous bound.
  CHECK(took < std::chrono::seconds(5));
  CHECK(r.status == 200);
  CHECK_FALSE(r.complete);  // a truncated chunked body
  CHECK(r.received < s.expected.size());
  CHECK(r.same);
  CHECK(lines[0].find(" aborted=time_cap") != std::string::npos);
}

TEST_CASE("a client that goes away mid-stream releases the export at once",
          "[http][large]") {
  DemoServer s(20000);
  httplib::Client c(s.server->url());
  httplib::Request req = SignedExportRequest("demo", "demo-key");
  req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) {
    return false;  // hang up after the first chunk
  };
  httplib::Response res;
  httplib::Error err;
  c.send(req, res, err);
  c.stop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s.server->routes->ActiveStreams() != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(s.server->routes->ActiveStreams() == 0);
  auto lines = s.server->log.WaitFor(1);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(" aborted") != std::string::npos);
  CHECK(s.server->routes->MetricsText().find(
            "libexport_http_export_streams_aborted_total{reason="
            "\"client_gone\"} 1\n") != std::string::npos);
}

TEST_CASE("the stream time cap cuts a slow reader", "[http][large]") {
  libexport::http::ExportRoutesOptions o;
  o.max_stream_time = std::chrono::seconds(1);
  DemoServer s(20000, o);
  httplib::Client c(s.server->url());
  httplib::Request req = SignedExportRequest("demo", "demo-key");
  size_t received = 0;
  req.content_receiver = [&](const char*, size_t n, uint64_t, uint64_t) {
    received += n;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return true;
  };
  httplib::Response res;
  httplib::Error err;
  bool complete = c.send(req, res, err);
  CHECK_FALSE(complete);  // truncated chunked body
  std::string expected = Export(*s.store, Query("demo"));
  CHECK(received < expected.size());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (s.server->log.Get().empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto lines = s.server->log.WaitFor(1);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(" aborted") != std::string::npos);
}

TEST_CASE("shutdown during a stream lets it finish, then listen returns",
          "[http][large]") {
  DemoServer s(10000);
  std::string expected = Export(*s.store, Query("demo"));
  std::atomic<bool> first_bytes{false};
  std::string body;
  bool complete = false;
  std::thread client([&] {
    httplib::Client c(s.server->url());
    httplib::Request req = SignedExportRequest("demo", "demo-key");
    req.content_receiver = [&](const char* d, size_t n, uint64_t, uint64_t) {
      body.append(d, n);
      first_bytes = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return true;
    };
    httplib::Response res;
    httplib::Error err;
    complete = c.send(req, res, err);
  });
  while (!first_bytes)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  s.server->routes->BeginShutdown(std::chrono::steady_clock::now() +
                                  std::chrono::seconds(60));
  // A new request during shutdown is refused.
  httplib::Client late(s.server->url());
  auto refused = SignedPost(late, "demo", "demo-key");
  REQUIRE(refused);  // the listener still answers: with a 503
  CHECK(refused->status == 503);
  s.server->Stop();  // returns once the stream finished
  client.join();
  CHECK(complete);
  CHECK(body == expected);
}
}  // namespace libexport::testing
