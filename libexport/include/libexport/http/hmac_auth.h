// HMAC request authentication (docs/http_api.md) as pure functions:
// no I/O, no clock, no store. The HTTP routes are glue around them.
//
//   Authorization: <client> <tracker_id>:<signature>
//   string to sign: METHOD "\n" Content-Type "\n" Date "\n" path
//   signature:      Base64(HMAC-SHA256(key, string to sign)), padded
//
// Thread safety: every function may be called from any thread at once (the
// HMAC context is per thread).
#ifndef LIBEXPORT_HTTP_HMAC_AUTH_H_
#define LIBEXPORT_HTTP_HMAC_AUTH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/time.h"

namespace libexport::http {

// Which check decided the outcome. The names (AuthCheckName) appear in 401
// bodies as diagnostics.check and are part of the HTTP API.
enum class AuthCheck {
  kOk,
  kMissingAuthorization,    // no Authorization header
  kDuplicateHeader,         // Authorization, Date or Content-Type repeated
  kInvalidHeaderValue,      // '%', CR or LF in a signed header
  kMalformedAuthorization,  // not "<client> <tracker>:<signature>"
  kTrackerMismatch,         // header tracker != path tracker
  kMissingDate,             // no Date header
  kMalformedDate,           // Date not an IMF-fixdate
  kDateTooOld,              // Date more than the skew before now
  kDateInFuture,            // Date more than the skew after now
  kSignatureMismatch,       // HMAC differs
};

// "missing_authorization", "signature_mismatch", ...
std::string_view AuthCheckName(AuthCheck check);

struct Authorization {
  std::string client;      // free word, ignored
  std::string tracker_id;  // before the last ':'
  std::string signature;   // after the last ':', Base64 as sent
};

// Parses "<client> <tracker_id>:<signature>": exactly one space-separated
// client word (non-empty), a non-empty tracker and a non-empty signature.
// Surrounding blanks are trimmed. nullopt when malformed.
std::optional<Authorization> ParseAuthorization(std::string_view value);

// METHOD "\n" content_type "\n" date "\n" path, no trailing newline.
std::string StringToSign(std::string_view method, std::string_view content_type,
                         std::string_view date, std::string_view path);

// Base64 (standard alphabet, padded) of HMAC-SHA256(key, message). Empty
// only if OpenSSL fails (never in practice).
std::string HmacSha256Base64(std::string_view key, std::string_view message);

// Standard padded Base64 of `bytes`.
std::string Base64Encode(std::string_view bytes);

// Lengths first, then CRYPTO_memcmp: constant time for a given length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// What the request carries, as raw header values (every occurrence, in
// order) and the request path as sent, without the query string.
struct AuthInput {
  std::string_view method;
  std::string_view path;
  std::vector<std::string_view> authorization;
  std::vector<std::string_view> date;
  std::vector<std::string_view> content_type;  // empty: signs as ""
};

// The outcome. Never holds the key or the expected signature.
struct AuthResult {
  AuthCheck check = AuthCheck::kOk;
  std::string message;         // for people
  std::string string_to_sign;  // what the server signs (empty if no Date)
  std::string tracker_id;      // from the header, when it parsed
  std::optional<Timestamp> date;
  bool ok() const { return check == AuthCheck::kOk; }
};

// Every check that needs no key, in this order: Authorization present,
// single and clean; Date present, single and clean; Content-Type single and
// clean; Authorization well formed; its tracker equals `path_tracker`; Date
// parses; Date within `max_skew_seconds` of `now`, both ways.
AuthResult PrecheckAuth(const AuthInput& input, std::string_view path_tracker,
                        Timestamp now, int64_t max_skew_seconds);

// Recomputes the signature with `key` and compares. `precheck` must be an ok
// result of PrecheckAuth for the same input; the returned result is it with
// check set to kOk or kSignatureMismatch.
AuthResult VerifySignature(const AuthInput& input, AuthResult precheck,
                           std::string_view key);
// The same, ok when any of `keys` (the current key and, during a key
// rotation's grace period, the previous one: Store::SigningKeys) matches.
// Every key is compared, so the time taken does not say which one matched.
AuthResult VerifySignature(const AuthInput& input, AuthResult precheck,
                           const std::vector<std::string>& keys);

}  // namespace libexport::http

#endif  // LIBEXPORT_HTTP_HMAC_AUTH_H_
