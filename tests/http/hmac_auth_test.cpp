// HMAC auth as pure functions: RFC 4231 vectors, the header grammar and every
// check of PrecheckAuth / VerifySignature, without a server.
#include "libexport/http/hmac_auth.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using libexport::Timestamp;
using namespace libexport::http;

namespace {

// Sun, 29 Nov 2026 12:00:00 GMT
constexpr Timestamp kNow{1795953600, 0};
constexpr const char* kDate = "Sun, 29 Nov 2026 12:00:00 GMT";
constexpr const char* kPath = "/v1/recommender/pin/shop/scopes/export";
constexpr const char* kType = "application/json; charset=utf-8";
// printf 'POST\n<type>\n<date>\n<path>' | openssl dgst -sha256 -hmac shop-key
// -binary | base64
constexpr const char* kSignature =
    "8Qig8DitPira65lnz9aN7OTR6ZdeLX7YdP2d8KBoKXM=";

AuthInput Input(const std::string& authorization,
                const std::string& date = kDate) {
  static std::string a, d;
  a = authorization;
  d = date;
  AuthInput in;
  in.method = "POST";
  in.path = kPath;
  in.authorization = {a};
  in.date = {d};
  in.content_type = {kType};
  return in;
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test cases 1 and 2", "[hmac]") {
  // Case 2: key "Jefe"; hex 5bdcc146...64ec3843, Base64 below.
  CHECK(HmacSha256Base64("Jefe", "what do ya want for nothing?") ==
        "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
  // Case 1: key 20 x 0x0b; hex b0344c61...2e32cff7.
  CHECK(HmacSha256Base64(std::string(20, '\x0b'), "Hi There") ==
        "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=");
}

TEST_CASE("HMAC-SHA256 hashes a key longer than a block first (RFC 4231 6, 7)",
          "[hmac]") {
  const std::string key(131, '\xaa');
  // Case 6: hex 60e43159...0ee37f54.
  CHECK(HmacSha256Base64(
            key, "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "YOQxWR7gtn8Niiaqy/W3f44LxiE3KMUUBUYEDw7jf1Q=");
  // Case 7: hex 9b09ffa7...5c3a35e2.
  CHECK(HmacSha256Base64(
            key,
            "This is a test using a larger than block-size key and a larger "
            "than block-size data. The key needs to be hashed before being "
            "used by the HMAC algorithm.") ==
        "mwn/pxuUL8snY1+81bDpRL/cY2RPBxOTin9RU1w6NeI=");
}

TEST_CASE(
    "HMAC-SHA256 of one thread signing with many keys in turn is each "
    "key's own",
    "[hmac]") {
  // python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(
  //   hmac.new(KEY, MSG, hashlib.sha256).digest()).decode())'
  struct Vector {
    std::string key, message, mac;
  };
  const std::vector<Vector> vectors = {
      {"Jefe", "what do ya want for nothing?",
       "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="},
      {std::string(20, '\x0b'), "Hi There",
       "sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c="},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),  // RFC 4231 3
       "dz6pHjaADkaFTbjr0JGBpylZCYs++MEi2WNVFM7VZf4="},
      {"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d"
       "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19",
       std::string(50, '\xcd'),  // RFC 4231 4
       "glWKOJpEPA6kzIGYmfIIOoXw+qPlePgHei4/9GcpZls="},
      {std::string(64, 'k'), "block-size key",
       "NjntRflkEK4av4IarxWk5hYglGT34G+3lDXTXkhb08I="},
      {"", "x", "TLyWCZpkZ84AJGHxBUm0iYJl6+YYi0XvrMRCk1FuYsQ="},
  };
  for (int round = 0; round < 3; ++round) {
    for (const Vector& v : vectors) {
      INFO("round " << round << ", key of " << v.key.size() << " bytes");
      CHECK(HmacSha256Base64(v.key, v.message) == v.mac);
    }
  }
  // One key, then its neighbour in the list, then the first again.
  CHECK(HmacSha256Base64("Jefe", "what do ya want for nothing?") ==
        vectors[0].mac);
  CHECK(HmacSha256Base64("Jefe2", "what do ya want for nothing?") !=
        vectors[0].mac);
  CHECK(HmacSha256Base64("Jefe", "what do ya want for nothing?") ==
        vectors[0].mac);
}

TEST_CASE("Base64 pads like openssl base64", "[hmac]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("a") == "YQ==");
  CHECK(Base64Encode("ab") == "YWI=");
  CHECK(Base64Encode("abc") == "YWJj");
}

TEST_CASE("string to sign joins four parts with LF and no trailing newline",
          "[hmac]") {
  CHECK(StringToSign("POST", kType, kDate, kPath) ==
        "POST\napplication/json; charset=utf-8\nSun, 29 Nov 2026 12:00:00 "
        "GMT\n/v1/recommender/pin/shop/scopes/export");
  CHECK(StringToSign("POST", "", kDate, "/p") ==
        "POST\n\nSun, 29 Nov 2026 12:00:00 GMT\n/p");
}

TEST_CASE("Authorization parses any client word and splits at the last colon",
          "[hmac]") {
  auto a = ParseAuthorization("ApiAuth shop:abc+/=");
  REQUIRE(a);
  CHECK(a->client == "ApiAuth");
  CHECK(a->tracker_id == "shop");
  CHECK(a->signature == "abc+/=");
  CHECK(ParseAuthorization("  guzzle t-1:x  ")->tracker_id == "t-1");
  CHECK_FALSE(ParseAuthorization("shop:abc"));       // no client word
  CHECK_FALSE(ParseAuthorization("ApiAuth shop"));   // no colon
  CHECK_FALSE(ParseAuthorization("ApiAuth :abc"));   // no tracker
  CHECK_FALSE(ParseAuthorization("ApiAuth shop:"));  // no signature
  CHECK_FALSE(ParseAuthorization("ApiAuth a b:c"));  // three words
  CHECK_FALSE(ParseAuthorization(""));
}

TEST_CASE("ConstantTimeEquals compares length then bytes", "[hmac]") {
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
  CHECK(ConstantTimeEquals("", ""));
}

TEST_CASE("a correctly signed request passes both steps", "[hmac]") {
  AuthInput in = Input(std::string("ApiAuth shop:") + kSignature);
  AuthResult pre = PrecheckAuth(in, "shop", kNow, 5);
  REQUIRE(pre.ok());
  CHECK(pre.string_to_sign == StringToSign("POST", kType, kDate, kPath));
  CHECK(VerifySignature(in, pre, "shop-key").ok());
  AuthResult bad = VerifySignature(in, pre, "other-key");
  CHECK(bad.check == AuthCheck::kSignatureMismatch);
  CHECK(bad.message.find(kSignature) == std::string::npos);
}

TEST_CASE("each precheck names the check that failed", "[hmac]") {
  std::string good = std::string("ApiAuth shop:") + kSignature;
  SECTION("missing Authorization") {
    AuthInput in = Input(good);
    in.authorization.clear();
    CHECK(PrecheckAuth(in, "shop", kNow, 5).check ==
          AuthCheck::kMissingAuthorization);
  }
  SECTION("duplicate Authorization") {
    AuthInput in = Input(good);
    in.authorization.push_back(in.authorization[0]);
    CHECK(PrecheckAuth(in, "shop", kNow, 5).check ==
          AuthCheck::kDuplicateHeader);
  }
  SECTION("percent or CR/LF in a signed header") {
    CHECK(PrecheckAuth(Input("ApiAuth shop:a%2Bb"), "shop", kNow, 5).check ==
          AuthCheck::kInvalidHeaderValue);
    CHECK(PrecheckAuth(Input(good, "Sun, 29 Nov 2026\r\n12:00:00 GMT"), "shop",
                       kNow, 5)
              .check == AuthCheck::kInvalidHeaderValue);
  }
  SECTION("malformed Authorization") {
    CHECK(PrecheckAuth(Input("shop:sig"), "shop", kNow, 5).check ==
          AuthCheck::kMalformedAuthorization);
  }
  SECTION("tracker mismatch") {
    AuthResult r = PrecheckAuth(Input("ApiAuth other:sig"), "shop", kNow, 5);
    CHECK(r.check == AuthCheck::kTrackerMismatch);
    CHECK(r.tracker_id == "other");
  }
  SECTION("missing and malformed Date") {
    AuthInput in = Input(good);
    in.date.clear();
    CHECK(PrecheckAuth(in, "shop", kNow, 5).check == AuthCheck::kMissingDate);
    CHECK(PrecheckAuth(Input(good, "2026-11-29T12:00:00Z"), "shop", kNow, 5)
              .check == AuthCheck::kMalformedDate);
  }
  SECTION("skew window is inclusive, both ways") {
    CHECK(PrecheckAuth(Input(good, "Sun, 29 Nov 2026 11:59:55 GMT"), "shop",
                       kNow, 5)
              .ok());
    CHECK(PrecheckAuth(Input(good, "Sun, 29 Nov 2026 12:00:05 GMT"), "shop",
                       kNow, 5)
              .ok());
    CHECK(PrecheckAuth(Input(good, "Sun, 29 Nov 2026 11:59:54 GMT"), "shop",
                       kNow, 5)
              .check == AuthCheck::kDateTooOld);
    CHECK(PrecheckAuth(Input(good, "Sun, 29 Nov 2026 12:00:06 GMT"), "shop",
                       kNow, 5)
              .check == AuthCheck::kDateInFuture);
    CHECK(PrecheckAuth(Input(good, "Sun, 29 Nov 2026 11:00:00 GMT"), "shop",
                       kNow, 3600)
              .ok());
  }
  SECTION("a missing Content-Type signs as the empty string") {
    AuthInput in = Input(good);
    in.content_type.clear();
    AuthResult r = PrecheckAuth(in, "shop", kNow, 5);
    REQUIRE(r.ok());
    CHECK(r.string_to_sign == StringToSign("POST", "", kDate, kPath));
  }
}

TEST_CASE("RFC 850 and asctime Dates are accepted, signed as sent",
          "[hmac][regression]") {
  // printf 'POST\n<type>\n<date>\n<path>' | openssl dgst -sha256 -hmac
  // shop-key -binary | base64, with each date's bytes as sent.
  struct {
    const char* date;
    const char* signature;
  } forms[] = {
      {"Sunday, 29-Nov-26 12:00:00 GMT",
       "7Pa06KKhHvJ7YwrmcFOpYzHeshkE6iX0AFnDW7xb/6c="},
      {"Sun Nov 29 12:00:00 2026",
       "fIEy3uitK3qeoGiAxiteiVTYLNXbSWOkgjjSKAsv3a4="},
  };
  for (const auto& f : forms) {
    INFO(f.date);
    AuthInput in = Input(std::string("ApiAuth shop:") + f.signature, f.date);
    AuthResult pre = PrecheckAuth(in, "shop", kNow, 5);
    REQUIRE(pre.ok());
    CHECK(pre.string_to_sign == StringToSign("POST", kType, f.date, kPath));
    CHECK(VerifySignature(in, pre, "shop-key").ok());
    // The IMF-fixdate signature does not cover the other form's bytes.
    AuthInput other = Input(std::string("ApiAuth shop:") + kSignature, f.date);
    AuthResult pre2 = PrecheckAuth(other, "shop", kNow, 5);
    REQUIRE(pre2.ok());
    CHECK(VerifySignature(other, pre2, "shop-key").check ==
          AuthCheck::kSignatureMismatch);
  }
}

// Found by fuzz_auth: the skew check multiplied whole seconds into
// nanoseconds, which overflows int64 for a date centuries away.
TEST_CASE("a Date centuries away is refused as too old or in the future",
          "[hmac][regression]") {
  const std::string good = "ApiAuth shop:sig";
  AuthResult old = PrecheckAuth(Input(good, "Sun, 29 Nov 0026 12:00:00 GMT"),
                                "shop", kNow, 5);
  CHECK(old.check == AuthCheck::kDateTooOld);
  CHECK_THAT(old.message, Catch::Contains("63113904000.000 s behind"));
  AuthResult future = PrecheckAuth(Input(good, "Mon, 29 Nov 9999 12:00:00 GMT"),
                                   "shop", kNow, 5);
  CHECK(future.check == AuthCheck::kDateInFuture);
}
