#include "libexport/http/hmac_auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>

namespace libexport::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool IsClean(std::string_view v) {
  return v.find_first_of("%\r\n") == std::string_view::npos;
}

// One EVP_MAC fetch per process, one context per thread, keyed per call
// (keys differ per tracker). The one-shot HMAC() refetches every call.
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

EVP_MAC_CTX* ThreadMacCtx() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return nullptr;
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(
      EVP_MAC_CTX_new(mac));
  return ctx.get();
}

AuthResult Fail(AuthResult r, AuthCheck check, std::string message) {
  r.check = check;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string_view AuthCheckName(AuthCheck check) {
  switch (check) {
    case AuthCheck::kOk:
      return "ok";
    case AuthCheck::kMissingAuthorization:
      return "missing_authorization";
    case AuthCheck::kDuplicateHeader:
      return "duplicate_header";
    case AuthCheck::kInvalidHeaderValue:
      return "invalid_header_value";
    case AuthCheck::kMalformedAuthorization:
      return "malformed_authorization";
    case AuthCheck::kTrackerMismatch:
      return "tracker_mismatch";
    case AuthCheck::kMissingDate:
      return "missing_date";
    case AuthCheck::kMalformedDate:
      return "malformed_date";
    case AuthCheck::kDateTooOld:
      return "date_too_old";
    case AuthCheck::kDateInFuture:
      return "date_in_future";
    case AuthCheck::kSignatureMismatch:
      return "signature_mismatch";
  }
  return "unknown";
}

std::optional<Authorization> ParseAuthorization(std::string_view value) {
  value = Trim(value);
  size_t space = value.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  std::string_view client = value.substr(0, space);
  std::string_view credential = Trim(value.substr(space + 1));
  if (credential.find_first_of(" \t") != std::string_view::npos) {
    return std::nullopt;
  }
  // Base64 has no ':', so the last ':' separates tracker and signature.
  size_t colon = credential.rfind(':');
  if (colon == std::string_view::npos || colon == 0 ||
      colon + 1 == credential.size()) {
    return std::nullopt;
  }
  return Authorization{std::string(client),
                       std::string(credential.substr(0, colon)),
                       std::string(credential.substr(colon + 1))};
}

std::string StringToSign(std::string_view method, std::string_view content_type,
                         std::string_view date, std::string_view path) {
  std::string s;
  s.reserve(method.size() + content_type.size() + date.size() + path.size() +
            3);
  s.append(method).append("\n");
  s.append(content_type).append("\n");
  s.append(date).append("\n");
  s.append(path);
  return s;
}

std::string Base64Encode(std::string_view bytes) {
  // EVP_EncodeBlock writes 4*ceil(n/3) characters plus a NUL, no newlines.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string HmacSha256Base64(std::string_view key, std::string_view message) {
  EVP_MAC_CTX* ctx = ThreadMacCtx();
  if (ctx == nullptr) return {};
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // An empty key is legal HMAC; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const unsigned char* k =
      key.empty() ? &kEmpty
                  : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx, k, key.size(), params) != 1) return {};
  if (EVP_MAC_update(ctx,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return {};
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) != 1) return {};
  return Base64Encode(
      std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

AuthResult PrecheckAuth(const AuthInput& input, std::string_view path_tracker,
                        Timestamp now, int64_t max_skew_seconds) {
  AuthResult r;
  if (input.authorization.empty()) {
    return Fail(std::move(r), AuthCheck::kMissingAuthorization,
                "the Authorization header is missing; expected "
                "'Authorization: <client> <tracker_id>:<signature>'");
  }
  if (input.authorization.size() > 1) {
    return Fail(std::move(r), AuthCheck::kDuplicateHeader,
                "the Authorization header appears more than once");
  }
  if (!IsClean(input.authorization[0])) {
    return Fail(std::move(r), AuthCheck::kInvalidHeaderValue,
                "the Authorization header contains '%', CR or LF");
  }
  if (input.date.empty()) {
    return Fail(std::move(r), AuthCheck::kMissingDate,
                "the Date header is missing; expected an HTTP date such as "
                "'Sun, 29 Nov 2026 18:54:39 GMT'");
  }
  if (input.date.size() > 1) {
    return Fail(std::move(r), AuthCheck::kDuplicateHeader,
                "the Date header appears more than once");
  }
  if (!IsClean(input.date[0])) {
    return Fail(std::move(r), AuthCheck::kInvalidHeaderValue,
                "the Date header contains '%', CR or LF");
  }
  if (input.content_type.size() > 1) {
    return Fail(std::move(r), AuthCheck::kDuplicateHeader,
                "the Content-Type header appears more than once");
  }
  std::string_view content_type =
      input.content_type.empty() ? std::string_view() : input.content_type[0];
  if (!IsClean(content_type)) {
    return Fail(std::move(r), AuthCheck::kInvalidHeaderValue,
                "the Content-Type header contains '%', CR or LF");
  }
  std::string_view date_value = input.date[0];
  r.string_to_sign =
      StringToSign(input.method, content_type, date_value, input.path);

  std::optional<Authorization> auth =
      ParseAuthorization(input.authorization[0]);
  if (!auth) {
    return Fail(std::move(r), AuthCheck::kMalformedAuthorization,
                "the Authorization header is not "
                "'<client> <tracker_id>:<signature>'");
  }
  r.tracker_id = auth->tracker_id;
  if (auth->tracker_id != path_tracker) {
    return Fail(std::move(r), AuthCheck::kTrackerMismatch,
                "the tracker in the Authorization header differs from the "
                "tracker in the path");
  }
  Result<Timestamp> date = ParseHttpDate(date_value, now);
  if (!date.ok()) {
    return Fail(std::move(r), AuthCheck::kMalformedDate,
                "the Date header is not an HTTP date such as "
                "'Sun, 29 Nov 2026 18:54:39 GMT'");
  }
  r.date = *date;
  // Exactly +-max_skew: the date (whole seconds) against now with its
  // fraction, so a date 5.9 s old is outside a 5 s window.
  // Whole seconds are clamped before they become nanoseconds: a date
  // centuries away (year 0026) would overflow int64 nanoseconds, and any
  // clamped value is far outside every skew window.
  const int64_t kNs = 1'000'000'000;
  const int64_t kClampSeconds = int64_t{1} << 32;
  const int64_t delta_s =
      std::clamp(date->seconds - now.seconds, -kClampSeconds, kClampSeconds);
  const int64_t delta_ns = delta_s * kNs - now.nanos;
  const double exact_s =
      static_cast<double>(date->seconds - now.seconds) - now.nanos / 1e9;
  char off_buf[48];
  std::snprintf(off_buf, sizeof off_buf, "%.3f",
                exact_s < 0 ? -exact_s : exact_s);
  const std::string off(off_buf);
  if (delta_ns < -max_skew_seconds * kNs) {
    return Fail(std::move(r), AuthCheck::kDateTooOld,
                "the Date header is " + off +
                    " s behind the server clock; at most " +
                    std::to_string(max_skew_seconds) + " s are allowed");
  }
  if (delta_ns > max_skew_seconds * kNs) {
    return Fail(std::move(r), AuthCheck::kDateInFuture,
                "the Date header is " + off +
                    " s ahead of the server clock; at most " +
                    std::to_string(max_skew_seconds) + " s are allowed");
  }
  return r;
}

AuthResult VerifySignature(const AuthInput& input, AuthResult precheck,
                           std::string_view key) {
  return VerifySignature(input, std::move(precheck),
                         std::vector<std::string>{std::string(key)});
}

AuthResult VerifySignature(const AuthInput& input, AuthResult precheck,
                           const std::vector<std::string>& keys) {
  std::optional<Authorization> auth =
      ParseAuthorization(input.authorization[0]);
  bool matched = false;
  for (const std::string& key : keys) {
    std::string expected = HmacSha256Base64(key, precheck.string_to_sign);
    if (auth && !expected.empty() &&
        ConstantTimeEquals(auth->signature, expected)) {
      matched = true;
    }
  }
  if (!matched) {
    return Fail(std::move(precheck), AuthCheck::kSignatureMismatch,
                "the signature does not match: sign string_to_sign below "
                "with HMAC-SHA256 and the tracker's private key, then Base64 "
                "(standard alphabet, padded)");
  }
  precheck.check = AuthCheck::kOk;
  return precheck;
}

}  // namespace libexport::http
