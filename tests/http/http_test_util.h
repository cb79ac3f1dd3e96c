// Helpers for the HTTP tests: a live server on an ephemeral loopback port
// with the export routes mounted, signed requests, child processes, and
// /proc/self/status readings.
#ifndef LIBEXPORT_TESTS_HTTP_HTTP_TEST_UTIL_H_
#define LIBEXPORT_TESTS_HTTP_HTTP_TEST_UTIL_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hardened_server.h"
#include "libexport/http/export_routes.h"
#include "libexport/http/signed_client.h"
#include "libexport/store.h"
#include "libexport/time.h"
#include "test_util.h"

namespace libexport::testing {

inline constexpr const char* kJsonType = "application/json; charset=utf-8";

inline std::chrono::system_clock::time_point TimePoint(Timestamp t) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(t.seconds) + std::chrono::nanoseconds(t.nanos)));
}

// Access-log lines, kept for assertions.
struct LogLines {
  std::mutex mu;
  std::vector<std::string> lines;
  void Add(std::string line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(std::move(line));
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }
  // The lines once there are at least `n` (or after 5 s). A streamed
  // response is logged by its releaser, which can run after the client has
  // read the last byte.
  std::vector<std::string> WaitFor(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (Get().size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return Get();
  }
};

// exportd's server (app::HardenedServer, at most `max_connections`
// open) with the export routes, listening on 127.0.0.1:<any> in its own
// thread. The clock is fixed at kNow unless `fixed_clock` is false.
class LiveServer {
 public:
  explicit LiveServer(
      std::shared_ptr<Store> store,
      libexport::http::ExportRoutesOptions options = {},
      bool fixed_clock = true, int max_connections = 64,
      app::HardenedServerOptions server_options = {},
      int keep_alive_seconds = 1,
      // More settings, made before the server starts (its
      // workers read them unsynchronized).
      const std::function<void(app::HardenedServer&)>& configure = {})
      : server_(WithMax(server_options, max_connections)) {
    libexport::http::ConfigureServer(server_);
    server_.InstallConnectionPool();
    server_.set_read_timeout(2);
    server_.set_keep_alive_timeout(keep_alive_seconds);
    if (configure) configure(server_);
    if (fixed_clock && !options.clock) {
      options.clock = [] { return TimePoint(kNow); };
    }
    if (!options.access_log) {
      options.access_log = [this](const libexport::http::AccessLogEntry& e) {
        log.Add(libexport::http::FormatAccessLogLine(e));
      };
    }
    routes = libexport::http::MountExportRoutes(server_, store, options);
    port = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread_ = std::thread([this] { listen_ok_ = server_.listen_after_bind(); });
    while (!server_.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~LiveServer() { Stop(); }

  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  app::HardenedServer& server() { return server_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  int port = 0;
  LogLines log;
  std::unique_ptr<libexport::http::ExportRoutes> routes;

 private:
  static app::HardenedServerOptions WithMax(app::HardenedServerOptions o,
                                            int max_connections) {
    o.max_connections = max_connections;
    return o;
  }
  app::HardenedServer server_;
  std::thread thread_;
  bool listen_ok_ = false;
};

// The signed headers for POST `path` at `date` (default: kNow).
inline httplib::Headers SignedHeaders(
    const std::string& tracker, const std::string& key, const std::string& path,
    const std::string& date = FormatHttpDate(kNow),
    const std::string& content_type = kJsonType) {
  auto h = libexport::http::SignRequest(tracker, key, "POST", path,
                                        content_type, date);
  return {{"Date", h.date}, {"Authorization", h.authorization}};
}

// A signed POST of the export of `tracker` with `query` ("?a=b" or "").
inline httplib::Result SignedPost(httplib::Client& client,
                                  const std::string& tracker,
                                  const std::string& key,
                                  const std::string& query = "") {
  std::string path = libexport::http::ExportPath(tracker);
  return client.Post((path + query).c_str(), SignedHeaders(tracker, key, path),
                     "", kJsonType);
}

// A signed export request for a streaming client (Client::send), to which
// a test adds its response_handler / content_receiver.
inline httplib::Request SignedExportRequest(const std::string& tracker,
                                            const std::string& key) {
  httplib::Request req;
  req.method = "POST";
  req.path = libexport::http::ExportPath(tracker);
  req.headers = SignedHeaders(tracker, key, req.path);
  req.set_header("Content-Type", kJsonType);
  return req;
}

// Raw sockets, for requests httplib's client will not send. TryConnect
// asserts nothing (for threads of a test: Catch2 asserts on the test's own
// thread only) and returns -1 when it cannot connect.
inline int TryConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline int Connect(int port) {
  const int fd = TryConnect(port);
  REQUIRE(fd >= 0);
  return fd;
}

// Sends all of `data`; false when the server closed the connection first.
inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until the server closes or `timeout` passes; `closed` says which.
inline std::string ReadUntilClose(int fd, std::chrono::milliseconds timeout,
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

inline int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

// A field of /proc/self/status (or of process `pid`'s) in kB ("VmRSS",
// "RssAnon", "VmHWM").
inline long ProcStatusKb(const std::string& field, pid_t pid = 0) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/status")
                            : "/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

// The ```sh blocks of docs/http_api.md between `<!-- NAME:begin -->` and
// `<!-- NAME:end -->`, in order, without their fences.
inline std::vector<std::string> DocShellBlocks(const std::string& name) {
  const std::string here = __FILE__;
  std::ifstream in(here.substr(0, here.rfind("/tests/")) + "/docs/http_api.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const size_t begin = doc.find("<!-- " + name + ":begin -->");
  const size_t end = doc.find("<!-- " + name + ":end -->");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::vector<std::string> blocks;
  for (size_t at = doc.find("```sh\n", begin); at < end;
       at = doc.find("```sh\n", at)) {
    const size_t close = doc.find("```", at + 6);
    blocks.push_back(doc.substr(at + 6, close - at - 6));
    at = close + 3;
  }
  return blocks;
}

// Runs `bash -c script` and returns its stdout; `status` gets the exit code.
inline std::string RunShell(const std::string& script, int* status) {
  std::string cmd = "bash -c " + std::string("'");
  for (char c : script) {
    if (c == '\'') {
      cmd += "'\\''";
    } else {
      cmd += c;
    }
  }
  cmd += "'";
  // No Catch2 assertion here: tests run shells from threads of their own,
  // and a failed popen is a status of -1 for the caller to check.
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *status = -1;
    return {};
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

// A child process with its stdout on a pipe (stderr to a file).
class Child {
 public:
  Child(std::vector<std::string> argv, const std::string& stderr_path) {
    // Everything the child needs is made before the fork: between fork and
    // exec it must not allocate (another thread may hold the allocator's
    // lock, which the child would wait on forever).
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], 1);
      int e = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (e >= 0) dup2(e, 2);
      close(fds[0]);
      close(fds[1]);
      execv(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int st;
      waitpid(pid_, &st, 0);
    }
    if (out_ >= 0) close(out_);
  }

  // One line of stdout, or "" after `timeout`.
  std::string ReadLine(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char c;
      if (read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  void Signal(int sig) { kill(pid_, sig); }
  pid_t pid() const { return pid_; }

  // The exit code, or -1 when still running after `timeout` (or signalled).
  int Wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// "exportd: listening on http://127.0.0.1:PORT (...)" -> PORT.
inline int PortFromBanner(const std::string& line) {
  size_t colon = line.find("127.0.0.1:");
  if (colon == std::string::npos) return -1;
  return std::atoi(line.c_str() + colon + 10);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace libexport::testing

#endif  // LIBEXPORT_TESTS_HTTP_HTTP_TEST_UTIL_H_
