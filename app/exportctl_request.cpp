// exportctl request: a signed export request over HTTP(S), or with
// --print-curl the public docs' shell example (date, printf, openssl, curl)
// filled in.
#include <httplib.h>

#include <cstdlib>
#include <iostream>

#include "cli.h"
#include "exportctl_commands.h"
#include "libexport/compression.h"
#include "libexport/http/signed_client.h"
#include "libexport/time.h"

namespace libexport::app {
namespace {

constexpr const char* kContentType = "application/json; charset=utf-8";

struct RequestFlags {
  std::string tracker;
  std::string url;
  KeyFlags key_flags;
  std::string key;  // resolved from key_flags
  ExportFlags filters;
  bool print_curl = false;
  bool show_key = false;
  bool insecure = false;
  std::string ca_cert;
  std::string accept;           // sent as Accept when given
  std::string accept_encoding;  // sent as Accept-Encoding when given
  bool compressed = false;      // ask for zstd or gzip, write decoded bytes

  // The Accept-Encoding to send, or "" for none.
  std::string AcceptEncoding() const {
    if (!accept_encoding.empty()) return accept_encoding;
    return compressed ? kCompressedCodings : "";
  }
  static constexpr const char* kCompressedCodings = "zstd, gzip";
};

// A shell single-quoted word.
std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

std::string QueryString(const RequestFlags& r) {
  std::string q;
  for (const auto& [name, v] : r.filters.Params()) {
    q += q.empty() ? "?" : "&";
    q += name + "=" + http::PercentEncode(v);
  }
  return q;
}

// The key's line of the script: the key itself only when asked, else
// where it came from (the key file, or the environment).
std::string PrivateKeyLine(const RequestFlags& r) {
  if (r.show_key) return "private_key=" + ShellQuote(r.key);
  std::string file = r.key_flags.key_file;
  if (file.empty() && r.key_flags.key.empty()) {
    const char* env_file = std::getenv((r.key_flags.env + "_FILE").c_str());
    if (std::getenv(r.key_flags.env.c_str()) == nullptr && env_file) {
      file = env_file;
    }
  }
  if (!file.empty()) return "private_key=$(head -n1 " + ShellQuote(file) + ")";
  return "private_key=\"${" + r.key_flags.env + ":?set " + r.key_flags.env +
         " to the private key of tracker " + r.tracker + "}\"";
}

void PrintCurl(const RequestFlags& r, std::ostream& out) {
  out << "tracker_id=" << ShellQuote(r.tracker) << "\n"
      << PrivateKeyLine(r) << "\n"
      << "host=" << ShellQuote(r.url) << "\n"
      << "base_path=\"/v1/recommender/pin/${tracker_id}/scopes/export\"\n"
      << "full_path=\"${base_path}" << QueryString(r) << "\"\n"
      << "method=\"POST\"\n"
      << "content_type=\"" << kContentType << "\"\n"
      << "date=$(LC_ALL=C date -u \"+%a, %d %b %Y %H:%M:%S GMT\")\n"
      << "string_to_sign=$(printf \"${method}\\n${content_type}\\n${date}\\n"
         "${base_path}\")\n"
      << "signature=$(echo -n \"$string_to_sign\" | openssl dgst -sha256 "
         "-hmac \"$private_key\" -binary | base64)\n"
      << "curl " << (r.insecure ? "-k " : "")
      << (r.compressed ? "--compressed " : "")
      << "-X POST \"${host}${full_path}\" \\\n";
  if (!r.accept.empty()) {
    out << "  -H " << ShellQuote("Accept: " + r.accept) << " \\\n";
  }
  // curl --compressed sends the codings it can decode by itself.
  if (!r.accept_encoding.empty()) {
    out << "  -H " << ShellQuote("Accept-Encoding: " + r.accept_encoding)
        << " \\\n";
  }
  out << "  -H \"Content-Type: ${content_type}\" \\\n"
      << "  -H \"Date: ${date}\" \\\n"
      << "  -H \"Authorization: ApiAuth ${tracker_id}:${signature}\"\n";
}

// What went wrong, for people (httplib's names are terse).
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

// The coding a response's Content-Encoding names; nullopt for one we cannot
// decode (or several codings stacked).
std::optional<ContentCoding> CodingOfResponse(const httplib::Response& res) {
  const std::string name = res.get_header_value("Content-Encoding");
  if (name.empty() || name == "identity") return ContentCoding::kIdentity;
  if (name == "gzip" || name == "x-gzip") return ContentCoding::kGzip;
  if (name == "zstd") return ContentCoding::kZstd;
  return std::nullopt;
}

// Only http and https: anything else would make httplib throw.
void CheckUrl(const std::string& url) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return;  // host:port, plain HTTP
  const std::string scheme = url.substr(0, sep);
  if (scheme != "http" && scheme != "https") {
    throw UsageError{"--url: unsupported URL scheme " + scheme +
                     " (use http or https)"};
  }
}

int RunRequest(Session& s, RequestFlags r) {
  while (!r.url.empty() && r.url.back() == '/') r.url.pop_back();
  CheckUrl(r.url);
  std::optional<std::string> key = r.key_flags.Get(s);
  if (!key) {
    throw UsageError{"no key: give --key-file FILE, or set " + r.key_flags.env +
                     " (or " + r.key_flags.env + "_FILE)"};
  }
  r.key = std::move(*key);
  if (r.print_curl) {
    PrintCurl(r, s.out);
    return kExitOk;
  }
  const std::string path = http::ExportPath(r.tracker);
  const http::SignedHeaders h =
      http::SignRequest(r.tracker, r.key, "POST", path, kContentType,
                        FormatHttpDate(SystemNow()));

  std::unique_ptr<httplib::Client> client;
  try {
    client = std::make_unique<httplib::Client>(r.url);
  } catch (const std::exception&) {
    throw UsageError{"--url: cannot use " + r.url};
  }
  if (!client->is_valid()) throw UsageError{"--url: cannot use " + r.url};
  client->set_connection_timeout(10);
  client->set_read_timeout(300);
  client->set_tcp_nodelay(true);
  if (r.insecure) client->enable_server_certificate_verification(false);
  if (!r.ca_cert.empty()) client->set_ca_cert_path(r.ca_cert);

  // The body as sent: httplib would decode gzip on its own (and leave zstd
  // alone); --compressed decodes both here instead.
  client->set_decompress(false);

  httplib::Request req;
  req.method = "POST";
  req.path = path + QueryString(r);
  req.set_header("Content-Type", h.content_type);
  req.set_header("Date", h.date);
  req.set_header("Authorization", h.authorization);
  if (!r.accept.empty()) req.set_header("Accept", r.accept);
  if (!r.AcceptEncoding().empty()) {
    req.set_header("Accept-Encoding", r.AcceptEncoding());
  }
  int status = 0;
  std::unique_ptr<StreamDecoder> decoder;
  std::string coding_error;
  req.response_handler = [&](const httplib::Response& res) {
    status = res.status;
    if (!r.compressed) return true;
    std::optional<ContentCoding> coding = CodingOfResponse(res);
    if (!coding) {
      coding_error = "cannot decode Content-Encoding: " +
                     res.get_header_value("Content-Encoding");
      return false;
    }
    if (*coding == ContentCoding::kIdentity) return true;
    auto made = StreamDecoder::Make(*coding);
    if (!made.ok()) {
      coding_error = made.status().message();
      return false;
    }
    decoder = std::move(made).value();
    return true;
  };
  auto body_stream = [&]() -> std::ostream& {
    return status >= 200 && status < 300 ? s.out : s.err;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    std::ostream& to = body_stream();
    auto write = [&to](std::string_view piece) {
      to.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      return static_cast<bool>(to);
    };
    if (!decoder) return write(std::string_view(data, n));
    Status st = decoder->Write(std::string_view(data, n), write);
    if (!st.ok() && st.code() != Status::Code::kAborted) {
      coding_error = st.message();
    }
    return st.ok();
  };
  httplib::Response res;
  httplib::Error e = httplib::Error::Success;
  const bool sent = client->send(req, res, e);
  if (sent && decoder) {
    Status st = decoder->Finish();
    if (!st.ok()) coding_error = st.message();
  }
  if (!coding_error.empty()) {
    s.CheckOutput();
    s.err << "\nexportctl request: --compressed: " << coding_error << "\n";
    return kExitFailure;
  }
  if (!sent) {
    s.CheckOutput();  // a full stdout cancels the transfer
    s.err << "exportctl request: " << r.url << ": " << Describe(e) << "\n";
    return kExitUnreachable;
  }
  s.CheckOutput();
  if (status >= 200 && status < 300) return kExitOk;
  s.err << "\nexportctl request: HTTP " << status << "\n";
  return kExitFailure;
}

}  // namespace

void AddRequestCommand(CLI::App& app, Session& s, Action* action) {
  auto r = std::make_shared<RequestFlags>();
  CLI::App* request = app.add_subcommand(
      "request",
      "send a signed export request to exportd and print the body (or, with "
      "--print-curl, the shell that does it)");
  request->add_option("TRACKER", r->tracker, "the tracker id")->required();
  request->add_option("--url", r->url, "exportd's base URL (http or https)")
      ->required();
  AddKeyFlags(*request, &r->key_flags, "EXPORTCTL_KEY",
              "the tracker's private key");
  AddExportFlags(*request, &r->filters);
  request->add_flag("--print-curl", r->print_curl,
                    "print the equivalent shell (date, printf, openssl, curl) "
                    "instead of sending; it reads the key from where it came "
                    "from (the key file or $EXPORTCTL_KEY)");
  request->add_flag("--show-key", r->show_key,
                    "with --print-curl: write the key itself into the script");
  request->add_flag("--insecure", r->insecure,
                    "do not verify the server's TLS certificate");
  request->add_option("--ca-cert", r->ca_cert,
                      "verify the server's certificate with this CA file");
  request->add_option("--accept", r->accept,
                      "send this Accept header, e.g. application/x-ndjson "
                      "(one customization a line)");
  request->add_option("--accept-encoding", r->accept_encoding,
                      "send this Accept-Encoding header, e.g. zstd or gzip; "
                      "the body is written as it arrives, coded (> "
                      "backup.json.zst), unless --compressed");
  request->add_flag("--compressed", r->compressed,
                    "ask for a compressed body (Accept-Encoding: zstd, gzip, "
                    "unless --accept-encoding) and write it decoded");
  request->footer(
      "\nExit codes: 0 a 2xx answer (body on stdout), 1 another status (body "
      "on stderr),\n2 usage error, 3 the request could not be sent or "
      "answered.");
  request->callback(
      [&s, action, r] { *action = [&s, r] { return RunRequest(s, *r); }; });
}

}  // namespace libexport::app
