// LogWriter (app/log_writer.h): exportd's access log lines, batched.
#include "log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace libexport::app {
namespace {

// Everything readable from `fd` until `want` bytes came or `limit` passed.
std::string ReadFor(int fd, size_t want, std::chrono::milliseconds limit) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + limit;
  char buf[65536];
  while (out.size() < want && std::chrono::steady_clock::now() < end) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return out;
}

struct Pipe {
  Pipe() { REQUIRE(pipe2(fds, O_NONBLOCK) == 0); }
  ~Pipe() {
    close(fds[0]);
    close(fds[1]);
  }
  int fds[2];
};

TEST_CASE(
    "the access log writer delivers every line whole and in each thread's "
    "order, the last ones when it is destroyed",
    "[log]") {
  Pipe p;
  // The pipe must not fill while the test has not read it yet.
  REQUIRE(fcntl(p.fds[1], F_SETPIPE_SZ, 1 << 20) > 0);
  constexpr int kThreads = 4, kLines = 2000;
  {
    LogWriterOptions o;
    o.batch_bytes = 4096;
    LogWriter w(p.fds[1], o);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&w, t] {
        for (int i = 0; i < kLines; ++i) {
          w.Append("thread=" + std::to_string(t) +
                   " line=" + std::to_string(i) + " " + std::string(40, 'x'));
        }
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(w.dropped() == 0);
  }
  std::istringstream got(ReadFor(p.fds[0], SIZE_MAX, std::chrono::seconds(1)));
  std::map<int, int> next;  // thread -> the line it must write next
  int lines = 0;
  for (std::string line; std::getline(got, line); ++lines) {
    int t = -1, i = -1;
    REQUIRE(std::sscanf(line.c_str(), "thread=%d line=%d", &t, &i) == 2);
    CHECK(line.size() == line.find(" x") + 41);
    CHECK(i == next[t]);
    next[t] = i + 1;
  }
  CHECK(lines == kThreads * kLines);
}

TEST_CASE("the access log writer writes a lone line within its max delay",
          "[log]") {
  Pipe p;
  LogWriterOptions o;
  o.max_delay = std::chrono::milliseconds(50);
  LogWriter w(p.fds[1], o);
  w.Append("GET /healthz status=200");
  // Far below the batch size: only the delay sends it (5 s is a fault).
  CHECK(ReadFor(p.fds[0], 24, std::chrono::seconds(5)) ==
        "GET /healthz status=200\n");
}

TEST_CASE(
    "when the log does not drain, the access log writer drops lines, never "
    "blocks the caller, and says how many it dropped",
    "[log]") {
  Pipe p;
  const int pipe_size = fcntl(p.fds[1], F_GETPIPE_SZ);
  REQUIRE(pipe_size > 0);
  // The writer's end blocks when full, as a stderr nobody reads.
  REQUIRE(fcntl(p.fds[1], F_SETFL, 0) == 0);
  LogWriterOptions o;
  o.batch_bytes = 1024;
  o.max_delay = std::chrono::milliseconds(10);
  o.max_buffered = 16 * 1024;
  uint64_t dropped = 0;
  {
    LogWriter w(p.fds[1], o);
    const std::string line(99, 'a');
    // Ten times what the pipe and the buffer hold: every Append returns
    // (the test would hang otherwise).
    const size_t appends =
        10 * (static_cast<size_t>(pipe_size) + o.max_buffered) / 100;
    for (size_t i = 0; i < appends; ++i) w.Append(line);
    dropped = w.dropped();
    CHECK(dropped > 0);
    CHECK(dropped < appends);
    // Drain, so the writer can finish: the buffered lines, then the note.
    const std::string all =
        ReadFor(p.fds[0], SIZE_MAX, std::chrono::seconds(2));
    CHECK(all.find("access log lines dropped (the log is not draining)") !=
          std::string::npos);
  }
}

}  // namespace
}  // namespace libexport::app
