// The ExportSink that streams an export as an HTTP/1.1 chunked body
// (RFC 9112 section 7.1) through httplib's DataSink.
//
// It frames the chunks itself: httplib 0.11.4's own chunked writer copies
// every write twice (into its compressor's payload, then into the framed
// chunk), so the route answers with httplib's content provider *without
// length* (which writes each DataSink::write straight to the connection)
// and its own `Transfer-Encoding: chunked` header. Each Write becomes one
// chunk: its size line, then its bytes as they are (a 64 KiB batch, or one
// large record viewed in the store's map), never copied.
//
// A write is sent in slices of at most kStreamSliceBytes, and before each
// slice the sink checks the stream's time cap and the shutdown grace: a huge
// record to a slow client stops as soon as one of them says so (Write returns
// false, stop_reason() says why).
//
// Thread safety: one stream, one thread (httplib's content provider).
#ifndef LIBEXPORT_SRC_HTTP_STREAM_SINK_H_
#define LIBEXPORT_SRC_HTTP_STREAM_SINK_H_

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libexport/store.h"

namespace libexport::http {

inline constexpr size_t kStreamSliceBytes = 256 * 1024;

class DataSinkExportSink : public libexport::ExportSink {
 public:
  DataSinkExportSink(httplib::DataSink& sink,
                     std::chrono::steady_clock::time_point cap_deadline,
                     const std::atomic<bool>& shutting_down,
                     const std::atomic<int64_t>& shutdown_deadline_ns)
      : sink_(sink),
        cap_deadline_(cap_deadline),
        shutting_down_(shutting_down),
        shutdown_deadline_ns_(shutdown_deadline_ns) {}

  bool Write(std::string_view chunk) override {
    if (chunk.empty()) return true;  // an empty chunk would end the body
    // The previous chunk's CRLF, this one's size in hex and its CRLF.
    char line[2 + 16 + 2];
    size_t n = 0;
    if (started_) {
      line[n++] = '\r';
      line[n++] = '\n';
    }
    n += Hex(chunk.size(), line + n);
    line[n++] = '\r';
    line[n++] = '\n';
    if (!Send(std::string_view(line, n))) return false;
    started_ = true;
    while (!chunk.empty()) {
      std::string_view slice = chunk.substr(0, kStreamSliceBytes);
      if (!Send(slice)) return false;
      bytes_sent_ += slice.size();
      chunk.remove_prefix(slice.size());
    }
    return true;
  }

  // Ends the body: the last chunk's CRLF and the zero-size chunk. False
  // when the client is gone (or the stream had stopped).
  bool Finish() {
    if (stop_reason_ != nullptr) return false;
    std::string_view end = started_ ? "\r\n0\r\n\r\n" : "0\r\n\r\n";
    return Send(end);
  }

  // Body bytes sent, without the chunk framing.
  uint64_t bytes_sent() const { return bytes_sent_; }
  const char* stop_reason() const { return stop_reason_; }

 private:
  // Writes `n`'s lower-case hex digits to `out`; returns how many.
  static size_t Hex(uint64_t n, char* out) {
    char digits[16];
    size_t count = 0;
    do {
      digits[count++] = "0123456789abcdef"[n & 0xf];
      n >>= 4;
    } while (n != 0);
    std::reverse_copy(digits, digits + count, out);
    return count;
  }

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
    if (stop_reason_ != nullptr) return false;
    if (const char* reason = Expired()) {
      stop_reason_ = reason;
      return false;
    }
    // A write to a gone client fails (the connection's own write waits for
    // room up to the write timeout), so no separate writability poll.
    if (!sink_.write(data.data(), data.size())) {
      stop_reason_ = "client_gone";
      return false;
    }
    return true;
  }

  httplib::DataSink& sink_;
  std::chrono::steady_clock::time_point cap_deadline_;
  const std::atomic<bool>& shutting_down_;
  const std::atomic<int64_t>& shutdown_deadline_ns_;
  bool started_ = false;
  uint64_t bytes_sent_ = 0;
  const char* stop_reason_ = nullptr;
};

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_STREAM_SINK_H_
