// Shared by the fuzz targets: a check that aborts (so libFuzzer reports the
// input) and splitting an input into fields.
#ifndef LIBEXPORT_FUZZ_FUZZ_COMMON_H_
#define LIBEXPORT_FUZZ_FUZZ_COMMON_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

// Aborts with `what` when `cond` is false: an oracle failure is a crash.
#define FUZZ_CHECK(cond, what)                                           \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s: %s (%s:%d)\n", #cond, \
                   std::string(what).c_str(), __FILE__, __LINE__);       \
      std::abort();                                                      \
    }                                                                    \
  } while (0)

namespace libexport::fuzz {

inline std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace libexport::fuzz

#endif  // LIBEXPORT_FUZZ_FUZZ_COMMON_H_
