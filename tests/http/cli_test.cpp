// The command lines of exportctl and exportd as a user meets them: --help
// everywhere, --flag=value, repeated flags, settings from the environment
// and from a config file, exit codes, and errors that name their cause.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "libexport/compression.h"
#include "program_test_util.h"

namespace libexport::testing {
namespace {

// project(VERSION) and the configure-time commit, as CMake passed them.
std::string ExpectedVersionLine(const std::string& program) {
  const std::string commit = LIBEXPORT_EXPECTED_COMMIT;
  return program + " " + LIBEXPORT_EXPECTED_VERSION +
         (commit.empty() ? "" : " (git " + commit + ")") + "\n";
}

}  // namespace

TEST_CASE("every exportctl command answers --help on stdout with exit 0",
          "[cli]") {
  TempDir dir;
  for (const std::string command : {"",
                                    "tracker",
                                    "tracker add",
                                    "tracker list",
                                    "tracker remove",
                                    "tracker key",
                                    "tracker rotate-key",
                                    "tracker export",
                                    "tracker import",
                                    "import",
                                    "catalog",
                                    "catalog add",
                                    "catalog remove",
                                    "catalog list",
                                    "export",
                                    "pinned-by",
                                    "verify",
                                    "audit",
                                    "backup",
                                    "diff",
                                    "demo",
                                    "request",
                                    "request export",
                                    "request create",
                                    "request get",
                                    "request update",
                                    "request delete",
                                    "request list",
                                    "request summary",
                                    "request bulk",
                                    "request catalog",
                                    "request catalog add",
                                    "request catalog remove"}) {
    INFO(command);
    Ran r = RunExportctl(command + " --help", dir);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(Has(r.out, "Usage: exportctl" +
                         (command.empty() ? "" : " " + command) + " "));
    CHECK(Has(r.out, "Exit codes: 0 "));
  }
  SECTION("`exportctl help COMMAND` is `exportctl COMMAND --help`") {
    Ran help = RunExportctl("help catalog add", dir);
    CHECK(help.status == 0);
    CHECK(help.out == RunExportctl("catalog add --help", dir).out);
  }
  SECTION("the top-level help documents exit code 3 and the environment") {
    Ran r = RunExportctl("--help", dir);
    CHECK(Has(r.out, "3 could not reach the server (request)"));
    CHECK(Has(r.out, "(Env:EXPORTCTL_STORE)"));
  }
  SECTION("no command at all is a usage error with the help on stderr") {
    Ran r = RunExportctl("", dir);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(Has(r.err, "Usage: exportctl [OPTIONS] SUBCOMMAND"));
  }
}

TEST_CASE("exportd --help lists each flag with its environment variable",
          "[cli]") {
  TempDir dir;
  Ran r = RunExportd("--help", dir);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  for (const char* flag :
       {"--store", "--listen", "--threads", "--max-clock-skew",
        "--request-timeout", "--max-header-bytes", "--health-listen",
        "--read-timeout", "--write-timeout", "--keep-alive-timeout",
        "--max-stream-seconds", "--shutdown-grace", "--tls-cert", "--tls-key",
        "--no-access-log", "--config", "--version"}) {
    CHECK(Has(r.out, flag));
  }
  CHECK(Has(r.out, "(Env:EXPORTD_STORE)"));
  CHECK(Has(r.out, "(Env:EXPORTD_MAX_STREAM_SECONDS)"));
  CHECK(Has(r.out, "Exit codes: 0 ok, 1 the command failed, 2 usage error"));
}

TEST_CASE("an unknown command or flag is a usage error that names it",
          "[cli]") {
  TempDir dir;
  Ran r = RunExportctl("frobnicate", dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "exportctl: unknown command frobnicate"));
  r = RunExportctl("tracker frobnicate", dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "exportctl tracker: unknown command frobnicate"));
  r = RunExportctl("export shop --frobnicate", dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "--frobnicate"));
  r = RunExportd("--frobnicate", dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "--frobnicate"));
}

TEST_CASE(
    "a flag takes its value after = too and --store may follow the command",
    "[cli]") {
  ShopDir shop;
  Ran spaced = RunExportctl("--store " + shop.store_dir() +
                                " export shop --model basket --now "
                                "2026-11-29T12:00:00Z",
                            shop.dir);
  REQUIRE(spaced.status == 0);
  CHECK(Has(spaced.out, "00000000-0000-4000-8000-000000000001"));
  Ran joined = RunExportctl(
      "export shop --model=basket "
      "--now=2026-11-29T12:00:00Z --store=" +
          shop.store_dir(),
      shop.dir);
  CHECK(joined.status == 0);
  CHECK(joined.out == spaced.out);
}

TEST_CASE("a repeated single-value flag is a usage error, a filter may repeat",
          "[cli]") {
  ShopDir shop;
  Ran r = RunExportctl("--store " + shop.store_dir() +
                           " export shop --now 2026-11-29T12:00:00Z --now "
                           "2026-11-30T12:00:00Z",
                       shop.dir);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(Has(r.err, "--now"));
  r = RunExportd("--threads 4 --threads 8", shop.dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "--threads"));
  // Filters become one query parameter each, in the order given.
  r = RunExportctl(
      "request shop --url http://127.0.0.1:1 --key shop-key --model basket "
      "--model=search --tag sale --target-type item --target-type all "
      "--print-curl",
      shop.dir);
  CHECK(r.status == 0);
  CHECK(Has(r.out,
            "?model=basket&model=search&tag=sale&target_type=item&"
            "target_type=all\""));
}

TEST_CASE("exportctl takes the store, the URL and the key from EXPORTCTL_*",
          "[cli]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  Ran local =
      RunExportctl("--store " + shop.store_dir() + " export shop", shop.dir);
  REQUIRE(local.status == 0);
  Ran from_env = RunCaptured("EXPORTCTL_STORE=" + shop.store_dir() + " " +
                                 EXPORTCTL_BIN + " export shop",
                             shop.dir);
  CHECK(from_env.status == 0);
  CHECK(from_env.out == local.out);
  Ran via_http =
      RunCaptured("EXPORTCTL_URL=" + d.url() + " EXPORTCTL_KEY=shop-key " +
                      EXPORTCTL_BIN + " request shop",
                  shop.dir);
  CHECK(via_http.status == 0);
  CHECK(via_http.out == local.out);
  SECTION("the command line wins over the environment") {
    Ran r = RunCaptured("EXPORTCTL_STORE=/nonexistent " +
                            std::string(EXPORTCTL_BIN) + " --store " +
                            shop.store_dir() + " export shop",
                        shop.dir);
    CHECK(r.status == 0);
    CHECK(r.out == local.out);
  }
}

TEST_CASE("exportctl --store X request talks to the server", "[cli]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  Ran r = RunExportctl("--store " + shop.store_dir() + " request shop --url " +
                           d.url() + " --key shop-key --model search",
                       shop.dir);
  CHECK(r.status == 0);
  CHECK(Has(r.out, "00000000-0000-4000-8000-000000000006"));
}

namespace {

// A shop store served by exportd, for comparing `exportctl request` with
// `exportctl export` on the store itself.
struct ServedShop {
  ServedShop() : d(shop.store_dir(), shop.dir.Sub("exportd.log")) {}
  // `exportctl export shop ARGS`, which must succeed.
  std::string Export(const std::string& args = "") {
    Ran r = RunExportctl("--store " + shop.store_dir() + " export shop " + args,
                         shop.dir);
    REQUIRE(r.status == 0);
    return r.out;
  }
  // `exportctl request shop --url URL --key shop-key ARGS`.
  Ran Request(const std::string& args) {
    return RunExportctl(
        "request shop --url " + d.url() + " --key shop-key " + args, shop.dir);
  }
  ShopDir shop;
  Exportd d;
};

}  // namespace

TEST_CASE(
    "exportctl request --accept application/x-ndjson prints the NDJSON export",
    "[cli]") {
  ServedShop s;
  Ran r = s.Request("--accept application/x-ndjson");
  CHECK(r.status == 0);
  CHECK(r.out == s.Export("--format ndjson"));
  CHECK(r.out.rfind("{\"id\":", 0) == 0);
  // An Accept the server cannot satisfy: its 406 on stderr, exit 1.
  r = s.Request("--accept text/html");
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(Has(r.err, "not_acceptable"));
  CHECK(Has(r.err, "HTTP 406"));
}

TEST_CASE(
    "exportctl request --accept-encoding writes the coded body as it arrives",
    "[cli]") {
  ServedShop s;
  for (ContentCoding coding : {ContentCoding::kZstd, ContentCoding::kGzip}) {
    const std::string name(ContentCodingName(coding));
    INFO(name);
    Ran r = s.Request("--accept-encoding " + name);
    CHECK(r.status == 0);
    CHECK(CodingOfData(r.out) == coding);
    std::string plain;
    REQUIRE_OK(Decompress(coding, r.out, &plain));
    CHECK(plain == s.Export());
  }
}

TEST_CASE("exportctl request --compressed writes the decoded body", "[cli]") {
  ServedShop s;
  // Whatever the server picks (zstd for the default "zstd, gzip"), and an
  // uncoded answer too.
  for (const std::string accept_encoding : {"", "zstd", "gzip", "identity"}) {
    INFO(accept_encoding);
    Ran r = s.Request("--compressed" +
                      (accept_encoding.empty()
                           ? ""
                           : " --accept-encoding " + accept_encoding));
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out == s.Export());
  }
  Ran r = s.Request(
      "--compressed --accept application/x-ndjson --accept-encoding gzip");
  CHECK(r.status == 0);
  CHECK(r.out == s.Export("--format ndjson"));
}

TEST_CASE("exportctl request --print-curl carries --accept and the coding",
          "[cli]") {
  ServedShop s;
  Ran script = s.Request(
      "--show-key --print-curl --accept application/x-ndjson "
      "--accept-encoding zstd");
  REQUIRE(script.status == 0);
  CHECK(Has(script.out, "-H 'Accept: application/x-ndjson'"));
  CHECK(Has(script.out, "-H 'Accept-Encoding: zstd'"));
  // The script, run, gets the zstd body of the NDJSON export.
  int status = -1;
  std::string out =
      RunShell("set -o pipefail; (" + script.out + ") 2>/dev/null | zstd -d -c",
               &status);
  CHECK(status == 0);
  CHECK(out == s.Export("--format ndjson"));
  script = s.Request("--show-key --print-curl --compressed");
  REQUIRE(script.status == 0);
  CHECK(Has(script.out, "curl --compressed -X POST"));
  // curl names the codings it decodes itself.
  CHECK(!Has(script.out, "Accept-Encoding"));
  out = RunShell("(" + script.out + ") 2>/dev/null", &status);
  CHECK(status == 0);
  CHECK(out == s.Export());
}

TEST_CASE("exportd reads its settings from --config FILE and EXPORTD_*",
          "[cli]") {
  ShopDir shop;
  const std::string config = shop.dir.Sub("exportd.conf");
  {
    std::ofstream f(config);
    f << "# exportd settings\nstore = \"" << shop.store_dir()
      << "\"\nlisten = \"127.0.0.1:0\"\nthreads = 3\nno-access-log = true\n";
  }
  SECTION("from the file") {
    auto d = Exportd::WithArgs({"--config", config}, shop.dir.Sub("log"));
    CHECK(Has(d->banner,
              "(store " + shop.store_dir() + ", up to 3 connections)"));
    httplib::Client c("127.0.0.1", d->port);
    const std::string path = libexport::http::ExportPath("shop");
    auto res = c.Post(
        path.c_str(),
        SignedHeaders("shop", "shop-key", path, FormatHttpDate(SystemNow())),
        "", kJsonType);
    REQUIRE(res);
    CHECK(res->status == 200);
    d->child->Signal(SIGTERM);
    CHECK(d->child->Wait(std::chrono::seconds(15)) == 0);
    std::string log = ReadFile(shop.dir.Sub("log"));
    INFO(log);
    // no-access-log = true: no request line.
    CHECK(!Has(log, "status=200"));
  }
  SECTION("from the environment") {
    setenv("EXPORTD_STORE", shop.store_dir().c_str(), 1);
    setenv("EXPORTD_LISTEN", "127.0.0.1:0", 1);
    auto d = Exportd::WithArgs({}, shop.dir.Sub("log"));
    unsetenv("EXPORTD_STORE");
    unsetenv("EXPORTD_LISTEN");
    httplib::Client c("127.0.0.1", d->port);
    auto res = c.Get("/healthz");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  SECTION("an unknown setting is named and nothing starts") {
    std::ofstream(config, std::ios::app) << "thraeds = 4\n";
    Ran r = RunExportd("--config " + config, shop.dir);
    CHECK(r.status == 2);
    CHECK(Has(r.err, "--config " + config + ": unknown setting thraeds"));
  }
  SECTION("a missing file is named with its cause") {
    Ran r = RunExportd("--config " + shop.dir.Sub("nope.conf"), shop.dir);
    CHECK(r.status == 2);
    CHECK(Has(r.err, "cannot read " + shop.dir.Sub("nope.conf") +
                         ": No such file or directory"));
  }
}

TEST_CASE("a missing input file is named with its cause", "[cli]") {
  ShopDir shop;
  const std::string store = "--store " + shop.store_dir();
  Ran r =
      RunExportctl(store + " import shop " + shop.dir.Sub("x.json"), shop.dir);
  CHECK(r.status == 1);
  CHECK(Has(r.err, "cannot read " + shop.dir.Sub("x.json") +
                       ": No such file or directory"));
  r = RunExportctl(store + " catalog add shop " + shop.dir.Sub("items.txt"),
                   shop.dir);
  CHECK(r.status == 1);
  CHECK(Has(r.err, "cannot read " + shop.dir.Sub("items.txt") +
                       ": No such file or directory"));
}

TEST_CASE("a full stdout is a write error naming the cause", "[cli]") {
  ShopDir shop;
  const std::string store = "--store " + shop.store_dir();
  for (const std::string command : {"export shop", "tracker list"}) {
    INFO(command);
    Ran r = RunExportctl(store + " " + command + " >/dev/full", shop.dir);
    CHECK(r.status == 1);
    CHECK(Has(r.err, "exportctl: write error: No space left on device"));
  }
}

TEST_CASE("request with an ftp URL is a usage error, not an abort", "[cli]") {
  TempDir dir;
  Ran r =
      RunExportctl("request shop --url ftp://127.0.0.1 --key shop-key", dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "unsupported URL scheme ftp (use http or https)"));
}

TEST_CASE("request to a port nobody listens on exits 3 and says so", "[cli]") {
  TempDir dir;
  // Bind a port, then close it: nobody listens there.
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  Ran r = RunExportctl("request shop --url " + url + " --key shop-key", dir);
  CHECK(r.status == 3);
  CHECK(r.out.empty());
  CHECK(Has(r.err, url + ": could not connect"));
}

TEST_CASE("backup refuses a missing parent directory and creates nothing",
          "[cli]") {
  ShopDir shop;
  const std::string target = shop.dir.Sub("typo/2026-11-29");
  Ran r = RunExportctl("--store " + shop.store_dir() + " backup " + target,
                       shop.dir);
  CHECK(r.status == 1);
  CHECK(Has(r.err, "the parent directory " + shop.dir.Sub("typo") +
                       " does not exist"));
  CHECK(!std::filesystem::exists(shop.dir.Sub("typo")));
  r = RunExportctl(
      "--store " + shop.store_dir() + " backup " + shop.dir.Sub("copy"),
      shop.dir);
  CHECK(r.status == 0);
  CHECK(std::filesystem::exists(shop.dir.Sub("copy/data.mdb")));
}

TEST_CASE(
    "exportd --version and exportctl --version print name, version and commit",
    "[cli][version]") {
  TempDir dir;
  Ran d = RunExportd("--version", dir);
  CHECK(d.out == ExpectedVersionLine("exportd"));
  CHECK(d.status == 0);
  Ran c = RunExportctl("--version", dir);
  CHECK(c.out == ExpectedVersionLine("exportctl"));
  CHECK(c.status == 0);
}

}  // namespace libexport::testing
