#include "connection_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace libexport::app {
namespace {

using Clock = ConnectionStream::Clock;
using std::chrono::milliseconds;

// poll() in slices of this much, so a waiting connection notices a stop
// and pressure (and 1,000 idle connections cost 5,000 wakeups/s).
constexpr milliseconds kSlice{200};
constexpr size_t kReadChunk = 16 * 1024;

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

// Waits until the next request's first byte is here, the client closes,
// `idle_timeout()` (re-read every slice) passes or the server stops.
ConnectionStream::Waited ConnectionStream::WaitForRequest(
    const std::function<milliseconds()>& idle_timeout,
    const std::function<bool()>& stopping) {
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
ConnectionStream::Got ConnectionStream::ReadHead(
    const RequestHeadLimits& limits,
    const std::function<milliseconds()>& deadline,
    const std::function<bool()>& stopping, std::string* head) {
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
bool ConnectionStream::RequestLineTooLong(
    const RequestHeadLimits& limits) const {
  std::string_view data(in_.data() + pos_, in_.size() - pos_);
  size_t eol = data.find("\r\n");
  return (eol == std::string_view::npos ? data.size() : eol) >
         limits.max_request_line;
}

// httplib reads `head.normalized`, then exactly the body it declares.
void ConnectionStream::BeginRequest(const RequestHead& head,
                                    Clock::time_point deadline) {
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
bool ConnectionStream::FinishBody(size_t max) {
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

bool ConnectionStream::BodyDone() const {
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

// Sends `data` whole (connection-layer answers).
// The send is tried first: a socket buffer with room (the usual case) costs
// no poll; a full one waits for room up to the write timeout.
bool ConnectionStream::SendAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n =
        send(sock_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
      return false;
    if (errno == EINTR) continue;
    pollfd p{sock_, POLLOUT, 0};
    int r = poll(&p, 1, static_cast<int>(write_timeout_.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
  }
  return true;
}

// Stream, for httplib.
bool ConnectionStream::is_readable() const {
  if (head_pos_ < head_.size() || Buffered() > 0) return true;
  pollfd p{sock_, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(read_timeout_.count())) > 0;
}

bool ConnectionStream::is_writable() const {
  pollfd p{sock_, POLLOUT, 0};
  return poll(&p, 1, static_cast<int>(write_timeout_.count())) > 0;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (size == 0) return 0;
  if (head_pos_ < head_.size()) {
    // httplib reads the head a byte at a time: no memcpy call for those.
    if (size == 1) {
      *ptr = head_[head_pos_++];
      return 1;
    }
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

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  std::string_view data(ptr, size);
  if (expect_head_ && data.substr(0, 7) == "HTTP/1." && data.size() >= 16 &&
      data.substr(data.size() - 4) == "\r\n\r\n") {
    return WriteHead(data) ? static_cast<ssize_t>(size) : -1;
  }
  if (dechunk_) return Dechunk(data) ? static_cast<ssize_t>(size) : -1;
  return SendAll(data) ? static_cast<ssize_t>(size) : -1;
}

// httplib asks for both addresses on every request; a connection's do not
// change, so each is one system call per connection, not per request.
void ConnectionStream::LookUp(int sock, Address& a,
                              int (*name)(int, sockaddr*, socklen_t*)) {
  if (a.known) return;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (name(sock, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    SetAddress(addr, a.ip, a.port);
  a.known = true;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip,
                                              int& port) const {
  LookUp(sock_, remote_, getpeername);
  ip = remote_.ip;
  port = remote_.port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  LookUp(sock_, local_, getsockname);
  ip = local_.ip;
  port = local_.port;
}

void ConnectionStream::SkipEmptyLines() {
  // RFC 9112 2.2: empty lines before a request line are ignored.
  while (Buffered() >= 2 && in_[pos_] == '\r' && in_[pos_ + 1] == '\n')
    pos_ += 2;
}

// One recv into the buffer: > 0 bytes, 0 closed, < 0 error.
ssize_t ConnectionStream::Fill() {
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
ssize_t ConnectionStream::ReadRaw(char* ptr, size_t size) {
  if (Buffered() == 0) {
    auto now = Clock::now();
    if (now >= body_deadline_) return -1;
    auto left = std::chrono::duration_cast<milliseconds>(body_deadline_ - now);
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
ssize_t ConnectionStream::ReadChunked(char* ptr, size_t size) {
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

bool ConnectionStream::ChunkFramingByte(char c) {
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
      chunk_state_ = remaining_ == 0 ? ChunkState::kTrailer : ChunkState::kData;
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
bool ConnectionStream::WriteHead(std::string_view head) {
  int status = std::atoi(std::string(head.substr(9, 3)).c_str());
  if (status >= 100 && status < 200) return SendAll(head);  // 100 Continue
  expect_head_ = false;
  // The status line, then each header line with its CRLF.
  const std::string_view lines = head.substr(0, head.size() - 2);
  size_t eol = lines.find("\r\n");
  if (eol == std::string_view::npos) return SendAll(head);
  const std::string_view status_line = lines.substr(0, eol + 2);
  const std::string_view fields = lines.substr(eol + 2);
  // Calls `f` with each header line (CRLF included); false if one has no
  // CRLF (then the head is sent as httplib wrote it).
  auto each_field = [fields](auto&& f) {
    for (std::string_view rest = fields; !rest.empty();) {
      size_t end = rest.find("\r\n");
      if (end == std::string_view::npos) return false;
      f(rest.substr(0, end + 2));
      rest.remove_prefix(end + 2);
    }
    return true;
  };
  bool close = false, chunked = false;
  if (!each_field([&](std::string_view f) {
        if (StartsWithIgnoreCase(f, "connection:") &&
            f.find("close") != std::string_view::npos)
          close = true;
        if (StartsWithIgnoreCase(f, "transfer-encoding:")) chunked = true;
      })) {
    return SendAll(head);
  }
  if (chunked && http10_) {
    dechunk_ = true;
    close = true;
  }
  if (!close) return SendAll(head);
  response_closes_ = true;
  std::string out(status_line);
  each_field([&](std::string_view f) {
    if (StartsWithIgnoreCase(f, "connection:") ||
        StartsWithIgnoreCase(f, "keep-alive:") ||
        (dechunk_ && StartsWithIgnoreCase(f, "transfer-encoding:")))
      return;
    out.append(f);
  });
  out.append("Connection: close\r\n\r\n");
  return SendAll(out);
}

// httplib's own chunked output, unwrapped to its data bytes.
bool ConnectionStream::Dechunk(std::string_view data) {
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

}  // namespace libexport::app
