// One accepted socket, as the httplib::Stream that exportd's connection
// loop (hardened_server.h) hands cpp-httplib for each request.
//
// It keeps the bytes read from the socket and not yet used, so pipelined
// requests survive from one request to the next. For each request httplib
// reads the checked, normalized head (request_head.h) and then exactly the
// body that head declares: Content-Length bytes, or a chunked body whose
// every chunk size, extension and CRLF is checked as it passes (a
// violation fails the read). Past the body a read returns 0, so a request
// hidden in a body is never parsed as one.
//
// On the way out it sees each response head as httplib writes it (in one
// piece): a `Connection: close` is sent once, without `Keep-Alive`, and
// remembered (response_closes()); for an HTTP/1.0 client a chunked body is
// unwrapped and delimited by the close instead (RFC 9112 7).
//
// Not thread-safe: one connection, one worker thread. Does not own or
// close the socket.
#ifndef LIBEXPORT_APP_CONNECTION_STREAM_H_
#define LIBEXPORT_APP_CONNECTION_STREAM_H_

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "request_head.h"

namespace libexport::app {

class ConnectionStream : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  // `read_timeout`: the longest wait for one read; `write_timeout`: for one
  // write (as httplib's own socket stream).
  ConnectionStream(socket_t sock, milliseconds read_timeout,
                   milliseconds write_timeout)
      : sock_(sock),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  enum class Waited { kReady, kClosed, kIdle };
  // Waits until the next request's first byte is here, the client closes,
  // `idle_timeout()` (re-read every 200 ms) passes or `stopping()`.
  Waited WaitForRequest(const std::function<milliseconds()>& idle_timeout,
                        const std::function<bool()>& stopping);

  enum class Got { kHead, kClosed, kTimeout, kTooLarge, kBareLf, kStopping };
  // Reads until the buffered bytes hold a whole head (then `*head` is it,
  // consumed) or a limit is hit: the byte cap, `deadline()` for the whole
  // head, the read timeout between two reads.
  Got ReadHead(const RequestHeadLimits& limits,
               const std::function<milliseconds()>& deadline,
               const std::function<bool()>& stopping, std::string* head);

  // After kTooLarge: is the request line itself too long (414, not 431)?
  bool RequestLineTooLong(const RequestHeadLimits& limits) const;

  // httplib reads `head.normalized`, then exactly the body it declares, all
  // of it by `body_deadline`.
  void BeginRequest(const RequestHead& head, Clock::time_point body_deadline);

  // After the response: the rest of the body is read and discarded when it
  // is at most `max` bytes. False: the connection must close.
  bool FinishBody(size_t max);
  bool BodyDone() const;

  bool response_closes() const { return response_closes_; }
  bool framing_error() const { return framing_error_; }

  // Sends `data` whole (answers of the connection layer itself).
  bool SendAll(std::string_view data);

  // httplib::Stream.
  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return sock_; }

 private:
  enum class ChunkState {
    kSize,       // hex digits
    kExtension,  // after ';' up to CR
    kSizeLf,     // CR seen, LF expected
    kData,       // remaining_ bytes of chunk data
    kDataCr,     // CR expected after the data
    kDataLf,
    kTrailer,  // a trailer line (or the final blank line) after chunk 0
    kTrailerLf,
    kDone,
  };
  enum class OutState { kSize, kSizeLf, kData, kDataCr, kDataLf, kEnd };

  size_t Buffered() const { return in_.size() - pos_; }
  void SkipEmptyLines();
  ssize_t Fill();
  ssize_t ReadRaw(char* ptr, size_t size);
  ssize_t ReadChunked(char* ptr, size_t size);
  bool ChunkFramingByte(char c);
  bool WriteHead(std::string_view head);
  bool Dechunk(std::string_view data);

  socket_t sock_;
  milliseconds read_timeout_;
  milliseconds write_timeout_;
  std::string in_;  // bytes read, from pos_ on not yet used
  size_t pos_ = 0;

  std::string head_;  // the normalized head httplib reads first
  size_t head_pos_ = 0;
  BodyFraming framing_ = BodyFraming::kNone;
  uint64_t remaining_ = 0;  // Content-Length left, or of this chunk
  ChunkState chunk_state_ = ChunkState::kSize;
  int chunk_digits_ = 0;
  size_t chunk_line_bytes_ = 0;
  bool framing_error_ = false;
  Clock::time_point body_deadline_{};

  bool http10_ = false;
  bool expect_head_ = false;
  bool response_closes_ = false;
  bool dechunk_ = false;
  OutState out_state_ = OutState::kSize;
  uint64_t out_remaining_ = 0;

  struct Address {
    bool known = false;
    std::string ip;
    int port = 0;
  };
  mutable Address remote_, local_;  // looked up on first use
  // Fills `a` once, by getpeername or getsockname.
  static void LookUp(int sock, Address& a,
                     int (*name)(int, sockaddr*, socklen_t*));
};

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_CONNECTION_STREAM_H_
