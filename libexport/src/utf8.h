// Well-formed UTF-8, in one place: the JSON reader (raw_json.cpp) rejects
// anything else, error messages (http/error_json.cpp) replace it.
#ifndef LIBEXPORT_SRC_UTF8_H_
#define LIBEXPORT_SRC_UTF8_H_

#include <cstddef>
#include <string_view>

namespace libexport::internal {

// The length of the well-formed UTF-8 sequence at s[i] (1 for ASCII), or 0
// when there is none (Unicode 15, table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF, no truncated sequence).
inline size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (c < 0x80) {
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const unsigned char b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return len;
}

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_UTF8_H_
