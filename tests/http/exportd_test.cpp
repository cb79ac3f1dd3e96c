// The built binaries end to end: exportd (plain and HTTPS, SIGTERM),
// `exportctl request` (and its --print-curl shell), the embedding example.
#include <atomic>

#include "demo_data.h"
#include "program_test_util.h"

namespace libexport::testing {

TEST_CASE("exportd answers exportctl request with exportctl export's bytes",
          "[exportd]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  std::string url = "http://127.0.0.1:" + std::to_string(d.port);
  int status = -1;
  std::string via_http =
      Exportctl("request shop --url " + url +
                    " --key shop-key --model basket --target-type item "
                    "--remove-expired-pins",
                &status);
  CHECK(status == 0);
  int local_status = -1;
  std::string local = Exportctl("--store " + shop.store_dir() +
                                    " export shop --model basket --target-type "
                                    "item --remove-expired-pins",
                                &local_status);
  CHECK(local_status == 0);
  CHECK(via_http == local);
  CHECK(via_http.rfind("{\"results\":[", 0) == 0);

  SECTION("a wrong key exits non-zero with the 401 on stderr") {
    std::string out = Exportctl(
        "request shop --url " + url + " --key nope 2>" + shop.dir.Sub("err"),
        &status);
    CHECK(status == 1);
    CHECK(out.empty());
    std::string err = ReadFile(shop.dir.Sub("err"));
    CHECK(err.find("\"check\":\"signature_mismatch\"") != std::string::npos);
    CHECK(err.find("HTTP 401") != std::string::npos);
  }
  SECTION("--print-curl prints a shell script that gets the same answer") {
    std::string script = Exportctl("request shop --url " + url +
                                       " --key shop-key --model basket "
                                       "--target-type item "
                                       "--remove-expired-pins --print-curl",
                                   &status);
    CHECK(status == 0);
    CHECK(script.find("openssl dgst -sha256 -hmac") != std::string::npos);
    CHECK(script.find("shop-key") == std::string::npos);
    // The script reads the key from the environment, as it says.
    std::string body = RunShell("EXPORTCTL_KEY=shop-key\n" + script, &status);
    CHECK(status == 0);
    CHECK(body == local);
  }
  SECTION("the access log has one line per request and no secrets") {
    d.child->Signal(SIGTERM);
    CHECK(d.child->Wait(std::chrono::seconds(15)) == 0);
    std::string log = ReadFile(shop.dir.Sub("exportd.log"));
    INFO(log);
    CHECK(log.find("POST /v1/recommender/pin/shop/scopes/export?model=basket&"
                   "target_type=item&remove_expired_pins=true tracker=shop "
                   "status=200 bytes=") != std::string::npos);
    CHECK(log.find("shop-key") == std::string::npos);
    CHECK(log.find("ApiAuth") == std::string::npos);
  }
}

TEST_CASE(
    "exportd --catalog-memory-budget 0 prunes by catalog with the same "
    "output, and a negative budget is a usage error",
    "[exportd][catalog]") {
  ShopDir shop;
  int status = -1;
  const std::string local =
      Exportctl("--store " + shop.store_dir() +
                    " export shop --remove-nonexisting-item-pins",
                &status);
  REQUIRE(status == 0);
  CHECK(local.find("/p/missing/") == std::string::npos);  // not in the catalog
  for (const char* budget : {"0", "1048576"}) {
    INFO(budget);
    Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"),
              {"--catalog-memory-budget", budget});
    const std::string via_http =
        Exportctl("request shop --url " + d.url() +
                      " --key shop-key --remove-nonexisting-item-pins",
                  &status);
    CHECK(status == 0);
    CHECK(via_http == local);
  }
  Ran bad = RunExportd(
      "--store " + shop.store_dir() + " --catalog-memory-budget -1", shop.dir);
  CHECK(bad.status == 2);
  CHECK(bad.err.find("--catalog-memory-budget") != std::string::npos);
}

TEST_CASE("exportd exits 0 on SIGTERM after a running export finished",
          "[exportd][large]") {
  TempDir dir;
  {
    auto opened = Store::Open(dir.Sub("store"));
    REQUIRE_OK(opened);
    Store& store = **opened;
    REQUIRE_OK(store.AddTracker("demo", std::string("demo-key")));
    demo::DemoOptions d;
    d.customizations = 15000;
    d.now = kNow;
    MustImport(store, "demo", demo::GenerateDemo(d).ndjson,
               Opts(ImportFormat::kNdjson));
  }
  Exportd d(dir.Sub("store"), dir.Sub("exportd.log"),
            {"--write-timeout", "30", "--shutdown-grace", "30"});
  // A slow reader (4 MB/s) in the background, through curl, signed by
  // exportctl's shell.
  int status = -1;
  std::string url = "http://127.0.0.1:" + std::to_string(d.port);
  std::string script = Exportctl(
      "request demo --url " + url + " --key demo-key --print-curl --show-key",
      &status);
  REQUIRE(status == 0);
  size_t curl_at = script.find("curl -X POST");
  REQUIRE(curl_at != std::string::npos);
  script.replace(curl_at, 4, "curl -s --limit-rate 4M -o " + dir.Sub("body"));
  std::thread client([&] { RunShell(script, &status); });
  // Wait until the body starts arriving, then ask exportd to stop.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         ReadFile(dir.Sub("body")).size() < 1000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  d.child->Signal(SIGTERM);
  int rc = d.child->Wait(std::chrono::seconds(30));
  client.join();
  CHECK(rc == 0);
  CHECK(status == 0);
  std::string body = ReadFile(dir.Sub("body"));
  CHECK(body.size() > 1000000u);
  CHECK(body.substr(body.size() - 3) == "]}\n");
  std::string log = ReadFile(dir.Sub("exportd.log"));
  INFO(log);
  CHECK(log.find("SIGTERM") != std::string::npos);
  CHECK(log.find(" status=200 ") != std::string::npos);
  CHECK(log.find(" aborted") == std::string::npos);
}

TEST_CASE("exportd serves HTTPS with a certificate the test makes",
          "[exportd][tls]") {
  ShopDir shop;
  std::string cert = shop.dir.Sub("cert.pem");
  std::string key = shop.dir.Sub("key.pem");
  int status = -1;
  RunShell(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
      "-nodes -days 1 -subj /CN=127.0.0.1 -addext "
      "subjectAltName=IP:127.0.0.1 -keyout " +
          key + " -out " + cert + " 2>/dev/null",
      &status);
  REQUIRE(status == 0);
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"),
            {"--tls-cert", cert, "--tls-key", key});
  std::string url = "https://127.0.0.1:" + std::to_string(d.port);
  std::string body =
      Exportctl("request shop --url " + url +
                    " --key shop-key --model search --ca-cert " + cert,
                &status);
  CHECK(status == 0);
  CHECK(body.find("00000000-0000-4000-8000-000000000006") != std::string::npos);
  // curl verifies the chain and speaks TLS 1.2 at least.
  std::string code =
      RunShell("curl -s -o /dev/null -w '%{http_code}' --tlsv1.2 --cacert " +
                   cert + " " + url + "/healthz",
               &status);
  CHECK(code == "200");
  // Plain HTTP on the TLS port gets no HTTP answer.
  std::string plain =
      RunShell("curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                   std::to_string(d.port) + "/healthz",
               &status);
  CHECK(plain != "200");
}

TEST_CASE("the embedding example serves its own route and the export",
          "[exportd][example]") {
  ShopDir shop;
  auto child = std::make_unique<Child>(
      std::vector<std::string>{HOST_SERVER_BIN, shop.store_dir(), "0"},
      shop.dir.Sub("host.log"));
  std::string banner = child->ReadLine(std::chrono::seconds(10));
  int port = PortFromBanner(banner);
  REQUIRE(port > 0);
  httplib::Client c("127.0.0.1", port);
  auto hello = c.Get("/hello");
  REQUIRE(hello);
  CHECK(hello->body == "hello from the host\n");
  // The example uses the system clock: sign with it.
  std::string path = libexport::http::ExportPath("shop");
  auto res = c.Post(
      (path + "?model=search").c_str(),
      SignedHeaders("shop", "shop-key", path, FormatHttpDate(SystemNow())), "",
      kJsonType);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.find("00000000-0000-4000-8000-000000000006") !=
        std::string::npos);
  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  auto other = c.Get("/not-mounted");
  REQUIRE(other);
  CHECK(other->status == 404);
}

}  // namespace libexport::testing

namespace libexport::testing {

TEST_CASE("SIGTERM completes while a slowloris client is connected",
          "[exportd][regression]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  // A header byte every 200 ms: never idle, never finished.
  // The thread asserts nothing (Catch2 asserts on the test's own thread):
  // the test waits until it is connected.
  std::atomic<bool> stop{false};
  std::atomic<int> connected{0};  // 1 connected, -1 could not
  std::thread slow([&] {
    const int fd = TryConnect(d.port);
    connected = fd >= 0 ? 1 : -1;
    if (fd < 0) return;
    SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    while (!stop && SendAll(fd, "a")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    close(fd);
  });
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (connected == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (connected != 1) {
    stop = true;
    slow.join();
    FAIL("the slowloris client could not connect");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto start = std::chrono::steady_clock::now();
  d.child->Signal(SIGTERM);
  int rc = d.child->Wait(std::chrono::seconds(5));
  auto took = std::chrono::steady_clock::now() - start;
  stop = true;
  slow.join();
  CHECK(rc == 0);
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE(
    "/healthz is answered on its own listener while the main port is full",
    "[exportd]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"),
            {"--threads", "2", "--health-listen", "127.0.0.1:0"});
  int health_port = d.health_port;
  REQUIRE(health_port > 0);
  // Two slow clients take both connection slots of the main port.
  std::vector<int> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(Connect(d.port));
    SendAll(slow.back(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  int fd = Connect(d.port);
  bool closed = false;
  std::string main_reply = ReadUntilClose(fd, std::chrono::seconds(1), &closed);
  close(fd);
  CHECK(StatusOf(main_reply) == 503);
  httplib::Client health("127.0.0.1", health_port);
  auto res = health.Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == "{\"status\":\"ok\"}");
  auto metrics = health.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("libexport_http_connections_refused_total 1\n") !=
        std::string::npos);
  auto other = health.Post("/v1/recommender/pin/shop/scopes/export");
  REQUIRE(other);
  CHECK(other->status == 404);
  for (int s : slow) close(s);
}

}  // namespace libexport::testing
