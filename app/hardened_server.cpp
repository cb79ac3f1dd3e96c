#include "hardened_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "connection_stream.h"
#include "http/error_json.h"

namespace libexport::app {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const char* Reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// A complete response that closes the connection (errors of the
// connection layer, before or instead of httplib).
std::string ClosingResponse(int status, std::string_view code,
                            std::string_view message,
                            std::string_view extra_header = {}) {
  std::string body = libexport::http::ErrorJson(status, code, message);
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  out.append(extra_header);
  out.append("Content-Type: application/json; charset=utf-8\r\n");
  out.append("Cache-Control: no-store\r\nConnection: close\r\n");
  out.append("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  out.append(body);
  return out;
}

}  // namespace

HardenedServer::HardenedServer(HardenedServerOptions options)
    : options_(std::move(options)) {
  InstallConnectionPool();
}

void HardenedServer::InstallConnectionPool() {
  int n = options_.max_connections;
  PoolCounters* counters = &counters_.pool;
  new_task_queue = [n, counters] { return new ConnectionPool(n, counters); };
}

void HardenedServer::RaiseBacklog(int backlog) { ::listen(svr_sock_, backlog); }

bool HardenedServer::UnderPressure() const {
  return counters_.pool.busy.load() * 100 >=
         options_.max_connections * options_.pressure_percent;
}

bool HardenedServer::process_and_close_socket(socket_t sock) {
  auto read_timeout =
      milliseconds(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000);
  auto write_timeout =
      milliseconds(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000);
  if (read_timeout.count() <= 0) read_timeout = milliseconds(1);
  if (write_timeout.count() <= 0) write_timeout = milliseconds(1);
  ConnectionStream conn(sock, read_timeout, write_timeout);

  if (ConnectionPool::Refusing()) {
    // On the accepting thread: no read, no wait for a slow reader.
    std::string reply = ClosingResponse(
        503, "over_capacity", "every connection slot is taken; retry shortly",
        "Retry-After: 1\r\n");
    send(sock, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(sock, SHUT_WR);
    char drain[4096];
    while (recv(sock, drain, sizeof drain, MSG_DONTWAIT) > 0) {
    }
    close(sock);
    return true;
  }

  auto stopping = [this] { return Stopping(); };
  bool idle_pressured = false;  // the last idle timeout was the busy one
  auto idle = [this, &idle_pressured] {
    idle_pressured = UnderPressure();
    return idle_pressured ? options_.busy_keep_alive_timeout
                          : milliseconds(keep_alive_timeout_sec_ * 1000);
  };
  auto request_deadline = [this] {
    return UnderPressure() ? options_.busy_request_timeout
                           : options_.request_timeout;
  };

  size_t served = 0;
  bool linger = false;
  for (;;) {
    auto waited = conn.WaitForRequest(idle, stopping);
    if (waited != ConnectionStream::Waited::kReady) {
      if (waited == ConnectionStream::Waited::kIdle && idle_pressured)
        counters_.idle_closed_under_pressure.fetch_add(1);
      break;
    }
    auto started = Clock::now();
    std::string raw;
    auto got = conn.ReadHead(options_.head, request_deadline, stopping, &raw);
    if (got == ConnectionStream::Got::kClosed ||
        got == ConnectionStream::Got::kStopping)
      break;
    if (got != ConnectionStream::Got::kHead) {
      int status = 400;
      std::string code = "bad_request", message;
      if (got == ConnectionStream::Got::kTimeout) {
        status = 408;
        code = "request_timeout";
        message =
            "the request head did not arrive in time (--request-timeout, "
            "--read-timeout between reads)";
        counters_.head_timeouts.fetch_add(1);
      } else if (got == ConnectionStream::Got::kTooLarge) {
        bool line = conn.RequestLineTooLong(options_.head);
        status = line ? 414 : 431;
        code = line ? "uri_too_long" : "header_too_large";
        message =
            line ? "the request line exceeds " +
                       std::to_string(options_.head.max_request_line) + " bytes"
                 : "the request head exceeds " +
                       std::to_string(options_.head.max_head_bytes) + " bytes";
        counters_.heads_rejected.fetch_add(1);
      } else {
        message = "a line of the request head ends in LF without CR";
        counters_.heads_rejected.fetch_add(1);
      }
      conn.SendAll(ClosingResponse(status, code, message));
      linger = true;
      break;
    }
    RequestHead head = ParseRequestHead(raw, options_.head);
    if (!head.ok()) {
      counters_.heads_rejected.fetch_add(1);
      conn.SendAll(ClosingResponse(head.status, head.code, head.message));
      linger = true;
      break;
    }
    ++served;
    counters_.requests.fetch_add(1);
    bool last =
        served >= keep_alive_max_count_ || head.client_close || Stopping();
    conn.BeginRequest(head, started + request_deadline());
    bool connection_closed = false;
    bool ok = process_request(conn, last, connection_closed, nullptr);
    if (!ok || last || connection_closed || conn.response_closes() ||
        conn.framing_error()) {
      if (!conn.BodyDone()) {
        counters_.closed_unread_body.fetch_add(1);
        linger = true;
      }
      break;
    }
    if (!conn.BodyDone()) {
      if (!conn.FinishBody(options_.max_drain_bytes)) {
        counters_.closed_unread_body.fetch_add(1);
        linger = true;
        break;
      }
      counters_.bodies_drained.fetch_add(1);
    }
  }
  // Closing with unread bytes makes the kernel send RST, which can destroy
  // the response before the client reads it: half-close, then discard
  // what still comes for a moment (RFC 9112 9.6).
  shutdown(sock, SHUT_WR);
  if (linger && !UnderPressure()) {
    auto until = Clock::now() + milliseconds(500);
    char drain[4096];
    size_t total = 0;
    while (Clock::now() < until && total < options_.max_drain_bytes) {
      pollfd p{sock, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      ssize_t n = recv(sock, drain, sizeof drain, 0);
      if (n <= 0) break;
      total += static_cast<size_t>(n);
    }
  }
  close(sock);
  return true;
}

std::string HardenedServer::MetricsText() const {
  std::string out;
  auto gauge = [&](const char* name, const char* help, uint64_t v,
                   const char* type) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    out.append(name).append(" ").append(std::to_string(v)).append("\n");
  };
  const Counters& c = counters_;
  gauge("libexport_http_connections_open",
        "connections held by a worker (idle, reading or answered)",
        static_cast<uint64_t>(std::max(0, c.pool.busy.load())), "gauge");
  gauge("libexport_http_connections_max",
        "the connection cap (--max-connections); past it: 503",
        static_cast<uint64_t>(options_.max_connections), "gauge");
  gauge("libexport_http_workers", "worker threads started",
        static_cast<uint64_t>(std::max(0, c.pool.workers.load())), "gauge");
  gauge("libexport_http_connections_accepted_total",
        "connections given a worker", c.pool.accepted.load(), "counter");
  gauge("libexport_http_connections_refused_total",
        "connections answered 503 at the cap", c.pool.refused.load(),
        "counter");
  gauge("libexport_http_request_head_timeouts_total",
        "requests cut by --request-timeout (408)", c.head_timeouts.load(),
        "counter");
  gauge("libexport_http_request_heads_rejected_total",
        "request heads refused before routing (400/414/431/501/505)",
        c.heads_rejected.load(), "counter");
  gauge("libexport_http_request_bodies_drained_total",
        "unread request bodies read and discarded", c.bodies_drained.load(),
        "counter");
  gauge("libexport_http_connections_closed_unread_body_total",
        "connections closed instead of reading a body",
        c.closed_unread_body.load(), "counter");
  gauge("libexport_http_idle_closed_under_pressure_total",
        "idle connections closed early because the pool was busy",
        c.idle_closed_under_pressure.load(), "counter");
  return out;
}

}  // namespace libexport::app
