// The request-head checks of exportd's connection layer (app/request_head.h),
// as pure functions: what passes, in which normalized form, and what is
// refused with which status.
#include "request_head.h"

#include <catch2/catch.hpp>

namespace libexport::testing {
namespace {

using app::BodyFraming;
using app::ParseRequestHead;
using app::RequestHead;
using app::RequestHeadLimits;

RequestHead Parse(const std::string& head, RequestHeadLimits limits = {}) {
  return ParseRequestHead(head, limits);
}

std::string FirstLine(const RequestHead& h) {
  return h.normalized.substr(0, h.normalized.find("\r\n"));
}

}  // namespace

TEST_CASE("a request head in origin form passes unchanged", "[request_head]") {
  std::string head =
      "POST /v1/x?model=a HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n";
  RequestHead h = Parse(head);
  REQUIRE(h.ok());
  CHECK(h.normalized == head);
  CHECK(h.framing == BodyFraming::kLength);
  CHECK(h.content_length == 12);
  CHECK_FALSE(h.client_close);
  CHECK_FALSE(h.http10);
}

TEST_CASE("the absolute form becomes the origin form", "[request_head]") {
  CHECK(FirstLine(
            Parse("GET http://h:8080/a/b?c=d HTTP/1.1\r\nHost: h\r\n\r\n")) ==
        "GET /a/b?c=d HTTP/1.1");
  CHECK(FirstLine(Parse("GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n")) ==
        "GET / HTTP/1.1");
  CHECK(FirstLine(Parse("GET http://h?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")) ==
        "GET /?x=1 HTTP/1.1");
  CHECK(Parse("GET h:80 HTTP/1.1\r\nHost: h\r\n\r\n").status == 400);
  CHECK(Parse("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n").status == 400);
}

TEST_CASE("a ? after the first is sent as %3F", "[request_head]") {
  CHECK(FirstLine(Parse("GET /p?a=b?c&d=?? HTTP/1.1\r\nHost: h\r\n\r\n")) ==
        "GET /p?a=b%3Fc&d=%3F%3F HTTP/1.1");
}

TEST_CASE("framing headers are checked", "[request_head]") {
  auto with = [](const std::string& fields) {
    return Parse("POST / HTTP/1.1\r\nHost: h\r\n" + fields + "\r\n");
  };
  CHECK(with("Transfer-Encoding: chunked\r\n").framing ==
        BodyFraming::kChunked);
  CHECK(with("Transfer-Encoding: Chunked\r\n").framing ==
        BodyFraming::kChunked);
  CHECK(with("").framing == BodyFraming::kNone);
  CHECK(with("Content-Length: 1\r\nContent-Length: 1\r\n").status == 400);
  CHECK(with("Content-Length: 1\r\nTransfer-Encoding: chunked\r\n").status ==
        400);
  CHECK(with("Transfer-Encoding: gzip, chunked\r\n").status == 501);
  CHECK(with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")
            .status == 501);
  CHECK(with("Content-Length: 1234567890123456789\r\n").status == 400);
  CHECK(with("Host: again\r\n").status == 400);
  CHECK(with("X-A: a\x01z\r\n").status == 400);
  CHECK(with("Connection: keep-alive, Close\r\n").client_close);
}

TEST_CASE("HTTP/1.0 needs no Host and is never kept alive", "[request_head]") {
  RequestHead h = Parse("GET / HTTP/1.0\r\n\r\n");
  REQUIRE(h.ok());
  CHECK(h.http10);
  CHECK(h.client_close);
  CHECK(Parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").status ==
        400);
}

TEST_CASE("versions, methods and targets are checked", "[request_head]") {
  CHECK(Parse("GET / HTTP/2.0\r\nHost: h\r\n\r\n").status == 505);
  CHECK(Parse("GET / HTTP/1.1x\r\nHost: h\r\n\r\n").status == 400);
  CHECK(Parse("GET  / HTTP/1.1\r\nHost: h\r\n\r\n").status == 400);
  CHECK(Parse("G(T / HTTP/1.1\r\nHost: h\r\n\r\n").status == 400);
  CHECK(Parse("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n").status == 400);
  CHECK(Parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").ok());
}

TEST_CASE("limits give 414 and 431", "[request_head]") {
  RequestHeadLimits limits;
  limits.max_request_line = 64;
  limits.max_header_count = 3;
  CHECK(Parse("GET /" + std::string(64, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n",
              limits)
            .status == 414);
  CHECK(
      Parse("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits)
          .status == 431);
  limits.max_head_bytes = 40;
  CHECK(Parse("GET / HTTP/1.1\r\nHost: h\r\nA: " + std::string(30, 'a') +
                  "\r\n\r\n",
              limits)
            .status == 431);
}

TEST_CASE("the end of a head is found once, and a bare LF is refused",
          "[request_head]") {
  using app::FindHeadEnd;
  CHECK(FindHeadEnd("GET / HTTP/1.1\r\nHost: h\r\n\r\nrest") == 27);
  CHECK(FindHeadEnd("GET / HTTP/1.1\r\nHost: h\r\n") == app::kIncomplete);
  CHECK(FindHeadEnd("GET / HTTP/1.1\nHost: h\r\n\r\n") == app::kBareLineFeed);
  std::string data = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  CHECK(FindHeadEnd(data, 20) == 27);
}

}  // namespace libexport::testing
