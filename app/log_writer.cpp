#include "log_writer.h"

#include <errno.h>
#include <unistd.h>

#include <utility>

namespace libexport::app {

LogWriter::LogWriter(int fd, LogWriterOptions options)
    : fd_(fd), options_(options), thread_([this] { Run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LogWriter::Append(std::string_view line) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (buffer_.size() + line.size() + 1 > options_.max_buffered) {
      ++dropped_;
      return;
    }
    // The writer waits for a batch's first line, then for a full batch.
    wake = buffer_.empty();
    buffer_.append(line);
    buffer_.push_back('\n');
    wake = wake || buffer_.size() >= options_.batch_bytes;
  }
  if (wake) cv_.notify_one();
}

uint64_t LogWriter::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void LogWriter::Run() {
  std::string batch;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    // Wait for a first line, then until the batch is full or old enough.
    cv_.wait(lock, [&] { return stop_ || !buffer_.empty(); });
    if (!stop_) {
      cv_.wait_for(lock, options_.max_delay, [&] {
        return stop_ || buffer_.size() >= options_.batch_bytes;
      });
    }
    batch.swap(buffer_);
    if (dropped_ > dropped_noted_) {
      batch += "exportd: " + std::to_string(dropped_ - dropped_noted_) +
               " access log lines dropped (the log is not draining)\n";
      dropped_noted_ = dropped_;
    }
    const bool last = stop_;
    lock.unlock();
    WriteAll(batch);
    batch.clear();
    lock.lock();
    if (last && buffer_.empty()) return;
  }
}

void LogWriter::WriteAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed or broken log: the lines are lost
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace libexport::app
