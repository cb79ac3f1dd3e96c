// The one way `exportctl request` and each of its verbs talk to a server: a
// request of any method signed as docs/http_api.md says, sent with its body;
// the answer's body on stdout for a 2xx, on stderr otherwise. With
// --print-curl, instead, the shell that does the same request (date, printf,
// openssl dgst -hmac, curl), the key read from where exportctl got it.
#ifndef LIBEXPORT_APP_REQUEST_SENDER_H_
#define LIBEXPORT_APP_REQUEST_SENDER_H_

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

#include "exportctl_commands.h"
#include "http_client.h"

namespace libexport::app {

// The flags every request has: where to send it and how to sign it.
struct RequestFlags {
  std::string tracker;
  ClientFlags client;
  KeyFlags key_flags;
  bool print_curl = false;
  bool show_key = false;
};

// --url (required unless `url_required` is false: the caller checks),
// --key/--key-file (EXPORTCTL_KEY), --print-curl, --show-key and the TLS
// flags.
void AddRequestFlags(CLI::App& command, RequestFlags* flags,
                     bool url_required = true);

// What one request sends.
struct RequestSpec {
  std::string method = "POST";
  // The path after "/v1/recommender/pin/{TRACKER}/": "scopes/export",
  // "scope/<id>", ... (sent as is: the caller keeps it free of bytes that
  // need encoding).
  std::string route;
  // Query parameters in order, percent-encoded when sent (never signed).
  std::vector<std::pair<std::string, std::string>> query;
  // Sent and signed; empty: no Content-Type is sent and "" is signed.
  std::string content_type = kRequestContentType;
  // The body: none when empty, stdin for "-" (read whole), else this file,
  // streamed from disk as it is sent. The shell sends it with curl
  // --data-binary @FILE (@- for stdin).
  std::string body_file;
  // Refuse an empty body (Failure) before anything is sent: a restore of
  // an empty file would delete every customization of the tracker.
  bool body_required = false;
  // More headers, sent as given and not signed (Accept, Accept-Encoding).
  std::vector<std::pair<std::string, std::string>> headers;
  // Ask for zstd or gzip (Accept-Encoding: zstd, gzip unless `headers` has
  // one) and write the body decoded; the shell uses curl --compressed.
  bool compressed = false;
  // End a 2xx body that does not end in a newline with one (a JSON object
  // answer, so that what is written is a text file).
  bool end_with_newline = false;
};

// "?name=value&..." (values percent-encoded), "" without parameters.
std::string QueryString(
    const std::vector<std::pair<std::string, std::string>>& query);

// Sends `spec` for flags.tracker, signed with the key of `flags`, or prints
// its shell with --print-curl. Returns kExitOk for a 2xx (the body on
// s.out), kExitFailure for another status (the body, the server's JSON
// error, and "exportctl request: HTTP N" on s.err) or a body that does not
// decode, kExitUnreachable when no answer came. Throws UsageError (no key, a
// bad URL) and Failure (an unreadable body file).
int RunSignedRequest(Session& s, RequestFlags flags, const RequestSpec& spec);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_REQUEST_SENDER_H_
