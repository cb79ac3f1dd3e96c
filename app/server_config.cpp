#include "server_config.h"

#include <charconv>

namespace libexport::app {
namespace {

bool ParseInt(const std::string& text, int min, int* out) {
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

const char* ServerUsage() {
  return "usage: exportd [flags]\n"
         "  --store DIR               the store (default ./data/store)\n"
         "  --listen HOST:PORT        (default 127.0.0.1:8080; port 0 picks "
         "one)\n"
         "  --threads N               the most connections open at once, "
         "one\n"
         "                            worker thread each, started on demand;"
         "\n"
         "                            past it 503 + Retry-After (default "
         "1024)\n"
         "  --request-timeout SECONDS the longest a request head and body "
         "may\n"
         "                            take to arrive, else 408 (default 10; "
         "2 s\n"
         "                            when 3/4 of the workers are busy)\n"
         "  --max-header-bytes N      request line + headers, else 431 "
         "(default\n"
         "                            32768; a request line over 8192: 414)\n"
         "  --health-listen HOST:PORT also serve /healthz and /metrics "
         "there, on\n"
         "                            their own workers (default: off)\n"
         "  --max-clock-skew SECONDS  Date tolerance both ways (default 5)\n"
         "  --read-timeout SECONDS    per read (default 5)\n"
         "  --write-timeout SECONDS   per write (default 5)\n"
         "  --keep-alive-timeout SECONDS  idle keep-alive (default 5)\n"
         "  --max-stream-seconds N    cap on one export's streaming (default "
         "300,\n"
         "                            0: none)\n"
         "  --shutdown-grace SECONDS  on SIGTERM/SIGINT, how long running "
         "exports\n"
         "                            may finish (default 10)\n"
         "  --tls-cert FILE --tls-key FILE   serve HTTPS (TLS 1.2 minimum)\n"
         "  --no-access-log           no per-request line on stderr\n";
}

bool ParseServerFlags(const std::vector<std::string>& args, ServerConfig* c,
                      bool* help, std::string* error) {
  *help = false;
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
    auto int_value = [&](int min, int* out) {
      std::string v;
      if (!value(&v)) return false;
      if (!ParseInt(v, min, out)) {
        *error = a + ": not a valid number: " + v;
        return false;
      }
      return true;
    };
    bool ok = true;
    if (a == "--help" || a == "-h") {
      *help = true;
      return true;
    } else if (a == "--store") {
      ok = value(&c->store);
    } else if (a == "--listen" || a == "--health-listen") {
      std::string v;
      ok = value(&v);
      if (ok) {
        bool health = a == "--health-listen";
        int* port = health ? &c->health_port : &c->port;
        size_t colon = v.rfind(':');
        if (colon == std::string::npos || colon == 0 ||
            !ParseInt(v.substr(colon + 1), 0, port) || *port > 65535) {
          *error = a + ": expected HOST:PORT, got " + v;
          return false;
        }
        (health ? c->health_host : c->host) = v.substr(0, colon);
      }
    } else if (a == "--threads") {
      ok = int_value(1, &c->threads);
    } else if (a == "--request-timeout") {
      ok = int_value(1, &c->request_timeout);
    } else if (a == "--max-header-bytes") {
      ok = int_value(1024, &c->max_header_bytes);
    } else if (a == "--max-clock-skew") {
      ok = int_value(0, &c->max_clock_skew);
    } else if (a == "--read-timeout") {
      ok = int_value(1, &c->read_timeout);
    } else if (a == "--write-timeout") {
      ok = int_value(1, &c->write_timeout);
    } else if (a == "--keep-alive-timeout") {
      ok = int_value(1, &c->keep_alive_timeout);
    } else if (a == "--max-stream-seconds") {
      ok = int_value(0, &c->max_stream_seconds);
    } else if (a == "--shutdown-grace") {
      ok = int_value(0, &c->shutdown_grace);
    } else if (a == "--tls-cert") {
      ok = value(&c->tls_cert);
    } else if (a == "--tls-key") {
      ok = value(&c->tls_key);
    } else if (a == "--no-access-log") {
      c->access_log = false;
    } else {
      *error = "unknown flag: " + a;
      return false;
    }
    if (!ok) return false;
  }
  if (c->tls_cert.empty() != c->tls_key.empty()) {
    *error = "--tls-cert and --tls-key go together";
    return false;
  }
  return true;
}

}  // namespace libexport::app
