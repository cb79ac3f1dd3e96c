// The client side shared by `exportctl request` and `exportctl sync`: an
// httplib client for a base URL (http or https, the TLS flags), signed POST
// requests, and httplib's errors in words.
#ifndef LIBEXPORT_APP_HTTP_CLIENT_H_
#define LIBEXPORT_APP_HTTP_CLIENT_H_

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace libexport::app {

inline constexpr const char* kRequestContentType =
    "application/json; charset=utf-8";

// How to reach a server.
struct ClientFlags {
  std::string url;  // http://host:port, https://..., or host:port
  bool insecure = false;
  std::string ca_cert;
};

// --insecure and --ca-cert of `command`, about `whose` ("the server's")
// certificate.
void AddTlsFlags(CLI::App& command, ClientFlags* flags,
                 const std::string& whose);

// A client for flags.url (trailing slashes dropped): connection timeout
// 10 s, read timeout `read_timeout_s`. `flag` names the option in errors.
// Throws UsageError for an unusable URL (a scheme other than http or https).
std::unique_ptr<httplib::Client> MakeClient(ClientFlags* flags,
                                            const std::string& flag,
                                            int read_timeout_s);

// A `method` request of `path` + `query` signed with `key` for `tracker` at
// the current time (the query is not signed). `content_type` is sent and
// signed; an empty one is not sent and signs as "" (a GET or DELETE).
httplib::Request SignedRequest(std::string_view method,
                               std::string_view tracker, std::string_view key,
                               const std::string& path,
                               const std::string& query,
                               std::string_view content_type);

// SignedRequest for a POST with kRequestContentType (the export, changes).
httplib::Request SignedPost(std::string_view tracker, std::string_view key,
                            const std::string& path, const std::string& query);

// What went wrong, for people ("could not connect (is exportd running
// there?)").
std::string Describe(httplib::Error e);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_HTTP_CLIENT_H_
