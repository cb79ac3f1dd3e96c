// Keys as an operator handles them: from a file or the environment, never
// needed in argv; too short ones refused; shown again; rotated with a grace
// period that exportd honours over real HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "program_test_util.h"

namespace libexport::testing {
namespace {

// The bytes of /proc/PID/cmdline with the NULs as spaces.
std::string CommandLineOf(pid_t pid) {
  std::string text = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

}  // namespace

TEST_CASE("tracker add refuses a key shorter than 16 bytes and creates nothing",
          "[keys]") {
  TempDir dir;
  const std::string store = "--store " + dir.Sub("store");
  Ran r = RunExportctl(store + " tracker add shop --key short", dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "the key is 5 bytes, a key has at least 16"));
  CHECK(!std::filesystem::exists(dir.Sub("store")));
  r = RunExportctl(store + " tracker add shop --key short --allow-short-key",
                   dir);
  CHECK(r.status == 0);
  CHECK(RunExportctl(store + " tracker key shop", dir).out == "short\n");
}

TEST_CASE(
    "a tracker's key comes from --key-file or EXPORTCTL_NEW_KEY and "
    "tracker key prints it",
    "[keys]") {
  TempDir dir;
  const std::string store = "--store " + dir.Sub("store");
  WriteFile(dir.Sub("key"), "from-a-file-0123456789\n");
  Ran r = RunExportctl(store + " tracker add one --key-file " + dir.Sub("key"),
                       dir);
  REQUIRE(r.status == 0);
  CHECK(r.out == "tracker one created\n");
  CHECK(RunExportctl(store + " tracker key one", dir).out ==
        "from-a-file-0123456789\n");
  r = RunCaptured("EXPORTCTL_NEW_KEY=from-the-environment " +
                      std::string(EXPORTCTL_BIN) + " " + store +
                      " tracker add two",
                  dir);
  REQUIRE(r.status == 0);
  CHECK(RunExportctl(store + " tracker key two", dir).out ==
        "from-the-environment\n");
  SECTION("a generated key is printed once and shown again by tracker key") {
    r = RunExportctl(store + " tracker add three", dir);
    REQUIRE(r.status == 0);
    const std::string key = RunExportctl(store + " tracker key three", dir).out;
    CHECK(key.size() == 65);
    CHECK(Has(r.out, key));
  }
  SECTION("an empty key file is an error naming it") {
    WriteFile(dir.Sub("empty"), "\n");
    r = RunExportctl(store + " tracker add four --key-file " + dir.Sub("empty"),
                     dir);
    CHECK(r.status == 1);
    CHECK(Has(r.err, "the key file " + dir.Sub("empty") + " is empty"));
  }
}

TEST_CASE(
    "request takes its key from --key-file or EXPORTCTL_KEY, and says "
    "when there is none",
    "[keys]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  WriteFile(shop.dir.Sub("key"), "shop-key\n");
  Ran from_file = RunExportctl("request shop --model search --url " + d.url() +
                                   " --key-file " + shop.dir.Sub("key"),
                               shop.dir);
  CHECK(from_file.status == 0);
  CHECK(Has(from_file.out, "00000000-0000-4000-8000-000000000006"));
  Ran from_env =
      RunCaptured("EXPORTCTL_KEY=shop-key " + std::string(EXPORTCTL_BIN) +
                      " request shop --model search --url " + d.url(),
                  shop.dir);
  CHECK(from_env.status == 0);
  CHECK(from_env.out == from_file.out);
  Ran none = RunExportctl("request shop --url " + d.url(), shop.dir);
  CHECK(none.status == 2);
  CHECK(Has(none.err, "no key: give --key-file FILE, or set EXPORTCTL_KEY"));
  SECTION("--print-curl writes the key only with --show-key") {
    Ran script =
        RunExportctl("request shop --model search --url " + d.url() +
                         " --key-file " + shop.dir.Sub("key") + " --print-curl",
                     shop.dir);
    REQUIRE(script.status == 0);
    CHECK(!Has(script.out, "shop-key"));
    CHECK(Has(script.out,
              "private_key=$(head -n1 '" + shop.dir.Sub("key") + "')"));
    int status = -1;
    CHECK(RunShell(script.out, &status) == from_file.out);
    CHECK(status == 0);
    Ran shown =
        RunExportctl("request shop --url " + d.url() + " --key-file " +
                         shop.dir.Sub("key") + " --print-curl --show-key",
                     shop.dir);
    CHECK(Has(shown.out, "private_key='shop-key'"));
  }
}

TEST_CASE(
    "a running exportctl request or sync shows no key in /proc/PID/cmdline",
    "[keys]") {
  TempDir dir;
  // A server that accepts connections (the kernel does) and never answers,
  // so the request stays running while we look at it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const std::string key = "secret-key-never-in-argv-0123";
  WriteFile(dir.Sub("key"), key + "\n");

  // The command line of a running `exportctl ARGV...` once it has exec'd
  // (before that, the child shows this test's own command line, whose test
  // name holds "request" and "sync" too).
  auto look = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {EXPORTCTL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = std::make_unique<Child>(argv, dir.Sub("err"));
    const std::string expected = std::string(EXPORTCTL_BIN) + " " + args[0];
    std::string cmdline;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline &&
           !cmdline.starts_with(expected)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      cmdline = CommandLineOf(child->pid());
    }
    // Still waiting on the silent server, so the key is in its memory now.
    CHECK(child->Wait(std::chrono::milliseconds(200)) == -1);
    return cmdline;
  };
  SECTION("the key in a file") {
    std::string cmdline =
        look({"request", "shop", "--url", url, "--key-file", dir.Sub("key")});
    INFO(cmdline);
    CHECK(Has(cmdline, "request shop --url " + url));
    CHECK(!Has(cmdline, key));
  }
  SECTION("the key in the environment") {
    ::setenv("EXPORTCTL_KEY", key.c_str(), 1);
    std::string cmdline = look({"request", "shop", "--url", url});
    ::unsetenv("EXPORTCTL_KEY");
    INFO(cmdline);
    CHECK(Has(cmdline, "request shop --url " + url));
    CHECK(!Has(cmdline, key));
  }
  SECTION("exportctl sync with the key in a file") {
    std::string cmdline = look({"--store", dir.Sub("store"), "sync", "shop",
                                "--from", url, "--key-file", dir.Sub("key")});
    INFO(cmdline);
    CHECK(Has(cmdline, "sync shop --from " + url));
    CHECK(!Has(cmdline, key));
  }
  SECTION("exportctl sync with the key in the environment") {
    ::setenv("EXPORTCTL_KEY", key.c_str(), 1);
    std::string cmdline =
        look({"--store", dir.Sub("store"), "sync", "shop", "--from", url});
    ::unsetenv("EXPORTCTL_KEY");
    INFO(cmdline);
    CHECK(Has(cmdline, "sync shop --from " + url));
    CHECK(!Has(cmdline, key));
  }
  ::close(fd);
}

TEST_CASE(
    "a key rotated with a grace period keeps the old key valid over "
    "HTTP until the grace ends",
    "[keys]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop", std::string("first-key-0123456789")));
  LiveServer server(s.store);  // its clock is fixed at kNow
  httplib::Client c("127.0.0.1", server.port);
  auto status_with = [&](const std::string& key) {
    auto res = SignedPost(c, "shop", key);
    REQUIRE(res);
    return res->status;
  };
  REQUIRE_OK(s->RotateTrackerKey("shop", std::string("second-key-0123456789"),
                                 Timestamp{kNow.seconds + 60, 0}));
  CHECK(status_with("second-key-0123456789") == 200);
  CHECK(status_with("first-key-0123456789") == 200);
  CHECK(status_with("not-a-key-0123456789") == 401);
  // Its grace over (it ended at kNow): only the new key.
  REQUIRE_OK(
      s->RotateTrackerKey("shop", std::string("third-key-0123456789"), kNow));
  CHECK(status_with("third-key-0123456789") == 200);
  CHECK(status_with("second-key-0123456789") == 401);
  CHECK(status_with("first-key-0123456789") == 401);
}

TEST_CASE(
    "exportctl tracker rotate-key on a store exportd serves takes effect "
    "at once, the old key valid for --grace",
    "[keys]") {
  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  const std::string store = "--store " + shop.store_dir();
  auto request = [&](const std::string& key) {
    return RunCaptured("EXPORTCTL_KEY=" + key + " " +
                           std::string(EXPORTCTL_BIN) +
                           " request shop --model search --url " + d.url(),
                       shop.dir);
  };
  Ran rotated =
      RunExportctl(store + " tracker rotate-key shop --grace 600", shop.dir);
  REQUIRE(rotated.status == 0);
  const std::string new_key = rotated.out.substr(0, rotated.out.size() - 1);
  CHECK(new_key.size() == 64);
  CHECK(Has(rotated.err,
            "tracker shop: key replaced; the previous key stays "
            "valid until "));
  CHECK(RunExportctl(store + " tracker key shop", shop.dir).out ==
        new_key + "\n");
  CHECK(request(new_key).status == 0);
  CHECK(request("shop-key").status == 0);

  WriteFile(shop.dir.Sub("next"), "next-key-0123456789abc\n");
  Ran again = RunExportctl(
      store + " tracker rotate-key shop --key-file " + shop.dir.Sub("next"),
      shop.dir);
  REQUIRE(again.status == 0);
  CHECK(again.out.empty());
  CHECK(Has(again.err, "the previous key is no longer valid"));
  CHECK(request("next-key-0123456789abc").status == 0);
  Ran old = request(new_key);
  CHECK(old.status == 1);
  CHECK(Has(old.err, "signature_mismatch"));
  CHECK(request("shop-key").status == 1);
}

}  // namespace libexport::testing
