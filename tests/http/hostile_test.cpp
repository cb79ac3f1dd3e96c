// Hostile clients against the export routes on a live loopback server: slow
// and idle connections, oversized request lines, headers and bodies, gzip
// bodies, header injection through percent-encoding, duplicated Date, a
// replay after the skew window, signatures made for another tracker or
// path. (Range, br, a capped chunked body, duplicated Authorization and each
// 401 check are in export_routes_test.cpp.)
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>

#include "http_test_util.h"
#include "shop_fixture.h"

namespace libexport::testing {
namespace {

// Resident memory after glibc returns its free pages: the server's 64
// workers each keep a malloc arena, and what they retain after large
// requests depends on which workers the scheduler picked, not on leaks.
long LiveRssKb() {
  malloc_trim(0);
  return ProcStatusKb("VmRSS");
}

const std::string kPath = "/v1/recommender/pin/shop/scopes/export";

// Under ASan freed memory stays resident in its quarantine, so RSS bounds
// say nothing there; LeakSanitizer checks for leaks instead.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  return fd;
}

// Sends all of `data`; false when the server closed the connection first.
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until the server closes or `timeout` passes; `closed` says which.
std::string ReadUntilClose(int fd, std::chrono::milliseconds timeout,
                           bool* closed) {
  std::string got;
  *closed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

// A shop store and a live server with `threads` workers; the clock is an
// atomic the test moves.
struct HostileServer {
  explicit HostileServer(int threads = 64) {
    LoadShop(*store);
    libexport::http::ExportRoutesOptions o;
    o.clock = [this] { return TimePoint({clock_seconds.load(), 0}); };
    server = std::make_unique<LiveServer>(store.store, o, false, threads);
  }
  httplib::Result Signed(httplib::Headers h,
                         const std::string& target = kPath) {
    httplib::Client c(server->url());
    c.set_read_timeout(5, 0);
    return c.Post(target.c_str(), h, "", kJsonType);
  }
  std::atomic<int64_t> clock_seconds{kNow.seconds};
  TestStore store;
  std::unique_ptr<LiveServer> server;
};

std::string Gzip(size_t zero_bytes) {
  int status = 0;
  std::string out =
      RunShell("head -c " + std::to_string(zero_bytes) + " /dev/zero | gzip -c",
               &status);
  REQUIRE(status == 0);
  return out;
}

}  // namespace

TEST_CASE("a connection that stalls mid-headers is cut by the read timeout",
          "[http][hostile]") {
  HostileServer s;
  int fd = Connect(s.server->port);
  REQUIRE(SendAll(fd, "POST " + kPath + " HTTP/1.1\r\nHost: x\r\nDa"));
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  ReadUntilClose(fd, std::chrono::seconds(6), &closed);
  // LiveServer's read timeout is 2 s.
  CHECK(closed);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
  close(fd);
}

TEST_CASE("slowloris clients do not starve others while workers remain",
          "[http][hostile]") {
  // 8 workers, 6 of them held by clients dribbling a header byte every
  // 300 ms (under the per-recv read timeout, which is all httplib 0.11.4
  // has: see docs/operations.md). A signed client is still served at once.
  HostileServer s(8);
  std::atomic<bool> stop{false};
  std::vector<std::thread> slow;
  for (int i = 0; i < 6; ++i) {
    slow.emplace_back([&] {
      int fd = Connect(s.server->port);
      std::string req = "POST " + kPath + " HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      for (char c : req) {
        if (stop || !SendAll(fd, std::string_view(&c, 1))) break;
      }
      for (int n = 0; n < 40 && !stop; ++n) {
        if (!SendAll(fd, "a")) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      close(fd);
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto res = s.Signed(SignedHeaders("shop", "shop-key", kPath));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  }
  stop = true;
  for (auto& t : slow) t.join();
}

TEST_CASE("idle connections are closed and do not starve a new client",
          "[http][hostile]") {
  // As many idle connections as workers: each is closed by the keep-alive
  // timeout (1 s here), then the real client gets a worker.
  HostileServer s(8);
  std::vector<int> idle;
  for (int i = 0; i < 8; ++i) idle.push_back(Connect(s.server->port));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  auto res = s.Signed(SignedHeaders("shop", "shop-key", kPath));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
  for (int fd : idle) {
    bool closed = false;
    ReadUntilClose(fd, std::chrono::seconds(4), &closed);
    CHECK(closed);
    close(fd);
  }
}

TEST_CASE("oversized request lines, headers and bodies get 4xx, memory flat",
          "[http][hostile]") {
  HostileServer s;
  auto exchange = [&](const std::string& request) {
    int fd = Connect(s.server->port);
    SendAll(fd, request);  // the server may close before reading it all
    bool closed = false;
    std::string got = ReadUntilClose(fd, std::chrono::seconds(5), &closed);
    close(fd);
    return got;
  };
  const long rss_before = LiveRssKb();
  for (int round = 0; round < 10; ++round) {
    // A 64 KiB request line: httplib answers 414.
    std::string line =
        exchange("POST " + kPath + "?model=" + std::string(64 << 10, 'a') +
                 " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    INFO(line.substr(0, 200));
    CHECK(StatusOf(line) == 414);
    // 2,000 headers of 256 bytes (512 KiB): not signed, so 401.
    std::string many = "POST " + kPath + " HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 2000; ++i)
      many += "X-H" + std::to_string(i) + ": " + std::string(250, 'h') + "\r\n";
    many += "Connection: close\r\nContent-Length: 0\r\n\r\n";
    std::string headers = exchange(many);
    INFO(headers.substr(0, 200));
    CHECK(StatusOf(headers) == 401);
    // A 10 MB body declared by Content-Length, signed: 413 without reading
    // it into memory.
    httplib::Headers h = SignedHeaders("shop", "shop-key", kPath);
    std::string body_req =
        "POST " + kPath + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + kJsonType +
        "\r\nDate: " + h.find("Date")->second +
        "\r\nAuthorization: " + h.find("Authorization")->second +
        "\r\nConnection: close\r\nContent-Length: 10000000\r\n\r\n" +
        std::string(1 << 20, 'b');
    std::string body = exchange(body_req);
    INFO(body.substr(0, 200));
    CHECK(StatusOf(body) == 413);
  }
  const long rss_after = LiveRssKb();
  INFO("RSS " << rss_before << " -> " << rss_after << " kB");
  if (kRssMeaningful) CHECK(rss_after - rss_before < 32 * 1024);
}

TEST_CASE("a gzip request body cannot inflate past the body cap",
          "[http][hostile]") {
  HostileServer s;
  const std::string bomb = Gzip(50 << 20);  // 50 MB of zeros, ~50 KB gzip
  REQUIRE(bomb.size() < 200 << 10);
  const long rss_before = LiveRssKb();
  for (int i = 0; i < 5; ++i) {
    httplib::Headers h = SignedHeaders("shop", "shop-key", kPath);
    h.emplace("Content-Encoding", "gzip");
    httplib::Client c(s.server->url());
    c.set_read_timeout(10, 0);
    auto res = c.Post(kPath.c_str(), h, bomb, kJsonType);
    // 413, or the connection closed while the client was still sending.
    if (res) CHECK(res->status == 413);
  }
  const long rss_after = LiveRssKb();
  INFO("RSS " << rss_before << " -> " << rss_after << " kB");
  if (kRssMeaningful) CHECK(rss_after - rss_before < 32 * 1024);
}

TEST_CASE("a duplicated Date header is rejected", "[http][hostile][auth]") {
  HostileServer s;
  httplib::Headers h = SignedHeaders("shop", "shop-key", kPath);
  h.emplace("Date", FormatHttpDate(kNow));
  auto res = s.Signed(h);
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(res->body.find(R"("check":"duplicate_header")") != std::string::npos);
}

TEST_CASE("percent-encoded CR LF in headers cannot inject a header",
          "[http][hostile][auth]") {
  HostileServer s;
  httplib::Headers good = SignedHeaders("shop", "shop-key", kPath);
  for (const char* field : {"Authorization", "Date", "Content-Type"}) {
    INFO(field);
    const std::string inject = "%0D%0AX-Injected:%20yes";
    httplib::Headers h = good;
    std::string content_type = kJsonType;
    if (std::string(field) == "Content-Type") {
      content_type += inject;  // the client sends it as the Content-Type
    } else {
      auto it = h.find(field);
      std::string value = it->second + inject;
      h.erase(it);
      h.emplace(field, value);
    }
    httplib::Client c(s.server->url());
    auto res = c.Post(kPath.c_str(), h, "", content_type.c_str());
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(res->body.find(R"("check":"invalid_header_value")") !=
          std::string::npos);
    CHECK_FALSE(res->has_header("X-Injected"));
    for (const auto& [name, v] : res->headers) {
      CHECK(v.find('\r') == std::string::npos);
      CHECK(v.find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("a request replayed after the skew window is 401",
          "[http][hostile][auth]") {
  HostileServer s;
  httplib::Headers h = SignedHeaders("shop", "shop-key", kPath);
  auto first = s.Signed(h);
  REQUIRE(first);
  CHECK(first->status == 200);
  s.clock_seconds = kNow.seconds + 5;  // at the edge: still inside
  auto edge = s.Signed(h);
  REQUIRE(edge);
  CHECK(edge->status == 200);
  s.clock_seconds = kNow.seconds + 6;
  auto replay = s.Signed(h);
  REQUIRE(replay);
  CHECK(replay->status == 401);
  CHECK(replay->body.find(R"("check":"date_too_old")") != std::string::npos);
}

TEST_CASE("a signature made for another tracker or path is 401",
          "[http][hostile][auth]") {
  HostileServer s;
  const std::string other_path = "/v1/recommender/pin/other/scopes/export";
  // other's valid request, sent to shop's path.
  auto moved = s.Signed(SignedHeaders("other", "other-key", other_path));
  REQUIRE(moved);
  CHECK(moved->status == 401);
  CHECK(moved->body.find(R"("check":"tracker_mismatch")") != std::string::npos);
  // shop's header and key, but signed over other's path.
  auto wrong_path = s.Signed(SignedHeaders("shop", "shop-key", other_path));
  REQUIRE(wrong_path);
  CHECK(wrong_path->status == 401);
  CHECK(wrong_path->body.find(R"("check":"signature_mismatch")") !=
        std::string::npos);
  // shop's valid request, sent to other's path: the header's tracker is not
  // the path's.
  auto to_other =
      s.Signed(SignedHeaders("shop", "shop-key", kPath), other_path);
  REQUIRE(to_other);
  CHECK(to_other->status == 401);
  // other's key over shop's path with shop in the header.
  auto other_key = s.Signed(SignedHeaders("shop", "other-key", kPath));
  REQUIRE(other_key);
  CHECK(other_key->status == 401);
  CHECK(other_key->body.find(R"("check":"signature_mismatch")") !=
        std::string::npos);
}

}  // namespace libexport::testing
