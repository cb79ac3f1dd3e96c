#include "request_command.h"

#include <httplib.h>

#include <cstdio>
#include <optional>
#include <utility>

#include "libexport/http/hmac_auth.h"
#include "libexport/http/signed_client.h"
#include "libexport/time.h"

namespace {

constexpr const char* kContentType = "application/json; charset=utf-8";

constexpr const char* kUsage =
    "usage: exportctl request TRACKER --url URL --key KEY [--model M] [--tag "
    "T]\n"
    "         [--target-type item|criteria|all] [--target-identity I]\n"
    "         [--remove-expired-pins] [--remove-nonexisting-item-pins]\n"
    "         [--print-curl] [--insecure] [--ca-cert FILE]\n"
    "  Sends a signed POST to the export endpoint and prints the body.\n"
    "  --print-curl prints the equivalent shell (date, printf, openssl, "
    "curl).\n";

struct RequestArgs {
  std::string tracker;
  std::string url;
  std::string key;
  std::vector<std::pair<std::string, std::string>> query;
  bool print_curl = false;
  bool insecure = false;
  std::string ca_cert;
};

bool ParseArgs(const std::vector<std::string>& args, RequestArgs* r,
               std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) {
        *error = a + " needs a value";
        return false;
      }
      *out = args[++i];
      return true;
    };
    auto query_value = [&](const char* name) {
      std::string v;
      if (!value(&v)) return false;
      r->query.emplace_back(name, std::move(v));
      return true;
    };
    bool ok = true;
    if (a == "--url") {
      ok = value(&r->url);
    } else if (a == "--key") {
      ok = value(&r->key);
    } else if (a == "--model") {
      ok = query_value("model");
    } else if (a == "--tag") {
      ok = query_value("tag");
    } else if (a == "--target-type") {
      ok = query_value("target_type");
    } else if (a == "--target-identity") {
      ok = query_value("target_identity");
    } else if (a == "--remove-expired-pins") {
      r->query.emplace_back("remove_expired_pins", "true");
    } else if (a == "--remove-nonexisting-item-pins") {
      r->query.emplace_back("remove_nonexisting_item_pins", "true");
    } else if (a == "--print-curl") {
      r->print_curl = true;
    } else if (a == "--insecure") {
      r->insecure = true;
    } else if (a == "--ca-cert") {
      ok = value(&r->ca_cert);
    } else if (!a.empty() && a[0] == '-') {
      *error = "unknown flag: " + a;
      return false;
    } else if (r->tracker.empty()) {
      r->tracker = a;
    } else {
      *error = "unexpected argument: " + a;
      return false;
    }
    if (!ok) return false;
  }
  if (r->tracker.empty()) {
    *error = "TRACKER is required";
    return false;
  }
  if (r->url.empty()) {
    *error = "--url is required";
    return false;
  }
  if (r->key.empty()) {
    *error = "--key is required";
    return false;
  }
  while (!r->url.empty() && r->url.back() == '/') r->url.pop_back();
  return true;
}

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

std::string QueryString(const RequestArgs& r) {
  std::string q;
  for (const auto& [name, v] : r.query) {
    q += q.empty() ? "?" : "&";
    q += name + "=" + libexport::http::PercentEncode(v);
  }
  return q;
}

// The public docs' shell example, filled in.
void PrintCurl(const RequestArgs& r, std::ostream& out) {
  out << "tracker_id=" << ShellQuote(r.tracker) << "\n"
      << "private_key=" << ShellQuote(r.key) << "\n"
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
      << "-X POST \"${host}${full_path}\" \\\n"
      << "  -H \"Content-Type: ${content_type}\" \\\n"
      << "  -H \"Date: ${date}\" \\\n"
      << "  -H \"Authorization: ApiAuth ${tracker_id}:${signature}\"\n";
}

}  // namespace

namespace libexport::app {

int RunRequestCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err) {
  RequestArgs r;
  std::string error;
  if (!ParseArgs(args, &r, &error)) {
    err << "exportctl request: " << error << "\n" << kUsage;
    return 2;
  }
  if (r.print_curl) {
    PrintCurl(r, out);
    return 0;
  }
  std::string path = libexport::http::ExportPath(r.tracker);
  libexport::http::SignedHeaders h = libexport::http::SignRequest(
      r.tracker, r.key, "POST", path, kContentType,
      libexport::FormatHttpDate(libexport::SystemNow()));

  httplib::Client client(r.url);
  if (!client.is_valid()) {
    err << "exportctl request: cannot use --url " << r.url << "\n";
    return 2;
  }
  client.set_connection_timeout(10);
  client.set_read_timeout(300);
  client.set_tcp_nodelay(true);
  if (r.insecure) client.enable_server_certificate_verification(false);
  if (!r.ca_cert.empty()) client.set_ca_cert_path(r.ca_cert);

  httplib::Request req;
  req.method = "POST";
  req.path = path + QueryString(r);
  req.set_header("Content-Type", h.content_type);
  req.set_header("Date", h.date);
  req.set_header("Authorization", h.authorization);
  int status = 0;
  req.response_handler = [&](const httplib::Response& res) {
    status = res.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    (status >= 200 && status < 300 ? out : err).write(data, n);
    return true;
  };
  httplib::Response res;
  httplib::Error e = httplib::Error::Success;
  if (!client.send(req, res, e)) {
    err << "exportctl request: " << r.url << ": " << httplib::to_string(e)
        << "\n";
    return 3;
  }
  out.flush();
  if (status >= 200 && status < 300) return 0;
  err << "\nexportctl request: HTTP " << status << "\n";
  return 1;
}

}  // namespace libexport::app
