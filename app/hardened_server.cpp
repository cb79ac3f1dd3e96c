#include "hardened_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "http/error_json.h"

namespace libexport::app {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// poll() in slices of this much, so a waiting connection notices a stop
// and pressure (and a 1,000 idle connections cost 5,000 wakeups/s).
constexpr milliseconds kSlice{200};
constexpr size_t kReadChunk = 16 * 1024;

const char* Reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// A complete response that closes the connection (errors of the
// connection layer, before or instead of httplib).
std::string ClosingResponse(int status, std::string_view code,
                            std::string_view message,
                            std::string_view extra_header = {}) {
  std::string body = libexport::http::ErrorJson(status, code, message);
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  out.append(extra_header);
  out.append("Content-Type: application/json; charset=utf-8\r\n");
  out.append("Cache-Control: no-store\r\nConnection: close\r\n");
  out.append("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  out.append(body);
  return out;
}

void SetAddress(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    port = ntohs(a->sin6_port);
  }
  ip = buf;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

}  // namespace

// One accepted socket: the bytes read from it and not yet used, the
// current request's framing, and what httplib wrote back.
class HardenedServer::Connection : public httplib::Stream {
 public:
  Connection(socket_t sock, milliseconds read_timeout,
             milliseconds write_timeout)
      : sock_(sock),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  enum class Got { kHead, kClosed, kTimeout, kTooLarge, kBareLf, kStopping };

  enum class Waited { kReady, kClosed, kIdle };

  // Waits until the next request's first byte is here, the client closes,
  // `idle_timeout()` (re-read every slice) passes or the server stops.
  template <typename IdleTimeout, typename Stopping>
  Waited WaitForRequest(IdleTimeout idle_timeout, Stopping stopping) {
    SkipEmptyLines();
    if (Buffered() > 0) return Waited::kReady;
    auto since = Clock::now();
    while (!stopping()) {
      auto deadline = since + idle_timeout();
      auto now = Clock::now();
      if (now >= deadline) return Waited::kIdle;
      auto wait = std::min<milliseconds>(
          kSlice, std::chrono::duration_cast<milliseconds>(deadline - now) +
                      milliseconds(1));
      pollfd p{sock_, POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(wait.count()));
      if (r < 0 && errno != EINTR) return Waited::kClosed;
      if (r > 0) {
        if (Fill() <= 0) return Waited::kClosed;
        SkipEmptyLines();
        if (Buffered() > 0) return Waited::kReady;
      }
    }
    return Waited::kClosed;
  }

  // Reads until the buffered bytes hold a whole head (then `head` is it,
  // consumed from the buffer) or a limit is hit: the byte cap, `deadline()`
  // for the whole head, the read timeout between two reads.
  template <typename Deadline, typename Stopping>
  Got ReadHead(const RequestHeadLimits& limits, Deadline deadline,
               Stopping stopping, std::string* head) {
    auto start = Clock::now();
    auto last_byte = start;
    size_t scanned = 0;
    for (;;) {
      std::string_view data(in_.data() + pos_, in_.size() - pos_);
      size_t end = FindHeadEnd(data, scanned > 3 ? scanned - 3 : 0);
      if (end == kBareLineFeed) return Got::kBareLf;
      if (end != kIncomplete) {
        if (end > limits.max_head_bytes) return Got::kTooLarge;
        head->assign(data.substr(0, end));
        pos_ += end;
        return Got::kHead;
      }
      scanned = data.size();
      if (scanned > limits.max_head_bytes) return Got::kTooLarge;
      if (stopping()) return Got::kStopping;
      auto now = Clock::now();
      if (now >= start + deadline() || now >= last_byte + read_timeout_)
        return Got::kTimeout;
      pollfd p{sock_, POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(kSlice.count()));
      if (r < 0 && errno != EINTR) return Got::kClosed;
      if (r > 0) {
        if (Fill() <= 0) return Got::kClosed;
        last_byte = Clock::now();
      }
    }
  }

  // The first request line is longer than allowed (414) rather than the
  // head as a whole (431)?
  bool RequestLineTooLong(const RequestHeadLimits& limits) const {
    std::string_view data(in_.data() + pos_, in_.size() - pos_);
    size_t eol = data.find("\r\n");
    return (eol == std::string_view::npos ? data.size() : eol) >
           limits.max_request_line;
  }

  // httplib reads `head.normalized`, then exactly the body it declares.
  void BeginRequest(const RequestHead& head, Clock::time_point deadline) {
    head_ = head.normalized;
    head_pos_ = 0;
    framing_ = head.framing;
    remaining_ = head.content_length;
    chunk_state_ = ChunkState::kSize;
    chunk_digits_ = 0;
    chunk_line_bytes_ = 0;
    framing_error_ = false;
    body_deadline_ = deadline;
    http10_ = head.http10;
    expect_head_ = true;
    response_closes_ = false;
    dechunk_ = false;
    out_state_ = OutState::kSize;
  }

  // After the response: the rest of the body is read and discarded when
  // it is at most `max` bytes. False: close the connection.
  bool FinishBody(size_t max) {
    if (framing_error_ || head_pos_ < head_.size()) return false;
    if (BodyDone()) return true;
    if (framing_ == BodyFraming::kLength && remaining_ > max) return false;
    char scratch[4096];
    size_t discarded = 0;
    while (!BodyDone()) {
      ssize_t n = read(scratch, sizeof scratch);
      if (n <= 0) return false;
      discarded += static_cast<size_t>(n);
      if (discarded > max) return false;
    }
    return true;
  }

  bool BodyDone() const {
    switch (framing_) {
      case BodyFraming::kNone:
        return true;
      case BodyFraming::kLength:
        return remaining_ == 0;
      case BodyFraming::kChunked:
        return chunk_state_ == ChunkState::kDone;
    }
    return true;
  }

  bool response_closes() const { return response_closes_; }
  bool framing_error() const { return framing_error_; }

  // Sends `data` whole (connection-layer answers).
  bool SendAll(std::string_view data) {
    while (!data.empty()) {
      pollfd p{sock_, POLLOUT, 0};
      int r = poll(&p, 1, static_cast<int>(write_timeout_.count()));
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        return false;
      }
      ssize_t n = send(sock_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Stream, for httplib.
  bool is_readable() const override {
    if (head_pos_ < head_.size() || Buffered() > 0) return true;
    pollfd p{sock_, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(read_timeout_.count())) > 0;
  }

  bool is_writable() const override {
    pollfd p{sock_, POLLOUT, 0};
    return poll(&p, 1, static_cast<int>(write_timeout_.count())) > 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (size == 0) return 0;
    if (head_pos_ < head_.size()) {
      size_t n = std::min(size, head_.size() - head_pos_);
      std::memcpy(ptr, head_.data() + head_pos_, n);
      head_pos_ += n;
      return static_cast<ssize_t>(n);
    }
    switch (framing_) {
      case BodyFraming::kNone:
        return 0;
      case BodyFraming::kLength: {
        if (remaining_ == 0) return 0;
        size_t want = static_cast<size_t>(
            std::min<uint64_t>(remaining_, static_cast<uint64_t>(size)));
        ssize_t n = ReadRaw(ptr, want);
        if (n > 0) remaining_ -= static_cast<uint64_t>(n);
        return n;
      }
      case BodyFraming::kChunked:
        return ReadChunked(ptr, size);
    }
    return -1;
  }

  ssize_t write(const char* ptr, size_t size) override {
    std::string_view data(ptr, size);
    if (expect_head_ && data.substr(0, 7) == "HTTP/1." && data.size() >= 16 &&
        data.substr(data.size() - 4) == "\r\n\r\n") {
      return WriteHead(data) ? static_cast<ssize_t>(size) : -1;
    }
    if (dechunk_) return Dechunk(data) ? static_cast<ssize_t>(size) : -1;
    return SendAll(data) ? static_cast<ssize_t>(size) : -1;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      SetAddress(addr, ip, port);
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      SetAddress(addr, ip, port);
  }

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

  void SkipEmptyLines() {
    // RFC 9112 2.2: empty lines before a request line are ignored.
    while (Buffered() >= 2 && in_[pos_] == '\r' && in_[pos_ + 1] == '\n')
      pos_ += 2;
  }

  // One recv into the buffer: > 0 bytes, 0 closed, < 0 error.
  ssize_t Fill() {
    if (pos_ == in_.size()) {
      in_.clear();
      pos_ = 0;
    } else if (pos_ > 0 && pos_ >= in_.size() / 2) {
      in_.erase(0, pos_);
      pos_ = 0;
    }
    size_t old = in_.size();
    in_.resize(old + kReadChunk);
    ssize_t n;
    do {
      n = recv(sock_, in_.data() + old, kReadChunk, 0);
    } while (n < 0 && errno == EINTR);
    in_.resize(old + static_cast<size_t>(n > 0 ? n : 0));
    return n;
  }

  // Up to `size` body bytes from the buffer or the socket, within the
  // per-read timeout and the request's deadline.
  ssize_t ReadRaw(char* ptr, size_t size) {
    if (Buffered() == 0) {
      auto now = Clock::now();
      if (now >= body_deadline_) return -1;
      auto left =
          std::chrono::duration_cast<milliseconds>(body_deadline_ - now);
      pollfd p{sock_, POLLIN, 0};
      int r = poll(&p, 1,
                   static_cast<int>(std::min(left, read_timeout_).count()) + 1);
      if (r <= 0) return -1;
      ssize_t n = Fill();
      if (n <= 0) return n;
    }
    size_t n = std::min(size, Buffered());
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  // The chunked body, checked as it passes (RFC 9112 7.1): chunk sizes
  // are 1-15 hex digits, extensions printable, data followed by CRLF. A
  // violation fails the read (httplib answers 400; the connection closes).
  ssize_t ReadChunked(char* ptr, size_t size) {
    if (chunk_state_ == ChunkState::kDone) return 0;
    if (chunk_state_ == ChunkState::kData) {
      size_t want = static_cast<size_t>(
          std::min<uint64_t>(remaining_, static_cast<uint64_t>(size)));
      ssize_t n = ReadRaw(ptr, want);
      if (n > 0) {
        remaining_ -= static_cast<uint64_t>(n);
        if (remaining_ == 0) chunk_state_ = ChunkState::kDataCr;
      }
      return n;
    }
    // Framing bytes one at a time (httplib reads those lines bytewise).
    char c;
    ssize_t n = ReadRaw(&c, 1);
    if (n <= 0) return n;
    if (!ChunkFramingByte(c)) {
      framing_error_ = true;
      return -1;
    }
    *ptr = c;
    return 1;
  }

  bool ChunkFramingByte(char c) {
    switch (chunk_state_) {
      case ChunkState::kSize: {
        int d = HexDigit(c);
        if (d >= 0) {
          if (++chunk_digits_ > 15) return false;
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(d);
          return true;
        }
        if (chunk_digits_ == 0) return false;
        if (c == ';') {
          chunk_state_ = ChunkState::kExtension;
          return true;
        }
        if (c == '\r') {
          chunk_state_ = ChunkState::kSizeLf;
          return true;
        }
        return false;
      }
      case ChunkState::kExtension: {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '\r') {
          chunk_state_ = ChunkState::kSizeLf;
          return true;
        }
        if (++chunk_line_bytes_ > 4096) return false;
        return (u >= 0x20 && u != 0x7f) || c == '\t';
      }
      case ChunkState::kSizeLf:
        if (c != '\n') return false;
        chunk_digits_ = 0;
        chunk_line_bytes_ = 0;
        chunk_state_ =
            remaining_ == 0 ? ChunkState::kTrailer : ChunkState::kData;
        return true;
      case ChunkState::kDataCr:
        if (c != '\r') return false;
        chunk_state_ = ChunkState::kDataLf;
        return true;
      case ChunkState::kDataLf:
        if (c != '\n') return false;
        remaining_ = 0;
        chunk_state_ = ChunkState::kSize;
        return true;
      case ChunkState::kTrailer: {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '\r') {
          chunk_state_ = ChunkState::kTrailerLf;
          return true;
        }
        if (++chunk_line_bytes_ > 8192) return false;
        return (u >= 0x20 && u != 0x7f) || c == '\t';
      }
      case ChunkState::kTrailerLf: {
        if (c != '\n') return false;
        bool blank = chunk_line_bytes_ == 0;
        chunk_line_bytes_ = 0;
        chunk_state_ = blank ? ChunkState::kDone : ChunkState::kTrailer;
        return true;
      }
      case ChunkState::kData:
      case ChunkState::kDone:
        return false;
    }
    return false;
  }

  // The response's status line and headers, as httplib wrote them in one
  // piece. `Connection: close` is sent once, without `Keep-Alive`; an
  // HTTP/1.0 client gets no chunked framing (RFC 9112 7: the body is then
  // delimited by the close).
  bool WriteHead(std::string_view head) {
    int status = std::atoi(std::string(head.substr(9, 3)).c_str());
    if (status >= 100 && status < 200) return SendAll(head);  // 100 Continue
    expect_head_ = false;
    bool close = false, chunked = false;
    std::string_view lines = head.substr(0, head.size() - 2);
    for (size_t at = lines.find("\r\n") + 2; at < lines.size();) {
      size_t end = lines.find("\r\n", at);
      std::string_view line = lines.substr(at, end - at);
      if (StartsWithIgnoreCase(line, "connection:") &&
          line.find("close") != std::string_view::npos)
        close = true;
      if (StartsWithIgnoreCase(line, "transfer-encoding:")) chunked = true;
      at = end + 2;
    }
    if (chunked && http10_) {
      dechunk_ = true;
      close = true;
    }
    if (!close) return SendAll(head);
    response_closes_ = true;
    std::string out;
    out.reserve(head.size());
    size_t first = lines.find("\r\n") + 2;
    out.append(lines.substr(0, first));
    for (size_t at = first; at < lines.size();) {
      size_t end = lines.find("\r\n", at);
      std::string_view line = lines.substr(at, end - at + 2);
      at = end + 2;
      if (StartsWithIgnoreCase(line, "connection:") ||
          StartsWithIgnoreCase(line, "keep-alive:"))
        continue;
      if (dechunk_ && StartsWithIgnoreCase(line, "transfer-encoding:"))
        continue;
      out.append(line);
    }
    out.append("Connection: close\r\n\r\n");
    return SendAll(out);
  }

  // httplib's own chunked output, unwrapped to its data bytes.
  bool Dechunk(std::string_view data) {
    size_t i = 0;
    while (i < data.size()) {
      switch (out_state_) {
        case OutState::kSize: {
          char c = data[i++];
          int d = HexDigit(c);
          if (d >= 0) {
            out_remaining_ = out_remaining_ * 16 + static_cast<uint64_t>(d);
          } else if (c == '\r') {
            out_state_ = OutState::kSizeLf;
          }
          break;
        }
        case OutState::kSizeLf:
          ++i;
          out_state_ = out_remaining_ == 0 ? OutState::kEnd : OutState::kData;
          break;
        case OutState::kData: {
          size_t n = static_cast<size_t>(std::min<uint64_t>(
              out_remaining_, static_cast<uint64_t>(data.size() - i)));
          if (!SendAll(data.substr(i, n))) return false;
          i += n;
          out_remaining_ -= n;
          if (out_remaining_ == 0) out_state_ = OutState::kDataCr;
          break;
        }
        case OutState::kDataCr:
          ++i;
          out_state_ = OutState::kDataLf;
          break;
        case OutState::kDataLf:
          ++i;
          out_state_ = OutState::kSize;
          break;
        case OutState::kEnd:
          i = data.size();  // the final CRLF (httplib sends no trailers)
          break;
      }
    }
    return true;
  }

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
};

HardenedServer::HardenedServer(HardenedServerOptions options)
    : options_(std::move(options)) {
  InstallConnectionPool();
}

void HardenedServer::InstallConnectionPool() {
  int n = options_.max_connections;
  PoolCounters* counters = &counters_.pool;
  new_task_queue = [n, counters] { return new ConnectionPool(n, counters); };
}

void HardenedServer::RaiseBacklog(int backlog) { ::listen(svr_sock_, backlog); }

bool HardenedServer::UnderPressure() const {
  return counters_.pool.busy.load() * 100 >=
         options_.max_connections * options_.pressure_percent;
}

bool HardenedServer::process_and_close_socket(socket_t sock) {
  auto read_timeout =
      milliseconds(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000);
  auto write_timeout =
      milliseconds(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000);
  if (read_timeout.count() <= 0) read_timeout = milliseconds(1);
  if (write_timeout.count() <= 0) write_timeout = milliseconds(1);
  Connection conn(sock, read_timeout, write_timeout);

  if (ConnectionPool::Refusing()) {
    // On the accepting thread: no read, no wait for a slow reader.
    std::string reply = ClosingResponse(
        503, "over_capacity", "every connection slot is taken; retry shortly",
        "Retry-After: 1\r\n");
    send(sock, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(sock, SHUT_WR);
    char drain[4096];
    while (recv(sock, drain, sizeof drain, MSG_DONTWAIT) > 0) {
    }
    close(sock);
    return true;
  }

  auto stopping = [this] { return Stopping(); };
  bool idle_pressured = false;  // the last idle timeout was the busy one
  auto idle = [this, &idle_pressured] {
    idle_pressured = UnderPressure();
    return idle_pressured ? options_.busy_keep_alive_timeout
                          : milliseconds(keep_alive_timeout_sec_ * 1000);
  };
  auto request_deadline = [this] {
    return UnderPressure() ? options_.busy_request_timeout
                           : options_.request_timeout;
  };

  size_t served = 0;
  bool linger = false;
  for (;;) {
    auto waited = conn.WaitForRequest(idle, stopping);
    if (waited != Connection::Waited::kReady) {
      if (waited == Connection::Waited::kIdle && idle_pressured)
        counters_.idle_closed_under_pressure.fetch_add(1);
      break;
    }
    auto started = Clock::now();
    std::string raw;
    auto got = conn.ReadHead(options_.head, request_deadline, stopping, &raw);
    if (got == Connection::Got::kClosed || got == Connection::Got::kStopping)
      break;
    if (got != Connection::Got::kHead) {
      int status = 400;
      std::string code = "bad_request", message;
      if (got == Connection::Got::kTimeout) {
        status = 408;
        code = "request_timeout";
        message =
            "the request head did not arrive in time (--request-timeout, "
            "--read-timeout between reads)";
        counters_.head_timeouts.fetch_add(1);
      } else if (got == Connection::Got::kTooLarge) {
        bool line = conn.RequestLineTooLong(options_.head);
        status = line ? 414 : 431;
        code = line ? "uri_too_long" : "header_too_large";
        message =
            line ? "the request line exceeds " +
                       std::to_string(options_.head.max_request_line) + " bytes"
                 : "the request head exceeds " +
                       std::to_string(options_.head.max_head_bytes) + " bytes";
        counters_.heads_rejected.fetch_add(1);
      } else {
        message = "a line of the request head ends in LF without CR";
        counters_.heads_rejected.fetch_add(1);
      }
      conn.SendAll(ClosingResponse(status, code, message));
      linger = true;
      break;
    }
    RequestHead head = ParseRequestHead(raw, options_.head);
    if (!head.ok()) {
      counters_.heads_rejected.fetch_add(1);
      conn.SendAll(ClosingResponse(head.status, head.code, head.message));
      linger = true;
      break;
    }
    ++served;
    counters_.requests.fetch_add(1);
    bool last =
        served >= keep_alive_max_count_ || head.client_close || Stopping();
    conn.BeginRequest(head, started + request_deadline());
    bool connection_closed = false;
    bool ok = process_request(conn, last, connection_closed, nullptr);
    if (!ok || last || connection_closed || conn.response_closes() ||
        conn.framing_error()) {
      if (!conn.BodyDone()) {
        counters_.closed_unread_body.fetch_add(1);
        linger = true;
      }
      break;
    }
    if (!conn.BodyDone()) {
      if (!conn.FinishBody(options_.max_drain_bytes)) {
        counters_.closed_unread_body.fetch_add(1);
        linger = true;
        break;
      }
      counters_.bodies_drained.fetch_add(1);
    }
  }
  // Closing with unread bytes makes the kernel send RST, which can destroy
  // the response before the client reads it: half-close, then discard
  // what still comes for a moment (RFC 9112 9.6).
  shutdown(sock, SHUT_WR);
  if (linger && !UnderPressure()) {
    auto until = Clock::now() + milliseconds(500);
    char drain[4096];
    size_t total = 0;
    while (Clock::now() < until && total < options_.max_drain_bytes) {
      pollfd p{sock, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      ssize_t n = recv(sock, drain, sizeof drain, 0);
      if (n <= 0) break;
      total += static_cast<size_t>(n);
    }
  }
  close(sock);
  return true;
}

std::string HardenedServer::MetricsText() const {
  std::string out;
  auto gauge = [&](const char* name, const char* help, uint64_t v,
                   const char* type) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    out.append(name).append(" ").append(std::to_string(v)).append("\n");
  };
  const Counters& c = counters_;
  gauge("libexport_http_connections_open",
        "connections held by a worker (idle, reading or answered)",
        static_cast<uint64_t>(std::max(0, c.pool.busy.load())), "gauge");
  gauge("libexport_http_connections_max",
        "the connection cap (--max-connections); past it: 503",
        static_cast<uint64_t>(options_.max_connections), "gauge");
  gauge("libexport_http_workers", "worker threads started",
        static_cast<uint64_t>(std::max(0, c.pool.workers.load())), "gauge");
  gauge("libexport_http_connections_accepted_total",
        "connections given a worker", c.pool.accepted.load(), "counter");
  gauge("libexport_http_connections_refused_total",
        "connections answered 503 at the cap", c.pool.refused.load(),
        "counter");
  gauge("libexport_http_request_head_timeouts_total",
        "requests cut by --request-timeout (408)", c.head_timeouts.load(),
        "counter");
  gauge("libexport_http_request_heads_rejected_total",
        "request heads refused before routing (400/414/431/501/505)",
        c.heads_rejected.load(), "counter");
  gauge("libexport_http_request_bodies_drained_total",
        "unread request bodies read and discarded", c.bodies_drained.load(),
        "counter");
  gauge("libexport_http_connections_closed_unread_body_total",
        "connections closed instead of reading a body",
        c.closed_unread_body.load(), "counter");
  gauge("libexport_http_idle_closed_under_pressure_total",
        "idle connections closed early because the pool was busy",
        c.idle_closed_under_pressure.load(), "counter");
  return out;
}

}  // namespace libexport::app
