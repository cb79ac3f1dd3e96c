// The ExportSink that streams an export into httplib's chunked response:
// batches small writes into chunks of kStreamBatchBytes, sends a large one
// as it is, and stops the export (Write returns false, stop_reason() says
// why) when the client is gone, the stream's time cap passes, or the
// shutdown grace ends.
//
// Thread safety: one stream, one thread (httplib's content provider).
#ifndef LIBEXPORT_SRC_HTTP_STREAM_SINK_H_
#define LIBEXPORT_SRC_HTTP_STREAM_SINK_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "libexport/store.h"

namespace libexport::http {

inline constexpr size_t kStreamBatchBytes = 64 * 1024;

class DataSinkExportSink : public libexport::ExportSink {
 public:
  DataSinkExportSink(httplib::DataSink& sink,
                     std::chrono::steady_clock::time_point cap_deadline,
                     const std::atomic<bool>& shutting_down,
                     const std::atomic<int64_t>& shutdown_deadline_ns)
      : sink_(sink),
        cap_deadline_(cap_deadline),
        shutting_down_(shutting_down),
        shutdown_deadline_ns_(shutdown_deadline_ns) {
    buffer_.reserve(kStreamBatchBytes);
  }

  bool Write(std::string_view chunk) override {
    if (const char* reason = Expired()) {
      stop_reason_ = reason;
      return false;
    }
    if (buffer_.empty() && chunk.size() >= kStreamBatchBytes)
      return Send(chunk);
    buffer_.append(chunk);
    if (buffer_.size() >= kStreamBatchBytes) return Flush();
    return true;
  }

  bool Flush() {
    if (buffer_.empty()) return true;
    bool ok = Send(buffer_);
    buffer_.clear();
    return ok;
  }

  uint64_t bytes_sent() const { return bytes_sent_; }
  const char* stop_reason() const { return stop_reason_; }

 private:
  // Why the stream must stop now, or nullptr.
  const char* Expired() const {
    auto now = std::chrono::steady_clock::now();
    if (now >= cap_deadline_) return "time_cap";
    if (shutting_down_.load(std::memory_order_relaxed)) {
      auto deadline = std::chrono::steady_clock::time_point(
          std::chrono::nanoseconds(shutdown_deadline_ns_.load()));
      if (now >= deadline) return "shutdown";
    }
    return nullptr;
  }

  bool Send(std::string_view data) {
    if (!sink_.is_writable() || !sink_.write(data.data(), data.size())) {
      stop_reason_ = "client_gone";
      return false;
    }
    bytes_sent_ += data.size();
    return true;
  }

  httplib::DataSink& sink_;
  std::chrono::steady_clock::time_point cap_deadline_;
  const std::atomic<bool>& shutting_down_;
  const std::atomic<int64_t>& shutdown_deadline_ns_;
  std::string buffer_;
  uint64_t bytes_sent_ = 0;
  const char* stop_reason_ = nullptr;
};

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_STREAM_SINK_H_
