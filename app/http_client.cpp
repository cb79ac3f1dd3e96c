#include "http_client.h"

#include "cli.h"
#include "libexport/http/signed_client.h"
#include "libexport/time.h"

namespace libexport::app {
namespace {

// Only http and https: anything else would make httplib throw.
void CheckUrl(const std::string& url, const std::string& flag) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return;  // host:port, plain HTTP
  const std::string scheme = url.substr(0, sep);
  if (scheme != "http" && scheme != "https") {
    throw UsageError{flag + ": unsupported URL scheme " + scheme +
                     " (use http or https)"};
  }
}

}  // namespace

void AddTlsFlags(CLI::App& command, ClientFlags* flags,
                 const std::string& whose) {
  command.add_flag("--insecure", flags->insecure,
                   "do not verify " + whose + " TLS certificate");
  command.add_option("--ca-cert", flags->ca_cert,
                     "verify " + whose + " certificate with this CA file");
}

std::unique_ptr<httplib::Client> MakeClient(ClientFlags* flags,
                                            const std::string& flag,
                                            int read_timeout_s) {
  std::string& url = flags->url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  CheckUrl(url, flag);
  std::unique_ptr<httplib::Client> client;
  try {
    client = std::make_unique<httplib::Client>(url);
  } catch (const std::exception&) {
    throw UsageError{flag + ": cannot use " + url};
  }
  if (!client->is_valid()) throw UsageError{flag + ": cannot use " + url};
  client->set_connection_timeout(10);
  client->set_read_timeout(read_timeout_s);
  client->set_tcp_nodelay(true);
  if (flags->insecure) client->enable_server_certificate_verification(false);
  if (!flags->ca_cert.empty()) client->set_ca_cert_path(flags->ca_cert);
  return client;
}

httplib::Request SignedRequest(std::string_view method,
                               std::string_view tracker, std::string_view key,
                               const std::string& path,
                               const std::string& query,
                               std::string_view content_type) {
  const http::SignedHeaders h = http::SignRequest(
      tracker, key, method, path, content_type, FormatHttpDate(SystemNow()));
  httplib::Request req;
  req.method = std::string(method);
  req.path = path + query;
  if (!content_type.empty()) req.set_header("Content-Type", h.content_type);
  req.set_header("Date", h.date);
  req.set_header("Authorization", h.authorization);
  return req;
}

httplib::Request SignedPost(std::string_view tracker, std::string_view key,
                            const std::string& path, const std::string& query) {
  return SignedRequest("POST", tracker, key, path, query, kRequestContentType);
}

std::string Describe(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
      return "could not connect (is exportd running there?)";
    case httplib::Error::ConnectionTimeout:
      return "the connection timed out";
    case httplib::Error::Read:
      return "the connection closed before the whole response arrived";
    case httplib::Error::Write:
      return "could not send the request";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the CA certificates (--ca-cert)";
    case httplib::Error::SSLServerVerification:
      return "the server's certificate did not verify (--ca-cert FILE, or "
             "--insecure)";
    default:
      return httplib::to_string(e);
  }
}

}  // namespace libexport::app
