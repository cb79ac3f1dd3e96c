#include "libexport/time.h"

#include <catch2/catch.hpp>
#include <ctime>

namespace libexport {
namespace {

// Expected epoch seconds come from `date -u -d ... +%s`, not from the code.
constexpr int64_t kExampleSeconds = 1795978479;  // 2026-11-29T18:54:39Z
// The reference instant for two-digit years: 2026-11-29T12:00:00Z.
constexpr Timestamp kNow{1795953600, 0};

TEST_CASE("time: a UTC RFC 3339 time parses to its epoch second", "[time]") {
  auto t = ParseRfc3339("2026-11-29T18:54:39Z");
  REQUIRE(t.ok());
  CHECK(t->time.seconds == kExampleSeconds);
  CHECK(t->time.nanos == 0);
  CHECK(t->fraction_digits == 0);
}

TEST_CASE(
    "time: an offset time is normalized to UTC and keeps its fraction digits",
    "[time]") {
  auto t = ParseRfc3339("2026-11-29T20:54:39.50+02:00");
  REQUIRE(t.ok());
  CHECK(t->time.seconds == kExampleSeconds);
  CHECK(t->time.nanos == 500'000'000);
  CHECK(t->fraction_digits == 2);
  CHECK(FormatRfc3339(t->time, t->fraction_digits) ==
        "2026-11-29T18:54:39.50Z");
}

TEST_CASE("time: a negative offset crossing midnight moves the date forward",
          "[time]") {
  CHECK_FALSE(ParseRfc3339("2026-12-31T23:30:00-05:30Z").ok());
  auto u = ParseRfc3339("2026-12-31t23:30:00-05:30");
  REQUIRE(u.ok());
  CHECK(FormatRfc3339(u->time) == "2027-01-01T05:00:00Z");
}

TEST_CASE("time: lower-case t and z are accepted", "[time]") {
  auto t = ParseRfc3339("2026-11-29t18:54:39z");
  REQUIRE(t.ok());
  CHECK(t->time.seconds == kExampleSeconds);
}

TEST_CASE("time: fractions beyond nine digits are truncated to nanoseconds",
          "[time]") {
  auto t = ParseRfc3339("2026-11-29T18:54:39.123456789987Z");
  REQUIRE(t.ok());
  CHECK(t->time.nanos == 123456789);
  CHECK(t->fraction_digits == 9);
  CHECK(FormatRfc3339(t->time, 9) == "2026-11-29T18:54:39.123456789Z");
}

TEST_CASE("time: leap days are valid only in leap years", "[time]") {
  auto leap = ParseRfc3339("2024-02-29T00:00:00Z");
  REQUIRE(leap.ok());
  CHECK(leap->time.seconds == 1709164800);
  CHECK(ParseRfc3339("2000-02-29T00:00:00Z").ok());
  CHECK_FALSE(ParseRfc3339("2023-02-29T00:00:00Z").ok());
  CHECK_FALSE(ParseRfc3339("1900-02-29T00:00:00Z").ok());
}

TEST_CASE("time: out-of-range and malformed RFC 3339 times are rejected",
          "[time]") {
  const char* bad[] = {
      "",
      "2026-11-29",
      "2026-11-29 18:54:39Z",       // space separator
      "2026-11-29T18:54:39",        // no offset
      "2026-11-29T18:54:39.Z",      // empty fraction
      "2026-13-01T00:00:00Z",       // month 13
      "2026-00-01T00:00:00Z",       // month 0
      "2026-04-31T00:00:00Z",       // April 31
      "2026-11-00T00:00:00Z",       // day 0
      "2026-11-29T24:00:00Z",       // hour 24
      "2026-11-29T18:60:00Z",       // minute 60
      "2026-12-31T23:59:60Z",       // leap second: rejected by decision
      "2026-11-29T18:54:39+0200",   // offset without colon
      "2026-11-29T18:54:39+24:00",  // offset hour 24
      "2026-11-29T18:54:39Z ",      // trailing space
      "0000-01-01T00:00:00Z",       // year 0
      "0001-01-01T00:00:00+01:00",  // year 0 in UTC
      "+2026-11-29T18:54:39Z",
      "2026-1-29T18:54:39Z",
  };
  for (const char* s : bad) {
    INFO(s);
    auto t = ParseRfc3339(s);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("time: the extreme years round-trip", "[time]") {
  auto lo = ParseRfc3339("0001-01-01T00:00:00Z");
  auto hi = ParseRfc3339("9999-12-31T23:59:59Z");
  REQUIRE(lo.ok());
  REQUIRE(hi.ok());
  CHECK(lo->time.seconds == -62135596800);
  CHECK(hi->time.seconds == 253402300799);
  CHECK(FormatRfc3339(lo->time) == "0001-01-01T00:00:00Z");
  CHECK(FormatRfc3339(hi->time) == "9999-12-31T23:59:59Z");
}

TEST_CASE("time: a time before the epoch formats on the right day", "[time]") {
  CHECK(FormatRfc3339(Timestamp{-1, 0}) == "1969-12-31T23:59:59Z");
  CHECK(FormatRfc3339(Timestamp{-1, 250'000'000}, 3) ==
        "1969-12-31T23:59:59.250Z");
}

TEST_CASE(
    "time: the HTTP date of the signing example parses and formats back byte "
    "for byte",
    "[time]") {
  auto t = ParseHttpDate("Sun, 29 Nov 2026 18:54:39 GMT", kNow);
  REQUIRE(t.ok());
  CHECK(t->seconds == kExampleSeconds);
  CHECK(FormatHttpDate(*t) == "Sun, 29 Nov 2026 18:54:39 GMT");
  CHECK(FormatHttpDate(Timestamp{0, 0}) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(FormatHttpDate(Timestamp{946684800, 0}) ==
        "Sat, 01 Jan 2000 00:00:00 GMT");
}

TEST_CASE("time: an HTTP date with the wrong weekday is rejected", "[time]") {
  auto t = ParseHttpDate("Mon, 29 Nov 2026 18:54:39 GMT", kNow);
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("weekday") != std::string::npos);
}

TEST_CASE("time: RFC 850 and asctime HTTP dates are accepted",
          "[time][regression]") {
  // RFC 9110 5.6.7: a recipient must accept all three forms. These used to
  // be refused.
  struct {
    const char* text;
    int64_t seconds;
  } good[] = {
      {"Sunday, 29-Nov-26 18:54:39 GMT", kExampleSeconds},
      {"Sun Nov 29 18:54:39 2026", kExampleSeconds},
      {"Sun Nov  1 18:54:39 2026",
       1793559279},  // date -u -d 2026-11-01T18:54:39
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},  // RFC 9110's example
      {"Sun Nov  6 08:49:37 1994", 784111777},
      {"Wednesday, 01-Jan-76 00:00:00 GMT", 3345062400},  // 50 years ahead
      {"Saturday, 01-Jan-77 00:00:00 GMT", 220924800},    // 51: the past
  };
  for (const auto& g : good) {
    INFO(g.text);
    auto t = ParseHttpDate(g.text, kNow);
    REQUIRE(t.ok());
    CHECK(t->seconds == g.seconds);
  }
}

TEST_CASE("time: malformed HTTP dates are rejected", "[time]") {
  const char* bad[] = {
      "Sun, 29 Nov 2026 18:54:39 UTC",    "Sun, 29 nov 2026 18:54:39 GMT",
      "sun, 29 Nov 2026 18:54:39 GMT",    "Sun, 9 Nov 2026 18:54:39 GMT",
      "Sun, 29 Nov 2026 18:54:39 GMT ",
      "Mon, 31 Nov 2026 18:54:39 GMT",  // no 31 November
      "Sun, 29 Nov 2026 24:54:39 GMT",    "",
      "Sun, 29-Nov-26 18:54:39 GMT",  // RFC 850 wants the long weekday
      "Sunday, 29-Nov-2026 18:54:39 GMT", "Sunday, 29-Nov-26 18:54:39 UTC",
      "Monday, 29-Nov-26 18:54:39 GMT",  // wrong weekday
      "Sun Nov 29 18:54:39 26",           "Sun Nov 1 18:54:39 2026",
      "Sun Nov 29 18:54:39 2026 ",        "Sunday Nov 29 18:54:39 2026",
      "Mon Nov 29 18:54:39 2026",
  };
  for (const char* s : bad) {
    INFO(s);
    CHECK_FALSE(ParseHttpDate(s, kNow).ok());
  }
}

TEST_CASE("time: SystemNow is the system clock's time", "[time][regression]") {
  // Was "after the code was written": a constant that a broken clock also
  // passes. Now against time(2), read before and after.
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  Timestamp now = SystemNow();
  const int64_t after = static_cast<int64_t>(std::time(nullptr));
  CHECK(now.seconds >= before);
  CHECK(now.seconds <= after);
  CHECK(now.nanos >= 0);
  CHECK(now.nanos < 1'000'000'000);
}

TEST_CASE("timestamps order by seconds, then by nanoseconds", "[time]") {
  const Timestamp a{10, 999'999'999}, b{11, 0}, c{11, 1};
  CHECK(a < b);
  CHECK(b < c);
  CHECK(a <= a);
  CHECK_FALSE(b < a);
  CHECK(c > a);
  CHECK(c >= b);
  CHECK(b == Timestamp{11, 0});
  CHECK(b != c);
  CHECK(Timestamp{-1, 500'000'000} < Timestamp{0, 0});
}

}  // namespace
}  // namespace libexport
