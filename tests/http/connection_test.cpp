// exportd's connection layer (app/hardened_server.h) on a live loopback
// server, with raw sockets: request framing (RFC 9112 6.3, 7.1, 9.6),
// bodies the routes do not read, pipelining, `Connection: close`, HTTP/1.0,
// the absolute form, a literal `?` in the query, bounded request heads.
#include <malloc.h>

#include "http_test_util.h"
#include "shop_fixture.h"

namespace libexport::testing {
namespace {

const std::string kPath = "/v1/recommender/pin/shop/scopes/export";

struct Shop {
  Shop() { LoadShop(*store); }
  TestStore store;
  LiveServer server{store.store};

  // Sends `request` on a fresh connection; what came back before the
  // server closed (or `timeout`).
  std::string Exchange(
      const std::string& request, bool* closed,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(2500)) {
    int fd = Connect(server.port);
    SendAll(fd, request);
    std::string got = ReadUntilClose(fd, timeout, closed);
    close(fd);
    return got;
  }
};

// A signed export request for `target` (path + query) with `extra` header
// lines and `body`.
std::string SignedRequest(const std::string& target, const std::string& extra,
                          const std::string& body = "",
                          const std::string& version = "HTTP/1.1") {
  httplib::Headers h = SignedHeaders("shop", "shop-key", kPath);
  return "POST " + target + " " + version +
         "\r\nHost: x\r\nContent-Type: " + kJsonType +
         "\r\nDate: " + h.find("Date")->second +
         "\r\nAuthorization: " + h.find("Authorization")->second + "\r\n" +
         extra + "\r\n" + body;
}

// How many responses `got` holds (status lines: "HTTP/1.1 " and a digit;
// a request line ends in "HTTP/1.1\r\n").
int Responses(const std::string& got) {
  int n = 0;
  for (size_t at = got.find("HTTP/1.1 "); at != std::string::npos;
       at = got.find("HTTP/1.1 ", at + 1)) {
    if (at + 9 < got.size() &&
        std::isdigit(static_cast<unsigned char>(got[at + 9])))
      ++n;
  }
  return n;
}

const std::string kHidden = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

}  // namespace

TEST_CASE("a request hidden in the body of GET /healthz is never answered",
          "[http][framing]") {
  Shop s;
  bool closed = false;
  std::string got =
      s.Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(kHidden.size()) + "\r\n\r\n" + kHidden,
                 &closed, std::chrono::milliseconds(1500));
  INFO(got);
  CHECK(StatusOf(got) == 200);
  CHECK(Responses(got) == 1);
  CHECK(got.find("libexport_http") == std::string::npos);
}

TEST_CASE("a request hidden in the body of an unknown route is never answered",
          "[http][framing]") {
  Shop s;
  bool closed = false;
  std::string body = kHidden + kHidden;
  std::string got =
      s.Exchange("POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body,
                 &closed, std::chrono::milliseconds(1500));
  INFO(got);
  CHECK(StatusOf(got) == 404);
  CHECK(Responses(got) == 1);
}

TEST_CASE("a request hidden past the export's body cap is never answered",
          "[http][framing]") {
  Shop s;
  // 100 KB declared, the cap is 64 KiB: 413 and close, the hidden request
  // at 70 KB is never parsed.
  std::string body = std::string(70000, 'a') + kHidden;
  body += std::string(100000 - body.size(), 'b');
  bool closed = false;
  std::string got = s.Exchange(
      SignedRequest(kPath, "Content-Length: 100000\r\n", body), &closed);
  INFO(got.substr(0, 300));
  CHECK(StatusOf(got) == 413);
  CHECK(Responses(got) == 1);
  CHECK(closed);
}

TEST_CASE(
    "a request hidden in a chunked body the route did not read is never "
    "answered",
    "[http][framing]") {
  Shop s;
  std::string chunk = kHidden;
  char size[16];
  std::snprintf(size, sizeof size, "%zx", chunk.size());
  bool closed = false;
  std::string got = s.Exchange(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\n\r\n" +
          std::string(size) + "\r\n" + chunk + "\r\n0\r\n\r\n",
      &closed, std::chrono::milliseconds(1500));
  INFO(got);
  CHECK(StatusOf(got) == 405);
  CHECK(Responses(got) == 1);
}

TEST_CASE("duplicate Content-Length is 400 and the connection is closed",
          "[http][framing]") {
  Shop s;
  for (const char* second :
       {"Content-Length: 5\r\n", "Content-Length: 0\r\n"}) {
    bool closed = false;
    std::string got = s.Exchange(
        SignedRequest(kPath, std::string("Content-Length: 0\r\n") + second),
        &closed);
    INFO(got);
    CHECK(StatusOf(got) == 400);
    CHECK(got.find("duplicate Content-Length") != std::string::npos);
    CHECK(Responses(got) == 1);
    CHECK(closed);
  }
}

TEST_CASE("a malformed Content-Length is 400 and the connection is closed",
          "[http][framing]") {
  Shop s;
  for (const char* value : {"0x10", "-1", "1 0", "+5", "5, 5", ""}) {
    INFO(value);
    bool closed = false;
    std::string got = s.Exchange(
        SignedRequest(kPath, "Content-Length: " + std::string(value) + "\r\n"),
        &closed);
    CHECK(StatusOf(got) == 400);
    CHECK(got.find("Content-Length: not a decimal number") !=
          std::string::npos);
    CHECK(closed);
  }
}

TEST_CASE("Content-Length together with Transfer-Encoding is 400",
          "[http][framing]") {
  Shop s;
  bool closed = false;
  std::string got = s.Exchange(
      SignedRequest(kPath,
                    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                    "0\r\n\r\n"),
      &closed);
  INFO(got);
  CHECK(StatusOf(got) == 400);
  CHECK(got.find("Content-Length together with Transfer-Encoding") !=
        std::string::npos);
  CHECK(closed);
  // A transfer coding other than chunked: 501.
  got =
      s.Exchange(SignedRequest(kPath, "Transfer-Encoding: gzip\r\n"), &closed);
  CHECK(StatusOf(got) == 501);
  CHECK(closed);
}

TEST_CASE("a bad chunk size is 400 and the connection is closed",
          "[http][framing]") {
  Shop s;
  for (const char* chunks :
       {"zz\r\nabc\r\n0\r\n\r\n", "0x3\r\nabc\r\n0\r\n\r\n",
        " 3\r\nabc\r\n0\r\n\r\n", "3\r\nabcdef\r\n0\r\n\r\n",
        "10000000000000000\r\n"}) {
    INFO(chunks);
    bool closed = false;
    std::string got = s.Exchange(
        SignedRequest(kPath, "Transfer-Encoding: chunked\r\n", chunks) +
            kHidden,
        &closed);
    CHECK(StatusOf(got) == 400);
    CHECK(Responses(got) == 1);
    CHECK(closed);
  }
  // A well-formed chunked body (with an extension) is read: 200.
  bool closed = false;
  std::string got = s.Exchange(
      SignedRequest(kPath,
                    "Transfer-Encoding: chunked\r\nConnection: close\r\n",
                    "3;x=y\r\nabc\r\n0\r\n\r\n"),
      &closed);
  CHECK(StatusOf(got) == 200);
}

TEST_CASE("a header line ending in a bare LF is 400", "[http][framing]") {
  Shop s;
  bool closed = false;
  std::string got = s.Exchange(
      "GET /healthz HTTP/1.1\r\nHost: x\nX-Other: y\r\n\r\n", &closed);
  INFO(got);
  CHECK(StatusOf(got) == 400);
  CHECK(got.find("LF without CR") != std::string::npos);
  CHECK(closed);
}

TEST_CASE("obsolete line folding and a space before the colon are 400",
          "[http][framing]") {
  Shop s;
  bool closed = false;
  CHECK(StatusOf(s.Exchange(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n",
            &closed)) == 400);
  CHECK(StatusOf(s.Exchange(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\n",
            &closed)) == 400);
  CHECK(StatusOf(s.Exchange("GET /healthz HTTP/1.1\r\n\r\n", &closed)) == 400);
}

TEST_CASE("a reply that says Connection: close closes the connection, once",
          "[http][framing]") {
  Shop s;
  bool closed = false;
  // A body over the drain cap on a route that does not read it: the
  // routes answer `Connection: close`, and the connection is closed.
  std::string got = s.Exchange(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" +
          std::string(1000, 'a'),
      &closed);
  INFO(got);
  CHECK(StatusOf(got) == 405);
  CHECK(closed);
  size_t head_end = got.find("\r\n\r\n");
  std::string head = got.substr(0, head_end);
  size_t first = head.find("\r\nConnection: close");
  CHECK(first != std::string::npos);
  CHECK(head.find("\r\nConnection:", first + 2) == std::string::npos);
  CHECK(head.find("Keep-Alive") == std::string::npos);
  // The client's own `Connection: close`.
  got = s.Exchange(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", &closed);
  CHECK(StatusOf(got) == 200);
  CHECK(closed);
}

TEST_CASE("pipelined requests are answered in order", "[http][framing]") {
  Shop s;
  int fd = Connect(s.server.port);
  std::string signed_export =
      SignedRequest(kPath + "?model=search", "Content-Length: 0\r\n");
  REQUIRE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" +
                          signed_export +
                          "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" +
                          "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: "
                          "close\r\n\r\n"));
  bool closed = false;
  std::string got = ReadUntilClose(fd, std::chrono::seconds(3), &closed);
  close(fd);
  INFO(got);
  CHECK(closed);
  CHECK(Responses(got) == 4);
  size_t a = got.find("HTTP/1.1 200");
  size_t b = got.find("00000000-0000-4000-8000-000000000006");
  size_t c = got.find("HTTP/1.1 404");
  size_t d = got.find("HTTP/1.1 200", c);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(c != std::string::npos);
  CHECK(d != std::string::npos);
}

TEST_CASE("an HTTP/1.0 client gets a close-delimited reply, not a chunked one",
          "[http][framing]") {
  Shop s;
  bool closed = false;
  std::string got = s.Exchange(
      SignedRequest(kPath + "?model=search", "", "", "HTTP/1.0"), &closed);
  INFO(got);
  CHECK(StatusOf(got) == 200);
  CHECK(closed);
  size_t head_end = got.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  std::string head = got.substr(0, head_end);
  CHECK(head.find("Transfer-Encoding") == std::string::npos);
  CHECK(head.find("\r\nConnection: close") != std::string::npos);
  std::string body = got.substr(head_end + 4);
  CHECK(body.rfind("{\"results\":[", 0) == 0);
  CHECK(body.substr(body.size() - 3) == "]}\n");
  CHECK(body.find("00000000-0000-4000-8000-000000000006") != std::string::npos);
}

TEST_CASE("an absolute-form request target is accepted", "[http][framing]") {
  Shop s;
  bool closed = false;
  std::string got = s.Exchange(
      SignedRequest("http://127.0.0.1:" + std::to_string(s.server.port) +
                        kPath + "?model=search",
                    "Connection: close\r\n"),
      &closed);
  INFO(got);
  CHECK(StatusOf(got) == 200);
  CHECK(got.find("00000000-0000-4000-8000-000000000006") != std::string::npos);
}

TEST_CASE("a literal ? in the query is part of the value, not an empty 400",
          "[http][framing]") {
  Shop s;
  bool closed = false;
  std::string got =
      s.Exchange(SignedRequest(kPath + "?remove_expired_pins=tr?ue",
                               "Connection: close\r\n"),
                 &closed);
  INFO(got);
  CHECK(StatusOf(got) == 422);
  CHECK(got.find(R"("parameter":"remove_expired_pins")") != std::string::npos);
  CHECK(got.find("tr?ue") != std::string::npos);
  got = s.Exchange(
      SignedRequest(kPath + "?model=search?", "Connection: close\r\n"),
      &closed);
  CHECK(StatusOf(got) == 200);
  CHECK(got.find("{\"results\":[]}") != std::string::npos);
}

TEST_CASE("a 16 MiB header line is refused with 431 and memory stays flat",
          "[http][framing]") {
  Shop s;
  // The test's own 32 MiB of requests exist before the measure starts.
  const std::string big_header = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                 std::string(16 << 20, 'a') + "\r\n\r\n";
  const std::string big_target =
      "GET /" + std::string(16 << 20, 'a') + " HTTP/1.1\r\n\r\n";
  HeapPeak heap;
  for (int i = 0; i < 4; ++i) {
    bool closed = false;
    std::string got = s.Exchange(big_header, &closed);
    CHECK(StatusOf(got) == 431);
    CHECK(closed);
    got = s.Exchange(big_target, &closed);
    CHECK(StatusOf(got) == 414);
  }
  // The server holds at most its 32 KiB head buffer per connection, at any
  // moment (a line kept whole would be 16 MiB).
  const long growth = heap.GrowthKb();
  INFO("live heap peak +" << growth << " kB");
  CHECK(growth < 8 * 1024);
}

TEST_CASE("a slow request head is cut by the request timeout with 408",
          "[http][framing]") {
  TestStore store;
  LoadShop(*store);
  app::HardenedServerOptions o;
  o.request_timeout = std::chrono::milliseconds(1500);
  LiveServer server(store.store, {}, true, 64, o);
  int fd = Connect(server.port);
  auto start = std::chrono::steady_clock::now();
  // A byte every 300 ms: under the 2 s read timeout, over the request
  // timeout after 1.5 s.
  std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaa";
  bool closed = false;
  std::string got;
  for (char c : head) {
    if (!SendAll(fd, std::string_view(&c, 1))) break;
    got += ReadUntilClose(fd, std::chrono::milliseconds(300), &closed);
    if (closed) break;
  }
  close(fd);
  INFO(got);
  CHECK(StatusOf(got) == 408);
  CHECK(closed);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= std::chrono::milliseconds(1400));
  CHECK(took < std::chrono::seconds(4));
}

}  // namespace libexport::testing
