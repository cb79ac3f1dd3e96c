// Helpers for the tests of the built programs: a shop store on disk for a
// child process, exportd started on an ephemeral port, and exportctl run
// through the shell with its stdout, stderr and exit code.
#ifndef LIBEXPORT_TESTS_HTTP_PROGRAM_TEST_UTIL_H_
#define LIBEXPORT_TESTS_HTTP_PROGRAM_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "http_test_util.h"
#include "shop_fixture.h"

namespace libexport::testing {

// A shop store on disk, closed again so that only the child uses it.
struct ShopDir {
  ShopDir() {
    auto opened = Store::Open(store_dir());
    REQUIRE_OK(opened);
    LoadShop(**opened);
  }
  std::string store_dir() const { return dir.Sub("store"); }
  TempDir dir;
};

// exportd on 127.0.0.1:<any> serving `store_dir`, its stderr in `log_path`,
// started once its banner (with the port) is out.
struct Exportd {
  Exportd(const std::string& store_dir, const std::string& log_path,
          std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {EXPORTD_BIN, "--store", store_dir,
                                     "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Start(argv, log_path);
  }
  // Only `argv` after the program (settings from a file or the environment).
  static std::unique_ptr<Exportd> WithArgs(std::vector<std::string> args,
                                           const std::string& log_path) {
    auto d = std::unique_ptr<Exportd>(new Exportd());
    args.insert(args.begin(), EXPORTD_BIN);
    d->Start(args, log_path);
    return d;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  std::unique_ptr<Child> child;
  // "exportd: listening on http://... (store S, up to N connections)"
  std::string banner;
  int port = 0;
  int health_port = 0;  // --health-listen

 private:
  Exportd() = default;
  void Start(const std::vector<std::string>& argv,
             const std::string& log_path) {
    child = std::make_unique<Child>(argv, log_path);
    banner = child->ReadLine(std::chrono::seconds(10));
    INFO(banner);
    port = PortFromBanner(banner);
    REQUIRE(port > 0);
    size_t health = banner.find("/healthz on http://127.0.0.1:");
    if (health != std::string::npos) {
      health_port = std::atoi(banner.c_str() + health + 29);
    }
  }
};

// `exportctl ARGS` through bash (ARGS may hold redirections).
inline std::string Exportctl(const std::string& args, int* status) {
  return RunShell(std::string(EXPORTCTL_BIN) + " " + args, status);
}

// Whether `text` contains `part`.
inline bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// What a program run printed and returned.
struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs `command` (a shell line) with its stderr captured in `dir`.
inline Ran RunCaptured(const std::string& command, const TempDir& dir) {
  Ran r;
  const std::string err_path = dir.Sub("stderr.txt");
  r.out = RunShell(command + " 2>" + err_path, &r.status);
  r.err = ReadFile(err_path);
  return r;
}

inline Ran RunExportctl(const std::string& args, const TempDir& dir) {
  return RunCaptured(std::string(EXPORTCTL_BIN) + " " + args, dir);
}

inline Ran RunExportd(const std::string& args, const TempDir& dir) {
  return RunCaptured(std::string(EXPORTD_BIN) + " " + args, dir);
}

}  // namespace libexport::testing

#endif  // LIBEXPORT_TESTS_HTTP_PROGRAM_TEST_UTIL_H_
