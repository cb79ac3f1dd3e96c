// Strict RFC 3339 and IMF-fixdate parsing and formatting, by hand: no
// timegm, strptime or locale, so results do not depend on the process's TZ
// or locale, and every accepted input round-trips.
//
// Decisions beyond the RFCs (docs/format.md states them):
// - A leap second (":60") is rejected: the Unix time scale cannot represent
//   it and the data (merchandising windows) never needs it.
// - Years are limited to 0001..9999, before and after applying the offset,
//   so the canonical form always has a four-digit year.
// - "-00:00" (RFC 3339 "unknown local offset") is accepted as UTC.
#include "libexport/time.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace libexport {

namespace {

constexpr int64_t kSecondsPerDay = 86400;
// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

constexpr std::string_view kWeekdays[7] = {"Sun", "Mon", "Tue", "Wed",
                                           "Thu", "Fri", "Sat"};
constexpr std::string_view kMonths[12] = {"Jan", "Feb", "Mar", "Apr",
                                          "May", "Jun", "Jul", "Aug",
                                          "Sep", "Oct", "Nov", "Dec"};

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic
// Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month;
  unsigned day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

// 0 = Sunday.
unsigned WeekdayFromDays(int64_t z) {
  return static_cast<unsigned>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30,
                                         31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Reads exactly `n` ASCII digits at `pos`; false when any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Validates a civil date and time of day and returns seconds since the epoch.
bool CivilToSeconds(int year, int month, int day, int hour, int minute,
                    int second, int64_t* out) {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  if (static_cast<unsigned>(day) > DaysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  *out = DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 +
         minute * 60 + second;
  return true;
}

Status BadTime(std::string_view why) {
  return Status::InvalidArgument(
      std::string("must be an RFC 3339 time like 2026-11-29T18:54:39Z (") +
      std::string(why) + ")");
}

}  // namespace

Timestamp SystemNow() {
  const auto since = std::chrono::system_clock::now().time_since_epoch();
  const int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(since).count();
  return {
      FloorDiv(ns, 1'000'000'000),
      static_cast<int32_t>(ns - FloorDiv(ns, 1'000'000'000) * 1'000'000'000)};
}

Result<Rfc3339> ParseRfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS = 19 bytes, then [.F+] then Z or +HH:MM.
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' ||
      !Digits(s, 5, 2, &month) || s[7] != '-' || !Digits(s, 8, 2, &day) ||
      (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, &hour) ||
      s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second)) {
    return BadTime("malformed date or time");
  }
  int64_t local;
  if (!CivilToSeconds(year, month, day, hour, minute, second, &local)) {
    return BadTime("date or time out of range");
  }
  size_t pos = 19;
  int32_t nanos = 0;
  int digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      // Digits past the ninth are below a nanosecond: dropped.
      if (n < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return BadTime("no digits after '.'");
    digits = n < 9 ? static_cast<int>(n) : 9;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  if (pos >= s.size()) return BadTime("missing Z or offset");
  int64_t offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() ||
        s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om) || oh > 23 ||
        om > 59) {
      return BadTime("malformed offset, expected +HH:MM");
    }
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return BadTime("expected Z or an offset after the time");
  }
  if (pos != s.size()) return BadTime("trailing characters");
  const int64_t utc = local - offset;
  if (utc < kMinSeconds || utc > kMaxSeconds) {
    return BadTime("outside years 0001..9999 in UTC");
  }
  return Rfc3339{{utc, nanos}, digits};
}

void AppendRfc3339(std::string* out, Timestamp t, int fraction_digits) {
  const int64_t days = FloorDiv(t.seconds, kSecondsPerDay);
  const int64_t sod = t.seconds - days * kSecondsPerDay;
  const Civil c = CivilFromDays(days);
  if (fraction_digits > 9) fraction_digits = 9;
  if (c.year < 0 || c.year > 9999) {  // outside RFC 3339; printf's widths
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
                          static_cast<long long>(c.year), c.month, c.day,
                          static_cast<int>(sod / 3600),
                          static_cast<int>(sod / 60 % 60),
                          static_cast<int>(sod % 60));
    out->append(buf, n > 0 ? static_cast<size_t>(n) : 0);
  } else {
    auto two = [](char* p, unsigned v) {
      p[0] = static_cast<char>('0' + v / 10);
      p[1] = static_cast<char>('0' + v % 10);
    };
    char buf[19];
    const unsigned y = static_cast<unsigned>(c.year);
    two(buf, y / 100);
    two(buf + 2, y % 100);
    buf[4] = '-';
    two(buf + 5, c.month);
    buf[7] = '-';
    two(buf + 8, c.day);
    buf[10] = 'T';
    two(buf + 11, static_cast<unsigned>(sod / 3600));
    buf[13] = ':';
    two(buf + 14, static_cast<unsigned>(sod / 60 % 60));
    buf[16] = ':';
    two(buf + 17, static_cast<unsigned>(sod % 60));
    out->append(buf, sizeof buf);
  }
  if (fraction_digits > 0 && (t.nanos < 0 || t.nanos > 999'999'999)) {
    char frac[16];  // not a valid Timestamp; printf's form
    std::snprintf(frac, sizeof frac, "%09d", static_cast<int>(t.nanos));
    out->push_back('.');
    out->append(frac, static_cast<size_t>(fraction_digits));
  } else if (fraction_digits > 0) {
    char frac[10];
    frac[0] = '.';
    unsigned nanos = static_cast<unsigned>(t.nanos);
    for (int i = 9; i >= 1; --i) {
      frac[i] = static_cast<char>('0' + nanos % 10);
      nanos /= 10;
    }
    out->append(frac, static_cast<size_t>(fraction_digits) + 1);
  }
  out->push_back('Z');
}

std::string FormatRfc3339(Timestamp t, int fraction_digits) {
  std::string out;
  AppendRfc3339(&out, t, fraction_digits);
  return out;
}

Result<Timestamp> ParseHttpDate(std::string_view s, Timestamp now) {
  auto bad = [](std::string_view why) {
    return Status::InvalidArgument(
        "must be an HTTP date like Sun, 29 Nov 2026 18:54:39 GMT (" +
        std::string(why) + ")");
  };
  auto find = [](std::string_view name, const std::string_view* names,
                 int count) {
    for (int i = 0; i < count; ++i) {
      if (name == names[i]) return i;
    }
    return -1;
  };
  static constexpr std::string_view kLongWeekdays[7] = {
      "Sunday",   "Monday", "Tuesday", "Wednesday",
      "Thursday", "Friday", "Saturday"};
  // "HH:MM:SS" at `at`.
  auto clock = [&](size_t at, int* h, int* m, int* sec) {
    return s.size() >= at + 8 && s[at + 2] == ':' && s[at + 5] == ':' &&
           Digits(s, at, 2, h) && Digits(s, at + 3, 2, m) &&
           Digits(s, at + 6, 2, sec);
  };
  int weekday = -1, month = -1, day = 0, year = 0, hour = 0, minute = 0,
      second = 0;
  const size_t comma = s.find(',');
  if (comma == 3) {
    // IMF-fixdate: "Sun, 29 Nov 2026 18:54:39 GMT", 29 bytes.
    if (s.size() != 29 || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s.substr(25) != " GMT" || !Digits(s, 5, 2, &day) ||
        !Digits(s, 12, 4, &year) || !clock(17, &hour, &minute, &second)) {
      return bad("malformed");
    }
    weekday = find(s.substr(0, 3), kWeekdays, 7);
    month = find(s.substr(8, 3), kMonths, 12);
  } else if (comma != std::string_view::npos) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 9110 5.6.7, obsolete
    // but to be accepted).
    const std::string_view rest = s.substr(comma);
    int yy = 0;
    if (rest.size() != 24 || rest[1] != ' ' || rest[4] != '-' ||
        rest[8] != '-' || rest[11] != ' ' || rest.substr(20) != " GMT" ||
        !Digits(rest, 2, 2, &day) || !Digits(rest, 9, 2, &yy) ||
        !clock(comma + 12, &hour, &minute, &second)) {
      return bad("malformed");
    }
    weekday = find(s.substr(0, comma), kLongWeekdays, 7);
    month = find(rest.substr(5, 3), kMonths, 12);
    // A two-digit year more than 50 years ahead of `now` is the most recent
    // past year with those digits (RFC 9110 5.6.7).
    const int64_t now_year =
        CivilFromDays(FloorDiv(now.seconds, kSecondsPerDay)).year;
    int64_t full = now_year - now_year % 100 + yy;
    if (full > now_year + 50) full -= 100;
    if (full < now_year - 49) full += 100;
    year = static_cast<int>(full);
  } else {
    // asctime: "Sun Nov  6 08:49:37 1994" (the day padded with a space).
    if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' ||
        s[19] != ' ' || !clock(11, &hour, &minute, &second) ||
        !Digits(s, 20, 4, &year)) {
      return bad("malformed");
    }
    if (s[8] == ' ') {
      if (!Digits(s, 9, 1, &day)) return bad("malformed");
    } else if (!Digits(s, 8, 2, &day)) {
      return bad("malformed");
    }
    weekday = find(s.substr(0, 3), kWeekdays, 7);
    month = find(s.substr(4, 3), kMonths, 12);
  }
  if (weekday < 0 || month < 0) return bad("malformed");
  int64_t secs;
  if (!CivilToSeconds(year, month + 1, day, hour, minute, second, &secs)) {
    return bad("date or time out of range");
  }
  if (WeekdayFromDays(FloorDiv(secs, kSecondsPerDay)) !=
      static_cast<unsigned>(weekday)) {
    return bad("the weekday does not match the date");
  }
  return Timestamp{secs, 0};
}

std::string FormatHttpDate(Timestamp t) {
  const int64_t days = FloorDiv(t.seconds, kSecondsPerDay);
  const int64_t sod = t.seconds - days * kSecondsPerDay;
  const Civil c = CivilFromDays(days);
  char buf[64];
  int n = std::snprintf(
      buf, sizeof buf, "%.3s, %02u %.3s %04lld %02d:%02d:%02d GMT",
      kWeekdays[WeekdayFromDays(days)].data(), c.day,
      kMonths[c.month - 1].data(), static_cast<long long>(c.year),
      static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
      static_cast<int>(sod % 60));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

}  // namespace libexport
