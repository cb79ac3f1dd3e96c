// exportd's HTTP/1.1 connection layer: an httplib::Server whose
// per-connection loop is ours, so that hostile or broken clients cannot
// exhaust the workers, grow memory or desynchronize the connection.
//
// httplib 0.11.4 keeps `process_and_close_socket` virtual and
// `process_request(Stream&, ...)` protected: HardenedServer overrides the
// first and feeds the second a Stream of its own. Per connection it
//   - waits for a request at most --keep-alive-timeout (far less when the
//     pool is under pressure), and stops waiting when the server stops;
//   - reads the request head itself, under a byte cap (RequestHeadLimits)
//     and a deadline for the whole head (--request-timeout), checks it
//     (request_head.h) and answers 400/408/414/431/501/505 + close itself;
//   - lets httplib read exactly the body the head declares and nothing
//     more (Content-Length, or chunked with every chunk size checked), so
//     a request hidden in a body is never parsed as the next request:
//     afterwards an unread body is read and discarded up to
//     `max_drain_bytes`, or the connection is closed;
//   - keeps the bytes read past one request for the next (pipelining);
//   - closes the connection when the response says `Connection: close`
//     (and sends that header once, without `Keep-Alive`), and sends an
//     HTTP/1.0 client a close-delimited body instead of a chunked one.
// A connection refused by the ConnectionPool (all workers busy) gets a
// fixed 503 with Retry-After on the accepting thread, without a read.
//
// Plain HTTP only: httplib::SSLServer has its own socket loop (terminate
// TLS in a front proxy for untrusted clients, docs/operations.md).
//
// Memory per connection: the head buffer (at most max_head_bytes plus one
// 16 KiB read), httplib's parsed Request, and the worker thread's stack.
//
// Thread safety: configure before listen; Counters may be read any time.
#ifndef LIBEXPORT_APP_HARDENED_SERVER_H_
#define LIBEXPORT_APP_HARDENED_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "connection_pool.h"
#include "request_head.h"

namespace libexport::app {

struct HardenedServerOptions {
  // Worker threads, started on demand: the most connections open at once
  // (idle, slow and active alike). Past it: 503 + Retry-After. Default
  // 1024; each idle connection costs a thread (docs/reliability.md).
  int max_connections = 1024;

  // The longest a request's head and body may take to arrive, from its
  // first byte (a slowloris client is cut here: 408). Default 10 s.
  std::chrono::milliseconds request_timeout{10000};

  // Under pressure (busy workers >= pressure_percent of max_connections)
  // idle keep-alive connections are closed after busy_keep_alive_timeout
  // instead of the server's keep-alive timeout, and heads get
  // busy_request_timeout. Defaults: 75 %, 200 ms, 2 s.
  int pressure_percent = 75;
  std::chrono::milliseconds busy_keep_alive_timeout{200};
  std::chrono::milliseconds busy_request_timeout{2000};

  // A body the handler did not read is read and discarded up to this many
  // bytes (then the connection is kept); larger ones close it. Default
  // 64 KiB.
  size_t max_drain_bytes = 64 * 1024;

  RequestHeadLimits head;
};

class HardenedServer : public httplib::Server {
 public:
  struct Counters {
    PoolCounters pool;
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> head_timeouts{0};   // 408
    std::atomic<uint64_t> heads_rejected{0};  // 400/414/431/501/505
    std::atomic<uint64_t> bodies_drained{0};
    std::atomic<uint64_t> closed_unread_body{0};
    std::atomic<uint64_t> idle_closed_under_pressure{0};
  };

  explicit HardenedServer(HardenedServerOptions options = {});

  const Counters& counters() const { return counters_; }
  const HardenedServerOptions& options() const { return options_; }

  // The counters in the Prometheus text format (appended to /metrics).
  std::string MetricsText() const;

  // Sets new_task_queue to the ConnectionPool (the constructor does; call
  // again after anything that replaces it, such as ConfigureServer).
  void InstallConnectionPool();

  // httplib compiles a listen backlog of 5 into the .so; the listening
  // socket is protected, so this re-listens (Linux accepts it).
  void RaiseBacklog(int backlog);

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool Stopping() const { return svr_sock_ == INVALID_SOCKET; }
  bool UnderPressure() const;

  HardenedServerOptions options_;
  Counters counters_;
};

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_HARDENED_SERVER_H_
