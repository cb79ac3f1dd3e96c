// Restoring over HTTP with the built programs: `exportctl restore` of a
// 100,000-record backup to a running exportd exports the backup byte for
// byte, and a 1 GiB bulk body is refused without exportd's memory growing
// with it (the body is spooled to disk past 4 MiB, and one that says it is
// over the cap is refused unread).
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "program_test_util.h"

namespace libexport::testing {
namespace {

constexpr const char* kAsOf = "2026-12-01T00:00:00Z";

// The names in `dir`.
std::set<std::string> Names(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.insert(e.path().filename().string());
  return names;
}

TEST_CASE(
    "exportctl restore of a 100000-record backup to exportd makes the "
    "tracker export the backup byte for byte",
    "[http][restore][slow]") {
  TempDir dir;
  const std::string source = dir.Sub("source"), target = dir.Sub("target");
  int status = -1;
  Exportctl("--store " + source +
                " demo --tracker bench --customizations 100000 --catalog "
                "1000 --seed 7 >/dev/null",
            &status);
  REQUIRE(status == 0);
  Exportctl("--store " + source + " tracker key bench >" + dir.Sub("key"),
            &status);
  REQUIRE(status == 0);
  const std::string backup = dir.Sub("backup.json");
  Exportctl(
      "--store " + source + " export bench --now " + kAsOf + " >" + backup,
      &status);
  REQUIRE(status == 0);
  // The target tracker holds other records first: the restore replaces them.
  Exportctl("--store " + target + " tracker add bench --key-file " +
                dir.Sub("key") + " >/dev/null",
            &status);
  REQUIRE(status == 0);
  Exportctl("--store " + target +
                " demo --tracker other --customizations 5 "
                "--seed 1 >" +
                dir.Sub("other.txt"),
            &status);
  REQUIRE(status == 0);
  Exportctl("--store " + target + " export other --format ndjson >" +
                dir.Sub("other.ndjson") + " && " + EXPORTCTL_BIN + " --store " +
                target + " import bench " + dir.Sub("other.ndjson"),
            &status);
  REQUIRE(status == 0);
  {
    // The whole body must arrive within --request-timeout (10 s by
    // default): a loaded machine, or a sanitizer build, may take longer.
    Exportd d(target, dir.Sub("exportd.log"),
              {"--max-bulk-records", "100000", "--max-bulk-bytes",
               std::to_string(std::filesystem::file_size(backup) + 1),
               "--request-timeout", "300"});
    Ran r = RunExportctl("restore bench " + backup + " --url " + d.url() +
                             " --key-file " + dir.Sub("key"),
                         dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "{}\n");
    // No spool file is left beside the store.
    CHECK(Names(target) == std::set<std::string>{"data.mdb", "lock.mdb"});
  }
  const std::string restored = dir.Sub("restored.json");
  Exportctl(
      "--store " + target + " export bench --now " + kAsOf + " >" + restored,
      &status);
  REQUIRE(status == 0);
  const std::string want = ReadFile(backup), got = ReadFile(restored);
  CHECK(want.size() > 50'000'000);
  // Byte for byte; compared outside CHECK, which would print 2 x 96 MB.
  const bool identical = got == want;
  CHECK(identical);
  CHECK(got.size() == want.size());
}

TEST_CASE(
    "exportctl restore names the server's refusal when the backup is over "
    "the bulk caps, and changes nothing",
    "[http][restore]") {
  ShopDir shop;
  const std::string backup = shop.dir.Sub("shop.json");
  int status = -1;
  Exportctl("--store " + shop.store_dir() + " export shop >" + backup, &status);
  REQUIRE(status == 0);
  Exportctl("--store " + shop.store_dir() + " tracker key shop >" +
                shop.dir.Sub("key"),
            &status);
  REQUIRE(status == 0);
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"),
            {"--max-bulk-records", "2"});
  Ran r = RunExportctl("restore shop " + backup + " --url " + d.url() +
                           " --key-file " + shop.dir.Sub("key"),
                       shop.dir);
  CHECK(r.status == 1);
  CHECK(Has(r.err, "\"code\":\"too_many_records\""));
  CHECK(Has(r.err, "at most 2 are accepted"));
  CHECK(Has(r.err, "exportctl request: HTTP 413"));
  // An empty backup would delete every customization: refused, unsent.
  WriteFile(shop.dir.Sub("empty.ndjson"), "");
  Ran empty =
      RunExportctl("restore shop " + shop.dir.Sub("empty.ndjson") + " --url " +
                       d.url() + " --key-file " + shop.dir.Sub("key"),
                   shop.dir);
  CHECK(empty.status == 1);
  CHECK(Has(empty.err, "empty.ndjson is empty; nothing was sent"));
  Ran after = RunExportctl("request summary shop --url " + d.url() +
                               " --key-file " + shop.dir.Sub("key"),
                           shop.dir);
  CHECK(after.status == 0);
  CHECK_FALSE(Has(after.out, "\"scope_counts\":{}"));
  Ran zst = RunExportctl("restore shop " + backup + ".zst --url " + d.url() +
                             " --key-file " + shop.dir.Sub("key"),
                         shop.dir);
  CHECK(zst.status == 2);
  CHECK(Has(zst.err, "zstd-coded"));
}

TEST_CASE(
    "a 1 GiB bulk body is refused without exportd's peak memory growing by "
    "64 MiB, and leaves no file behind",
    "[http][restore][caps]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  const pid_t pid = d.child->pid();
  const std::set<std::string> files = Names(shop.store_dir());
  const long before_kb = ProcStatusKb("VmHWM", pid);
  REQUIRE(before_kb > 0);
  const std::string path = "/v1/recommender/pin/shop/scopes/_bulk";
  // Signed with the shop fixture's key at the server's own clock.
  const auto request_head = [&](const std::string& framing) {
    const auto h = libexport::http::SignRequest("shop", "shop-key", "POST",
                                                path, "application/x-ndjson",
                                                FormatHttpDate(SystemNow()));
    return "POST " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
           "application/x-ndjson\r\nDate: " +
           h.date + "\r\nAuthorization: " + h.authorization + "\r\n" + framing +
           "\r\n";
  };

  // The whole answer to a request head sent alone (no byte of its body).
  const auto answer_to_head = [&](const std::string& head, bool* closed) {
    int fd = Connect(d.port);
    REQUIRE(SendAll(fd, head));
    const std::string got =
        ReadUntilClose(fd, std::chrono::seconds(10), closed);
    close(fd);
    return got;
  };
  bool closed = false;

  SECTION("with Content-Length: answered 413 before any byte of it is read") {
    const std::string got =
        answer_to_head(request_head("Content-Length: 1073741824\r\n"), &closed);
    CHECK(closed);
    CHECK(StatusOf(got) == 413);
    CHECK(Has(got, "\"code\":\"payload_too_large\""));
  }
  SECTION("with Expect: 100-continue: 413 instead of 100 Continue") {
    const std::string got = answer_to_head(
        request_head("Expect: 100-continue\r\nContent-Length: 1073741824\r\n"),
        &closed);
    CHECK(StatusOf(got) == 413);
    CHECK_FALSE(Has(got, "100 Continue"));
    CHECK(Has(got, "\"code\":\"payload_too_large\""));
  }
  SECTION("with Expect: 100-continue and a bad signature: 401, unsent") {
    std::string head =
        request_head("Expect: 100-continue\r\nContent-Length: 1000\r\n");
    const size_t sig = head.find("Authorization: ApiAuth shop:");
    REQUIRE(sig != std::string::npos);
    head[sig + 28] = head[sig + 28] == 'A' ? 'B' : 'A';
    const std::string got = answer_to_head(head, &closed);
    CHECK(StatusOf(got) == 401);
    CHECK_FALSE(Has(got, "100 Continue"));
  }
  SECTION("chunked: read up to the 64 MiB cap, spooled, then cut") {
    int fd = Connect(d.port);
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    REQUIRE(SendAll(fd, request_head("Transfer-Encoding: chunked\r\n")));
    // 1 GiB of one NDJSON line's worth of spaces, 1 MiB a chunk, until the
    // server stops reading.
    const std::string chunk = "100000\r\n" + std::string(1 << 20, ' ') + "\r\n";
    size_t sent_mib = 0;
    while (sent_mib < 1024 && SendAll(fd, chunk)) ++sent_mib;
    close(fd);
    CHECK(sent_mib >= 64);   // the server read up to its cap
    CHECK(sent_mib < 1024);  // and then stopped
  }
  // exportd is alive, and nothing was imported.
  httplib::Client client(d.url());
  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  const long after_kb = ProcStatusKb("VmHWM", pid);
  INFO("VmHWM before " << before_kb << " kB, after " << after_kb << " kB");
  CHECK(after_kb - before_kb < 64 * 1024);
  CHECK(Names(shop.store_dir()) == files);
}

}  // namespace
}  // namespace libexport::testing
