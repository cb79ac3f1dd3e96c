// exportctl request: a signed export request over HTTP(S), or with
// --print-curl the public docs' shell example (date, printf, openssl, curl)
// filled in.
#include <httplib.h>

#include <cstdlib>
#include <iostream>

#include "cli.h"
#include "exportctl_commands.h"
#include "http_client.h"
#include "libexport/compression.h"
#include "libexport/http/signed_client.h"
#include "libexport/time.h"

namespace libexport::app {
namespace {

struct RequestFlags {
  std::string tracker;
  ClientFlags client;
  KeyFlags key_flags;
  std::string key;  // resolved from key_flags
  ExportFlags filters;
  bool print_curl = false;
  bool show_key = false;
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
      << "host=" << ShellQuote(r.client.url) << "\n"
      << "base_path=\"/v1/recommender/pin/${tracker_id}/scopes/export\"\n"
      << "full_path=\"${base_path}" << QueryString(r) << "\"\n"
      << "method=\"POST\"\n"
      << "content_type=\"" << kRequestContentType << "\"\n"
      << "date=$(LC_ALL=C date -u \"+%a, %d %b %Y %H:%M:%S GMT\")\n"
      << "string_to_sign=$(printf \"${method}\\n${content_type}\\n${date}\\n"
         "${base_path}\")\n"
      << "signature=$(echo -n \"$string_to_sign\" | openssl dgst -sha256 "
         "-hmac \"$private_key\" -binary | base64)\n"
      << "curl " << (r.client.insecure ? "-k " : "")
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

// The coding a response's Content-Encoding names; nullopt for one we cannot
// decode (or several codings stacked).
std::optional<ContentCoding> CodingOfResponse(const httplib::Response& res) {
  const std::string name = res.get_header_value("Content-Encoding");
  if (name.empty() || name == "identity") return ContentCoding::kIdentity;
  if (name == "gzip" || name == "x-gzip") return ContentCoding::kGzip;
  if (name == "zstd") return ContentCoding::kZstd;
  return std::nullopt;
}

int RunRequest(Session& s, RequestFlags r) {
  std::unique_ptr<httplib::Client> client =
      MakeClient(&r.client, "--url", /*read_timeout_s=*/300);
  r.key = r.key_flags.Require(s);
  if (r.print_curl) {
    PrintCurl(r, s.out);
    return kExitOk;
  }
  // The body as sent: httplib would decode gzip on its own (and leave zstd
  // alone); --compressed decodes both here instead.
  client->set_decompress(false);
  httplib::Request req =
      SignedPost(r.tracker, r.key, http::ExportPath(r.tracker), QueryString(r));
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
    s.err << "exportctl request: " << r.client.url << ": " << Describe(e)
          << "\n";
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
  request
      ->add_option("--url", r->client.url, "exportd's base URL (http or https)")
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
  AddTlsFlags(*request, &r->client, "the server's");
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
