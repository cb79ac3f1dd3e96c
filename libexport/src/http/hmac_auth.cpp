#include "libexport/http/hmac_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

// HMAC-SHA256 (RFC 2104) from two SHA-256 states per key: the inner and
// outer hashes after their padded key block. A thread keeps them for the
// last kCachedKeys keys it used (a tracker's key and the one it rotates
// to), so a request hashes only its string to sign: three SHA-256 blocks,
// where EVP_MAC_init set the key up again on every call (this function in
// the gate's http_304 profile: 18,028 -> 8,330 instructions,
// docs/benchmarks.md "Small requests").
constexpr size_t kBlock = 64;  // SHA-256's block
constexpr size_t kCachedKeys = 4;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const EVP_MD* Sha256() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

class KeyedStates {
 public:
  struct Entry {
    std::string key;
    MdCtx inner, outer;  // inner null: not a usable entry
  };

  ~KeyedStates() {
    for (Entry& e : entries_) OPENSSL_cleanse(e.key.data(), e.key.size());
  }

  // The states for `key`, derived on a miss; nullptr if OpenSSL fails.
  const Entry* Find(std::string_view key) {
    for (const Entry& e : entries_) {
      if (e.inner != nullptr && e.key == key) return &e;
    }
    Entry& e = entries_[next_];
    next_ = (next_ + 1) % kCachedKeys;
    OPENSSL_cleanse(e.key.data(), e.key.size());
    e.key.assign(key);
    if (!Derive(key, &e)) {
      e.inner.reset();
      return nullptr;
    }
    return &e;
  }

  EVP_MD_CTX* work() const { return work_.get(); }

 private:
  // A key longer than a block is hashed first (RFC 2104 section 2).
  static bool Derive(std::string_view key, Entry* e) {
    const EVP_MD* md = Sha256();
    if (md == nullptr) return false;
    unsigned char k[kBlock] = {};
    if (key.size() > kBlock) {
      unsigned int n = 0;
      if (EVP_Digest(key.data(), key.size(), k, &n, md, nullptr) != 1)
        return false;
    } else if (!key.empty()) {
      std::memcpy(k, key.data(), key.size());
    }
    unsigned char ipad[kBlock], opad[kBlock];
    for (size_t i = 0; i < kBlock; ++i) {
      ipad[i] = k[i] ^ 0x36;
      opad[i] = k[i] ^ 0x5c;
    }
    e->inner.reset(EVP_MD_CTX_new());
    e->outer.reset(EVP_MD_CTX_new());
    bool ok = e->inner != nullptr && e->outer != nullptr &&
              EVP_DigestInit_ex(e->inner.get(), md, nullptr) == 1 &&
              EVP_DigestUpdate(e->inner.get(), ipad, kBlock) == 1 &&
              EVP_DigestInit_ex(e->outer.get(), md, nullptr) == 1 &&
              EVP_DigestUpdate(e->outer.get(), opad, kBlock) == 1;
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(ipad, sizeof ipad);
    OPENSSL_cleanse(opad, sizeof opad);
    return ok;
  }

  Entry entries_[kCachedKeys];
  size_t next_ = 0;
  MdCtx work_{EVP_MD_CTX_new()};
};

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
  thread_local KeyedStates states;
  EVP_MD_CTX* w = states.work();
  const KeyedStates::Entry* e = w == nullptr ? nullptr : states.Find(key);
  if (e == nullptr) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (EVP_MD_CTX_copy_ex(w, e->inner.get()) != 1 ||
      EVP_DigestUpdate(w, message.data(), message.size()) != 1 ||
      EVP_DigestFinal_ex(w, digest, &digest_len) != 1 ||
      EVP_MD_CTX_copy_ex(w, e->outer.get()) != 1 ||
      EVP_DigestUpdate(w, digest, digest_len) != 1 ||
      EVP_DigestFinal_ex(w, mac, &mac_len) != 1) {
    return {};
  }
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
  const bool too_old = delta_ns < -max_skew_seconds * kNs;
  if (too_old || delta_ns > max_skew_seconds * kNs) {
    const double exact_s =
        static_cast<double>(date->seconds - now.seconds) - now.nanos / 1e9;
    char off[48];
    std::snprintf(off, sizeof off, "%.3f", exact_s < 0 ? -exact_s : exact_s);
    return Fail(std::move(r),
                too_old ? AuthCheck::kDateTooOld : AuthCheck::kDateInFuture,
                "the Date header is " + std::string(off) +
                    (too_old ? " s behind" : " s ahead of") +
                    " the server clock; at most " +
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
