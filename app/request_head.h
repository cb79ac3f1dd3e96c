// The request head (request line and header fields, RFC 9112 sections 2-6)
// as exportd's connection layer checks it before cpp-httplib parses it.
//
// httplib 0.11.4 reads a request line or header line whole before it looks
// at its length, skips a header line that ends in a bare LF, takes the
// first of two Content-Length headers, reads `0x10` as 0 and answers a
// literal `?` in the query with an empty 400. The connection layer
// (hardened_server.h) therefore reads the head itself, under a byte cap,
// and hands httplib only a head that passed ParseRequestHead, in the
// normalized form it returns.
//
// Pure functions; thread-safe.
#ifndef LIBEXPORT_APP_REQUEST_HEAD_H_
#define LIBEXPORT_APP_REQUEST_HEAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace libexport::app {

struct RequestHeadLimits {
  // The request line, CRLF excluded. Past it: 414. Default: 8 KiB (as
  // httplib's CPPHTTPLIB_REQUEST_URI_MAX_LENGTH and nginx's default
  // large_client_header_buffers).
  size_t max_request_line = 8 * 1024;
  // The whole head, blank line included. Past it: 431. Default: 32 KiB
  // (nginx's default: 4 buffers of 8 KiB).
  size_t max_head_bytes = 32 * 1024;
  // Header fields. Past it: 431. Default: 100 (newer httplib's default).
  size_t max_header_count = 100;
};

enum class BodyFraming {
  kNone,     // no Content-Length, no Transfer-Encoding: no body (6.3 rule 7)
  kLength,   // Content-Length: `content_length` bytes
  kChunked,  // Transfer-Encoding: chunked
};

struct RequestHead {
  // 0 when the head is acceptable; else the status to answer before
  // closing the connection (400, 414, 431, 501, 505) with `code` and a
  // `message` naming the field at fault.
  int status = 0;
  std::string code;
  std::string message;

  // When acceptable: the head to hand to httplib. The request line is in
  // origin form (an absolute-form target `http://host/p?q` becomes `/p?q`)
  // and every `?` after the first is sent as `%3F` (which the query
  // decoder turns back into `?`); header lines are unchanged.
  std::string normalized;
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;
  bool http10 = false;
  // The client asked to close after this request (`Connection: close`, or
  // HTTP/1.0, which exportd never keeps alive).
  bool client_close = false;

  bool ok() const { return status == 0; }
};

// Where the head that starts at data[0] ends: the offset just past its
// blank line, kIncomplete when more bytes are needed, or kBareLineFeed
// when a line ends in LF without CR (rejected: RFC 9112 2.2 lets a server
// accept it, but httplib would then drop that header line). `from`: bytes
// already scanned by an earlier call (minus 3), so a head that arrives a
// byte at a time is scanned once.
inline constexpr size_t kIncomplete = static_cast<size_t>(-1);
inline constexpr size_t kBareLineFeed = static_cast<size_t>(-2);
size_t FindHeadEnd(std::string_view data, size_t from = 0);

// Checks `head` (request line through the blank line, as FindHeadEnd
// delimits it) against RFC 9112 framing rules and `limits`.
RequestHead ParseRequestHead(std::string_view head,
                             const RequestHeadLimits& limits);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_REQUEST_HEAD_H_
