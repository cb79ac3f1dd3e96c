// The access log (text and JSON lines) and the request id echoed in
// X-Request-Id, on every answer of the routes.
#include <simdjson.h>

#include <regex>

#include "program_test_util.h"

namespace libexport::testing {

namespace {

libexport::http::AccessLogEntry SampleEntry() {
  libexport::http::AccessLogEntry e;
  e.time = Timestamp{1795953600, 123456789};  // 2026-11-29T12:00:00.123Z
  e.remote_addr = "127.0.0.1";
  e.remote_port = 40312;
  e.request_id = "req-7";
  e.method = "POST";
  e.path = "/v1/recommender/pin/shop/scopes/export?model=a\x1b[2J\"b\xff";
  e.tracker_id = "shop";
  e.status = 200;
  e.bytes = 512;
  e.duration_ms = 1.5;
  return e;
}

const std::regex kGeneratedId("[0-9a-f]{16}-[0-9a-f]{12}");

}  // namespace

TEST_CASE(
    "a text access log line starts with the time and the client address and "
    "names the request id",
    "[http][log]") {
  libexport::http::AccessLogEntry e = SampleEntry();
  CHECK(libexport::http::FormatAccessLogLine(e) ==
        "2026-11-29T12:00:00.123Z 127.0.0.1:40312 POST "
        "/v1/recommender/pin/shop/scopes/export?model=a\\x1b[2J\"b\\xff "
        "tracker=shop status=200 bytes=512 duration_ms=1.500 "
        "request_id=req-7");
  e.aborted = true;
  e.abort_reason = "client_gone";
  CHECK(libexport::http::FormatAccessLogLine(e).ends_with(
      " request_id=req-7 aborted=client_gone"));
}

TEST_CASE(
    "a JSON access log line is one ASCII object with the request's control "
    "characters escaped",
    "[http][log]") {
  libexport::http::AccessLogEntry e = SampleEntry();
  CHECK(libexport::http::FormatAccessLogJson(e) ==
        "{\"time\":\"2026-11-29T12:00:00.123Z\",\"remote_addr\":\"127.0.0.1\","
        "\"remote_port\":40312,\"request_id\":\"req-7\",\"method\":\"POST\","
        "\"path\":\"/v1/recommender/pin/shop/scopes/"
        "export?model=a\\\\x1b[2J\\\"b\\\\xff\",\"tracker\":\"shop\","
        "\"status\":200,\"bytes\":512,\"duration_ms\":1.500}");
  e.tracker_id.clear();
  e.remote_addr.clear();
  e.aborted = true;
  e.abort_reason = "mdb_get: MDB_CORRUPTED";
  CHECK(libexport::http::FormatAccessLogJson(e).ends_with(
      "\"tracker\":null,\"status\":200,\"bytes\":512,\"duration_ms\":1.500,"
      "\"abort_reason\":\"mdb_get:_MDB_CORRUPTED\"}"));
}

TEST_CASE("every answer of the routes carries X-Request-Id, errors included",
          "[http][log]") {
  TestStore store;
  LoadShop(*store);
  libexport::http::ExportRoutesOptions o;
  o.not_found_for_other_paths = true;
  LiveServer server(store.store, o);
  httplib::Client c("127.0.0.1", server.port);
  const std::string path = libexport::http::ExportPath("shop");

  SECTION("a sane id is echoed, on a 200, a 401, a 404 and a 405") {
    auto health = c.Get("/healthz", {{"X-Request-Id", "probe-1"}});
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(health->get_header_value("X-Request-Id") == "probe-1");
    auto unsigned_export =
        c.Post(path.c_str(), {{"X-Request-Id", "e-401"}}, "", kJsonType);
    REQUIRE(unsigned_export);
    CHECK(unsigned_export->status == 401);
    CHECK(unsigned_export->get_header_value("X-Request-Id") == "e-401");
    auto missing = c.Get("/nope", {{"X-Request-Id", "e-404"}});
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(missing->get_header_value("X-Request-Id") == "e-404");
    auto wrong_method = c.Delete("/metrics", {{"X-Request-Id", "e-405"}});
    REQUIRE(wrong_method);
    CHECK(wrong_method->status == 405);
    CHECK(wrong_method->get_header_value("X-Request-Id") == "e-405");
    auto lines = server.log.WaitFor(4);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].ends_with(" request_id=probe-1"));
    CHECK(lines[3].find(" status=405 ") != std::string::npos);
    CHECK(lines[3].ends_with(" request_id=e-405"));
  }
  SECTION("a signed export echoes the id on its streamed 200") {
    httplib::Headers h = SignedHeaders("shop", "shop-key", path);
    h.emplace("X-Request-Id", "export-42");
    auto res = c.Post(path.c_str(), h, "", kJsonType);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("X-Request-Id") == "export-42");
    auto lines = server.log.WaitFor(1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find(" 127.0.0.1:") != std::string::npos);
    CHECK(lines[0].ends_with(" request_id=export-42"));
  }
  SECTION("no id, an overlong one or two of them get a generated id") {
    auto none = c.Get("/healthz");
    auto overlong =
        c.Get("/healthz", {{"X-Request-Id", std::string(129, 'a')}});
    auto two =
        c.Get("/healthz", {{"X-Request-Id", "a"}, {"X-Request-Id", "b"}});
    auto spaced = c.Get("/healthz", {{"X-Request-Id", "a b"}});
    for (const auto* res : {&none, &overlong, &two, &spaced}) {
      REQUIRE(*res);
      const std::string id = (*res)->get_header_value("X-Request-Id");
      INFO(id);
      CHECK(std::regex_match(id, kGeneratedId));
    }
    CHECK(none->get_header_value("X-Request-Id") !=
          overlong->get_header_value("X-Request-Id"));
    auto exactly_128 =
        c.Get("/healthz", {{"X-Request-Id", std::string(128, 'z')}});
    REQUIRE(exactly_128);
    CHECK(exactly_128->get_header_value("X-Request-Id") ==
          std::string(128, 'z'));
  }
}

TEST_CASE(
    "exportd --log-format json writes one parsable object per request with "
    "the time, the client and the request id",
    "[exportd][log]") {
  ShopDir shop;
  const std::string log_path = shop.dir.Sub("exportd.log");
  auto d = std::make_unique<Exportd>(
      shop.store_dir(), log_path,
      std::vector<std::string>{"--log-format", "json"});
  httplib::Client c("127.0.0.1", d->port);
  const std::string path = libexport::http::ExportPath("shop");
  httplib::Headers h =
      SignedHeaders("shop", "shop-key", path, FormatHttpDate(SystemNow()));
  h.emplace("X-Request-Id", "json-1");
  auto exported = c.Post(path.c_str(), h, "", kJsonType);
  REQUIRE(exported);
  CHECK(exported->status == 200);
  // A C1 control byte (CSI) reaches the routes; C0 controls are refused by
  // the connection layer before them.
  // httplib's client would percent-encode the byte: send it raw.
  const int fd = Connect(d->port);
  SendAll(fd,
          "GET /a\x9b\x33\x31m HTTP/1.1\r\nHost: x\r\nConnection: "
          "close\r\n\r\n");
  bool closed = false;
  CHECK(StatusOf(ReadUntilClose(fd, std::chrono::seconds(5), &closed)) == 404);
  ::close(fd);
  const Timestamp before_stop = SystemNow();
  d->child->Signal(SIGTERM);
  REQUIRE(d->child->Wait(std::chrono::seconds(15)) == 0);

  std::vector<std::string> json_lines;
  std::istringstream log(ReadFile(log_path));
  for (std::string line; std::getline(log, line);) {
    if (line.starts_with("{")) json_lines.push_back(line);
  }
  INFO(ReadFile(log_path));
  REQUIRE(json_lines.size() == 2);
  simdjson::dom::parser parser;
  for (const std::string& line : json_lines) {
    INFO(line);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
    std::string_view time, addr, id, method, req_path;
    int64_t port = 0, status = 0;
    REQUIRE(doc["time"].get(time) == simdjson::SUCCESS);
    REQUIRE(doc["remote_addr"].get(addr) == simdjson::SUCCESS);
    REQUIRE(doc["remote_port"].get(port) == simdjson::SUCCESS);
    REQUIRE(doc["request_id"].get(id) == simdjson::SUCCESS);
    REQUIRE(doc["method"].get(method) == simdjson::SUCCESS);
    REQUIRE(doc["path"].get(req_path) == simdjson::SUCCESS);
    REQUIRE(doc["status"].get(status) == simdjson::SUCCESS);
    auto t = ParseRfc3339(time);
    REQUIRE(t.ok());
    CHECK(t->fraction_digits == 3);
    CHECK(t->time.seconds <= before_stop.seconds);
    CHECK(t->time.seconds > before_stop.seconds - 60);
    CHECK(addr == "127.0.0.1");
    CHECK(port > 0);
    if (status == 200) {
      CHECK(id == "json-1");
      CHECK(method == "POST");
      CHECK(req_path == path);
      std::string_view tracker;
      REQUIRE(doc["tracker"].get(tracker) == simdjson::SUCCESS);
      CHECK(tracker == "shop");
    } else {
      CHECK(status == 404);
      CHECK(std::regex_match(std::string(id), kGeneratedId));
      CHECK(req_path == "/a\\x9b31m");
      CHECK(doc["tracker"].is_null());
    }
  }
  CHECK(ReadFile(log_path).find("shop-key") == std::string::npos);
}

TEST_CASE("exportd --log-format refuses a format it does not know",
          "[exportd][log]") {
  TempDir dir;
  Ran r = RunExportd("--log-format xml", dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("--log-format") != std::string::npos);
  CHECK(r.err.find("xml") != std::string::npos);
}

}  // namespace libexport::testing
