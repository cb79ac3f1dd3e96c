// Regression tests for the HTTP bugs of the hardening issue, each named
// after what broke: a multipart body gave 500 before authentication, the
// skew window was -5.99 s .. +5 s, a route-not-found message echoed
// non-UTF-8 bytes, control characters reached the access log.
#include "http_test_util.h"
#include "libexport/http/hmac_auth.h"
#include "shop_fixture.h"

namespace libexport::testing {
namespace {

const std::string kPath = "/v1/recommender/pin/shop/scopes/export";

struct Shop {
  explicit Shop(libexport::http::ExportRoutesOptions o = {}) {
    LoadShop(*store);
    server = std::make_unique<LiveServer>(store.store, o);
  }
  std::string Exchange(const std::string& request) {
    int fd = Connect(server->port);
    SendAll(fd, request);
    bool closed = false;
    std::string got = ReadUntilClose(fd, std::chrono::seconds(2), &closed);
    close(fd);
    return got;
  }
  TestStore store;
  std::unique_ptr<LiveServer> server;
};

std::string BodyOf(const std::string& response) {
  size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

}  // namespace

TEST_CASE("a multipart Content-Type before authentication gets 401, not 500",
          "[http][regression]") {
  Shop s;
  std::string body =
      "--b\r\nContent-Disposition: form-data; "
      "name=\"x\"\r\n\r\nvalue\r\n--b--\r\n";
  std::string got = s.Exchange(
      "POST " + kPath +
      " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  INFO(got);
  CHECK(StatusOf(got) == 401);
  CHECK(got.find(R"("check":"missing_authorization")") != std::string::npos);
}

TEST_CASE("the skew window is exactly plus or minus 5 s, fractions included",
          "[http][regression][auth]") {
  using libexport::http::AuthCheck;
  using libexport::http::AuthInput;
  using libexport::http::PrecheckAuth;
  httplib::Headers h = SignedHeaders("shop", "shop-key", kPath);
  std::string date = h.find("Date")->second;  // kNow, whole seconds
  std::string auth = h.find("Authorization")->second;
  std::string type = kJsonType;
  AuthInput in;
  in.method = "POST";
  in.path = kPath;
  in.authorization = {auth};
  in.date = {date};
  in.content_type = {type};
  auto at = [&](int64_t seconds, int32_t nanos) {
    return PrecheckAuth(in, "shop", Timestamp{kNow.seconds + seconds, nanos},
                        5);
  };
  CHECK(at(5, 0).ok());                                          // 5.0 s old
  CHECK(at(5, 1).check == AuthCheck::kDateTooOld);               // 5.000000001
  CHECK(at(5, 990'000'000).check == AuthCheck::kDateTooOld);     // was accepted
  CHECK(at(-5, 0).ok());                                         // 5.0 s ahead
  CHECK(at(-6, 999'999'999).check == AuthCheck::kDateInFuture);  // 5.000000001
  CHECK(at(-6, 1).check == AuthCheck::kDateInFuture);
  CHECK(at(-5, 500'000'000).ok());  // 4.5 s ahead
  CHECK(at(5, 990'000'000).message.find("5.990 s behind") != std::string::npos);
}

TEST_CASE("a route-not-found message with non-UTF-8 path bytes is valid JSON",
          "[http][regression]") {
  libexport::http::ExportRoutesOptions o;
  o.not_found_for_other_paths = true;
  Shop s(o);
  std::string got = s.Exchange(
      "GET /a\xff\xc3(\xe2\x82 HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\n\r\n");
  INFO(got);
  CHECK(StatusOf(got) == 404);
  CHECK(
      BodyOf(got) ==
      "{\"error\":{\"status\":404,\"code\":\"route_not_found\",\"message\":"
      "\"no route GET /a\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\"}}");
  // Well-formed UTF-8 is echoed as sent.
  got = s.Exchange(
      "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(BodyOf(got).find("no route GET /caf\xc3\xa9\"") != std::string::npos);
}

TEST_CASE(
    "control characters from the request target are escaped in the "
    "access log",
    "[http][regression]") {
  libexport::http::AccessLogEntry e;
  e.method = "GET";
  e.path = "/a\x1b[2J\r\nGET /fake tracker=x\\";
  e.status = 404;
  CHECK(libexport::http::FormatAccessLogLine(e) ==
        "1970-01-01T00:00:00.000Z - GET "
        "/a\\x1b[2J\\x0d\\x0aGET\\x20/fake\\x20tracker=x\\x5c tracker=- "
        "status=404 bytes=0 duration_ms=0.000 request_id=-");
  // Live: raw control bytes never reach the routes (400 from the connection
  // layer); a C1 control (0x9b, CSI) does, and is logged escaped.
  libexport::http::ExportRoutesOptions o;
  o.not_found_for_other_paths = true;
  Shop s(o);
  CHECK(StatusOf(s.Exchange("GET /a\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n")) ==
        400);
  CHECK(StatusOf(s.Exchange("GET /a\x9b\x33\x31m HTTP/1.1\r\nHost: "
                            "x\r\nConnection: close\r\n\r\n")) == 404);
  auto lines = s.server->log.WaitFor(1);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(" GET /a\\x9b31m tracker=- status=404 ") !=
        std::string::npos);
}

TEST_CASE("a 422 echo of a percent-encoded invalid byte is valid JSON",
          "[http][regression]") {
  // ?target_type=%FF used to echo the raw byte 0xFF into the message.
  Shop shop;
  httplib::Client client(shop.server->url());
  auto res = SignedPost(client, "shop", "shop-key", "?target_type=%FF");
  REQUIRE(res);
  CHECK(res->status == 422);
  // The byte is replaced by U+FFFD (EF BF BD): the body is UTF-8 JSON.
  CHECK(res->body ==
        "{\"error\":{\"status\":422,\"code\":\"invalid_parameter\","
        "\"message\":\"must be one of item, criteria, all (case-sensitive), "
        "got \\\"\xEF\xBF\xBD\\\"\",\"parameter\":\"target_type\"}}");
}

}  // namespace libexport::testing
