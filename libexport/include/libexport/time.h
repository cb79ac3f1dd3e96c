// Timestamps: RFC 3339 for data, HTTP dates for request signing.
// Nothing in the engine reads the clock; callers pass `now` in.
//
// Thread safety: pure functions.
#ifndef LIBEXPORT_TIME_H_
#define LIBEXPORT_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "libexport/status.h"

namespace libexport {

// An instant: seconds since the Unix epoch (UTC) and nanoseconds within it.
struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;  // 0..999'999'999
};

// Ordered by time. Spelled out (not `<=>`) so that this header, like every
// public header, compiles as C++17.
constexpr bool operator==(const Timestamp& a, const Timestamp& b) {
  return a.seconds == b.seconds && a.nanos == b.nanos;
}
constexpr bool operator!=(const Timestamp& a, const Timestamp& b) {
  return !(a == b);
}
constexpr bool operator<(const Timestamp& a, const Timestamp& b) {
  return a.seconds < b.seconds || (a.seconds == b.seconds && a.nanos < b.nanos);
}
constexpr bool operator>(const Timestamp& a, const Timestamp& b) {
  return b < a;
}
constexpr bool operator<=(const Timestamp& a, const Timestamp& b) {
  return !(b < a);
}
constexpr bool operator>=(const Timestamp& a, const Timestamp& b) {
  return !(a < b);
}

// The current system time. For callers (the CLI, the server), not the engine.
Timestamp SystemNow();

// A parsed RFC 3339 time. `fraction_digits` is how many digits of fraction
// the input had (0..9), so the canonical form keeps them.
struct Rfc3339 {
  Timestamp time;
  int fraction_digits = 0;
};

// Parses `2026-11-29T18:54:39Z`, `...T20:54:39.5+02:00`, lower-case t/z too.
// Years 0001..9999. Fractions longer than 9 digits are truncated.
// Returns InvalidArgument (without a field; the caller names it).
Result<Rfc3339> ParseRfc3339(std::string_view text);

// UTC, `YYYY-MM-DDTHH:MM:SSZ`, with `fraction_digits` digits of fraction
// when non-zero: the canonical output form (docs/format.md).
std::string FormatRfc3339(Timestamp t, int fraction_digits = 0);
// The same, appended to `out`.
void AppendRfc3339(std::string* out, Timestamp t, int fraction_digits = 0);

// Parses an HTTP date (RFC 9110 5.6.7) in any of its three forms:
// IMF-fixdate `Sun, 29 Nov 2026 18:54:39 GMT`, the obsolete RFC 850
// `Sunday, 29-Nov-26 18:54:39 GMT` and asctime `Sun Nov 29 18:54:39 2026`
// (a one-digit day padded with a space). The weekday must match the date.
// `now` places an RFC 850 two-digit year: one that would be more than 50
// years after `now` is the most recent past year ending in those digits.
// Returns InvalidArgument.
Result<Timestamp> ParseHttpDate(std::string_view text, Timestamp now);

// Formats an IMF-fixdate HTTP date.
std::string FormatHttpDate(Timestamp t);

}  // namespace libexport

#endif  // LIBEXPORT_TIME_H_
