// The Authorization and Date checks of the HTTP API (app/hmac_auth.h) on
// arbitrary header values. Input: lines "A <authorization>", "D <date>",
// "C <content-type>", "P <path>", "T <path tracker>", "M <method>"; a
// header line may repeat.
// Oracle: a request passes PrecheckAuth only with one clean Authorization
// and Date for the path's tracker, dated within the skew; VerifySignature
// passes only the signature HMAC-SHA256 gives, and always passes it; no
// result ever carries the key or the expected signature; an HTTP date that
// parses formats back to the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.h"
#include "libexport/http/hmac_auth.h"
#include "libexport/time.h"

using namespace libexport;
using namespace libexport::http;

namespace {

bool Clean(std::string_view v) {
  return v.find_first_of("%\r\n") == std::string_view::npos;
}

// The key and the expected signature never appear in a result, unless the
// client sent them itself (libFuzzer learns compared strings and puts them
// into inputs, and the string to sign echoes the path and Date).
void CheckNoSecret(const AuthResult& r, std::string_view input,
                   std::string_view key, std::string_view expected) {
  for (const std::string* s : {&r.message, &r.string_to_sign}) {
    if (input.find(key) == std::string_view::npos)
      FUZZ_CHECK(s->find(key) == std::string::npos, "key leaked");
    if (!expected.empty() && input.find(expected) == std::string_view::npos)
      FUZZ_CHECK(s->find(expected) == std::string::npos,
                 "expected signature leaked");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  AuthInput in;
  in.method = "POST";
  in.path = "/v1/recommender/pin/t1/scopes/export";
  std::string_view path_tracker = "t1";
  for (std::string_view line : fuzz::Split(input, '\n')) {
    if (line.size() < 2 || line[1] != ' ') continue;
    std::string_view v = line.substr(2);
    switch (line[0]) {
      case 'A':
        in.authorization.push_back(v);
        break;
      case 'D':
        in.date.push_back(v);
        break;
      case 'C':
        in.content_type.push_back(v);
        break;
      case 'P':
        in.path = v;
        break;
      case 'T':
        path_tracker = v;
        break;
      case 'M':
        in.method = v;
        break;
      default:
        break;
    }
  }
  const Timestamp now{1795953600, 0};  // Sun, 29 Nov 2026 12:00:00 GMT
  const int64_t skew = 300;
  // A long key that never appears by chance in fuzzed text.
  const std::string key = "fuzz-key-7f3a9c1e5b2d4680fuzz-key";

  for (std::string_view a : in.authorization) {
    if (auto parsed = ParseAuthorization(a)) {
      FUZZ_CHECK(!parsed->client.empty() && !parsed->tracker_id.empty() &&
                     !parsed->signature.empty(),
                 "empty part accepted");
    }
  }
  for (std::string_view d : in.date) {
    // Any accepted form (IMF-fixdate, RFC 850, asctime) names an instant
    // that the IMF-fixdate we write names again.
    auto t = ParseHttpDate(d, now);
    if (t.ok()) {
      auto again = ParseHttpDate(FormatHttpDate(t.value()), now);
      FUZZ_CHECK(again.ok() && again.value() == t.value(), "date round trip");
    }
  }

  AuthResult pre = PrecheckAuth(in, path_tracker, now, skew);
  if (!pre.ok()) {
    CheckNoSecret(pre, input, key, "");
    return 0;
  }
  FUZZ_CHECK(in.authorization.size() == 1 && in.date.size() == 1 &&
                 in.content_type.size() <= 1,
             "a repeated header passed");
  FUZZ_CHECK(Clean(in.authorization[0]) && Clean(in.date[0]) &&
                 (in.content_type.empty() || Clean(in.content_type[0])),
             "%, CR or LF passed");
  FUZZ_CHECK(pre.tracker_id == path_tracker, "tracker mismatch passed");
  FUZZ_CHECK(pre.date && pre.date->seconds >= now.seconds - skew &&
                 pre.date->seconds <= now.seconds + skew,
             "date outside the skew passed");
  const std::string_view ct =
      in.content_type.empty() ? std::string_view() : in.content_type[0];
  FUZZ_CHECK(
      pre.string_to_sign == StringToSign(in.method, ct, in.date[0], in.path),
      "string to sign");
  const std::string expected = HmacSha256Base64(key, pre.string_to_sign);
  AuthResult v = VerifySignature(in, pre, key);
  CheckNoSecret(v, input, key, expected);
  auto parsed = ParseAuthorization(in.authorization[0]);
  FUZZ_CHECK(parsed.has_value(), "precheck passed a malformed header");
  FUZZ_CHECK(v.ok() == (parsed->signature == expected), "verify verdict");

  // The same request with the right signature always passes.
  const std::string good =
      parsed->client + " " + parsed->tracker_id + ":" + expected;
  AuthInput fixed = in;
  fixed.authorization = {good};
  AuthResult pre2 = PrecheckAuth(fixed, path_tracker, now, skew);
  FUZZ_CHECK(pre2.ok(), "re-signed request failed precheck: " + pre2.message);
  FUZZ_CHECK(VerifySignature(fixed, pre2, key).ok(), "re-signed request");
  return 0;
}
