// LogWriter: exportd's access log lines, written to a file descriptor in
// batches by a thread of its own, so that a request costs an append to a
// buffer, not a write() (and never waits for a slow or blocked stderr).
//
// Lines reach `fd` about `max_delay` after the first line of their batch
// was appended (sooner when the batch fills), whole and in the order of
// their appends. When more than `max_buffered` bytes wait, because the reader
// of `fd` does not keep up, new lines are dropped and counted, and a line
// "exportd: N access log lines dropped (the log is not draining)" is
// written once the buffer has room again: requests are never slowed by
// the log.
//
// Thread-safe. The destructor writes every buffered line and joins the
// thread; `fd` is not closed.
#ifndef LIBEXPORT_APP_LOG_WRITER_H_
#define LIBEXPORT_APP_LOG_WRITER_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace libexport::app {

struct LogWriterOptions {
  // A batch is written once it holds this much, or max_delay after its
  // first line.
  size_t batch_bytes = 64 * 1024;
  std::chrono::milliseconds max_delay{100};
  // Lines appended while this much waits are dropped (and counted).
  size_t max_buffered = 8 * 1024 * 1024;
};

class LogWriter {
 public:
  explicit LogWriter(int fd, LogWriterOptions options = {});
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends `line` and a '\n'.
  void Append(std::string_view line);

  // Lines dropped so far because max_buffered bytes were waiting.
  uint64_t dropped() const;

 private:
  void Run();
  void WriteAll(std::string_view data);

  const int fd_;
  const LogWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;          // guarded by mu_
  uint64_t dropped_ = 0;        // guarded by mu_
  uint64_t dropped_noted_ = 0;  // guarded by mu_
  bool stop_ = false;           // guarded by mu_
  std::thread thread_;
};

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_LOG_WRITER_H_
