#include "request_sender.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <vector>

#include "cli.h"
#include "libexport/compression.h"
#include "libexport/http/signed_client.h"

namespace libexport::app {
namespace {

constexpr const char* kCompressedCodings = "zstd, gzip";

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

// The key's line of the script: the key itself only when asked, else
// where it came from (the key file, or the environment).
std::string PrivateKeyLine(const RequestFlags& r, const std::string& key) {
  if (r.show_key) return "private_key=" + ShellQuote(key);
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

// The public docs' example, generalized to any method, Content-Type and
// body: the same variable names and the same signing lines.
void PrintCurl(const RequestFlags& r, const std::string& key,
               const RequestSpec& spec, std::ostream& out) {
  out << "tracker_id=" << ShellQuote(r.tracker) << "\n"
      << PrivateKeyLine(r, key) << "\n"
      << "host=" << ShellQuote(r.client.url) << "\n"
      << "base_path=\"/v1/recommender/pin/${tracker_id}/" << spec.route
      << "\"\n"
      << "full_path=\"${base_path}" << QueryString(spec.query) << "\"\n"
      << "method=\"" << spec.method << "\"\n"
      << "content_type=\"" << spec.content_type << "\"\n"
      << "date=$(LC_ALL=C date -u \"+%a, %d %b %Y %H:%M:%S GMT\")\n"
      << "string_to_sign=$(printf \"${method}\\n${content_type}\\n${date}\\n"
         "${base_path}\")\n"
      << "signature=$(echo -n \"$string_to_sign\" | openssl dgst -sha256 "
         "-hmac \"$private_key\" -binary | base64)\n";
  std::vector<std::string> words;
  words.push_back(std::string("curl ") + (r.client.insecure ? "-k " : "") +
                  (spec.compressed ? "--compressed " : "") + "-X " +
                  spec.method + " \"${host}${full_path}\"");
  // curl --compressed sends the codings it can decode by itself.
  for (const auto& [name, value] : spec.headers) {
    words.push_back("  -H " + ShellQuote(name + ": " + value));
  }
  if (!spec.content_type.empty()) {
    words.push_back("  -H \"Content-Type: ${content_type}\"");
  }
  words.push_back("  -H \"Date: ${date}\"");
  words.push_back("  -H \"Authorization: ApiAuth ${tracker_id}:${signature}\"");
  if (!spec.body_file.empty()) {
    words.push_back("  --data-binary " + ShellQuote("@" + spec.body_file));
  }
  for (size_t i = 0; i < words.size(); ++i) {
    out << words[i] << (i + 1 < words.size() ? " \\\n" : "\n");
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

// A body file sent from disk, never read whole into memory: httplib asks
// for its bytes as it writes them. Open while the request is sent.
class BodyFile {
 public:
  BodyFile() = default;
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;
  ~BodyFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Makes regular file `file` the body of `req` (Content-Length: its
  // size); false, and nothing changed, for another kind of file (a pipe,
  // /dev/stdin: its size says nothing), which the caller reads whole.
  // Throws Failure for a file that cannot be opened.
  bool Attach(const std::string& file, httplib::Request* req) {
    fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd_ < 0 || ::fstat(fd_, &st) != 0) {
      throw Failure{FileError("cannot read", file, errno)};
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd_);
      fd_ = -1;
      return false;
    }
    req->content_length_ = static_cast<size_t>(st.st_size);
    req->content_provider_ = [this, file](size_t offset, size_t length,
                                          httplib::DataSink& sink) {
      buffer_.resize(std::min(length, kPiece));
      ssize_t n;
      do {
        n = ::pread(fd_, buffer_.data(), buffer_.size(),
                    static_cast<off_t>(offset));
      } while (n < 0 && errno == EINTR);
      if (n <= 0) {
        error_ = n < 0 ? FileError("cannot read", file, errno)
                       : file + ": the file got shorter while it was sent";
        return false;
      }
      return sink.write(buffer_.data(), static_cast<size_t>(n));
    };
    return true;
  }
  // Why the body could not be read to its end; empty when it could.
  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kPiece = 256 << 10;
  int fd_ = -1;
  std::vector<char> buffer_;
  std::string error_;
};

bool HasHeader(const RequestSpec& spec, std::string_view name) {
  for (const auto& h : spec.headers) {
    if (h.first == name) return true;
  }
  return false;
}

}  // namespace

void AddRequestFlags(CLI::App& command, RequestFlags* flags,
                     bool url_required) {
  CLI::Option* url = command.add_option("--url", flags->client.url,
                                        "exportd's base URL (http or https)");
  if (url_required) url->required();
  AddKeyFlags(command, &flags->key_flags, "EXPORTCTL_KEY",
              "the tracker's private key");
  command.add_flag("--print-curl", flags->print_curl,
                   "print the equivalent shell (date, printf, openssl, curl) "
                   "instead of sending; it reads the key from where it came "
                   "from (the key file or $EXPORTCTL_KEY)");
  command.add_flag("--show-key", flags->show_key,
                   "with --print-curl: write the key itself into the script");
  AddTlsFlags(command, &flags->client, "the server's");
}

std::string QueryString(
    const std::vector<std::pair<std::string, std::string>>& query) {
  std::string q;
  for (const auto& [name, v] : query) {
    q += q.empty() ? "?" : "&";
    q += name + "=" + http::PercentEncode(v);
  }
  return q;
}

int RunSignedRequest(Session& s, RequestFlags r, const RequestSpec& spec) {
  std::unique_ptr<httplib::Client> client =
      MakeClient(&r.client, "--url", /*read_timeout_s=*/300);
  const std::string key = r.key_flags.Require(s);
  if (r.print_curl) {
    PrintCurl(r, key, spec, s.out);
    return kExitOk;
  }
  // The body as sent: httplib would decode gzip on its own (and leave zstd
  // alone); --compressed decodes both here instead.
  client->set_decompress(false);
  httplib::Request req = SignedRequest(
      spec.method, r.tracker, key, http::TrackerPath(r.tracker, spec.route),
      QueryString(spec.query), spec.content_type);
  BodyFile body_file;
  if (!spec.body_file.empty() &&
      (spec.body_file == "-" || !body_file.Attach(spec.body_file, &req))) {
    req.body = s.ReadInput(spec.body_file);
  }
  if (spec.body_required && req.body.empty() && req.content_length_ == 0) {
    throw Failure{spec.body_file + " is empty; nothing was sent"};
  }
  for (const auto& [name, value] : spec.headers) req.set_header(name, value);
  if (spec.compressed && !HasHeader(spec, "Accept-Encoding")) {
    req.set_header("Accept-Encoding", kCompressedCodings);
  }
  int status = 0;
  std::unique_ptr<StreamDecoder> decoder;
  std::string coding_error;
  req.response_handler = [&](const httplib::Response& res) {
    status = res.status;
    if (!spec.compressed) return true;
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
  const auto ok = [&] { return status >= 200 && status < 300; };
  char last = '\n';  // the last byte written to s.out
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    std::ostream& to = ok() ? s.out : s.err;
    auto write = [&](std::string_view piece) {
      to.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      if (ok() && !piece.empty()) last = piece.back();
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
  // httplib calls response_handler only for a response with a body (not
  // for a 204).
  if (sent) status = res.status;
  if (sent && decoder) {
    Status st = decoder->Finish();
    if (!st.ok()) coding_error = st.message();
  }
  if (!coding_error.empty()) {
    s.CheckOutput();
    s.err << "\nexportctl request: --compressed: " << coding_error << "\n";
    return kExitFailure;
  }
  if (!body_file.error().empty()) throw Failure{body_file.error()};
  if (!sent) {
    s.CheckOutput();  // a full stdout cancels the transfer
    s.err << "exportctl request: " << r.client.url << ": " << Describe(e)
          << "\n";
    if (e == httplib::Error::Write && !spec.body_file.empty()) {
      // exportd answers a body over its cap unread and closes.
      s.err << "exportctl request: the server stopped reading the body of "
            << spec.body_file
            << "; if it is over the server's cap (exportd --max-bulk-bytes), "
               "its access log shows a 413\n";
    }
    return kExitUnreachable;
  }
  if (ok()) {
    if (spec.end_with_newline && last != '\n') s.out << '\n';
    s.CheckOutput();
    return kExitOk;
  }
  s.CheckOutput();
  s.err << "\nexportctl request: HTTP " << status << "\n";
  return kExitFailure;
}

}  // namespace libexport::app
