// exportd: the HTTP sidecar. Serves the export endpoint, /healthz and
// /metrics from one Store; see docs/http_api.md.
//
// Plain HTTP runs on libexport::app::HardenedServer (hardened_server.h: bounded
// request heads, request framing, a connection cap with 503, idle and
// slow connections cut); HTTPS on httplib's own SSLServer loop.
//
// Shutdown: SIGTERM or SIGINT (handled on a sigwait thread, never in a signal
// handler) stops accepting, lets running exports finish until
// --shutdown-grace, cuts the rest, and exits 0 once listen() has returned;
// the Store is closed only then (workers joined).
//
// systemd: with NOTIFY_SOCKET set, READY=1 (and STATUS=listening on URL) is
// sent once the ports listen, STOPPING=1 when a stop signal arrives
// (deploy/exportd.service, Type=notify).
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hardened_server.h"
#include "http/error_json.h"
#include "libexport/http/export_routes.h"
#include "libexport/store.h"
#include "log_writer.h"
#include "server_config.h"

namespace {

using libexport::app::ServerConfig;
using HR = httplib::Server::HandlerResponse;

// httplib 0.11.4 compiles a listen backlog of 5 into the .so; the listening
// socket is protected, so a subclass re-listens with a real backlog (Linux
// accepts listen() on a listening socket).
class BacklogSSLServer : public httplib::SSLServer {
 public:
  using httplib::SSLServer::SSLServer;
  void RaiseBacklog(int backlog) { ::listen(svr_sock_, backlog); }
};

libexport::app::HardenedServerOptions ConnectionOptions(
    const ServerConfig& config) {
  libexport::app::HardenedServerOptions o;
  o.max_connections = config.threads;
  o.request_timeout = std::chrono::seconds(config.request_timeout);
  o.busy_request_timeout = std::min(o.busy_request_timeout, o.request_timeout);
  o.head.max_head_bytes = static_cast<size_t>(config.max_header_bytes);
  return o;
}

void Configure(httplib::Server& server, const ServerConfig& config,
               libexport::app::HardenedServer* hardened) {
  libexport::http::ConfigureServer(server, config.threads);
  if (hardened != nullptr) hardened->InstallConnectionPool();
  server.set_read_timeout(config.read_timeout);
  server.set_write_timeout(config.write_timeout);
  server.set_keep_alive_timeout(config.keep_alive_timeout);
}

// Each connection is a file descriptor: use as many as the hard limit
// allows (a soft limit of 1024 is below --threads plus the store's).
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string PathOf(const std::string& target) {
  return target.substr(0, target.find('?'));
}

// The routes, with the connection layer's counters appended to /metrics.
HR Route(libexport::http::ExportRoutes& routes,
         const libexport::app::HardenedServer* connections,
         const httplib::Request& req, httplib::Response& res) {
  HR handled = routes.PreRoute(req, res);
  if (connections != nullptr && handled == HR::Handled && res.status == 200 &&
      !res.body.empty() && PathOf(req.target) == "/metrics") {
    res.body += connections->MetricsText();
  }
  return handled;
}

// Binds `server` to host:port (port 0: any); the port, or 0 on failure.
int Bind(httplib::Server& server, const std::string& host, int port) {
  if (port == 0) {
    int p = server.bind_to_any_port(host);
    return p < 0 ? 0 : p;
  }
  return server.bind_to_port(host, port) ? port : 0;
}

int Serve(httplib::Server& server, libexport::app::HardenedServer* hardened,
          const ServerConfig& config, std::shared_ptr<libexport::Store> store,
          const std::function<void(int)>& raise_backlog) {
  Configure(server, config, hardened);

  libexport::http::ExportRoutesOptions options;
  options.max_clock_skew = std::chrono::seconds(config.max_clock_skew);
  options.max_stream_time = std::chrono::seconds(config.max_stream_seconds);
  options.max_waiting_changes = config.max_waiting_changes;
  using Groups = libexport::http::ExportRoutesOptions::RouteGroups;
  options.route_groups = config.routes == "export" ? Groups::kExport
                         : config.routes == "export+changes"
                             ? Groups::kExportAndChanges
                             : Groups::kAll;
  options.read_only = config.read_only;
  options.max_bulk_records = static_cast<size_t>(config.max_bulk_records);
  options.max_bulk_body_bytes = static_cast<size_t>(config.max_bulk_bytes);
  options.not_found_for_other_paths = true;
  options.install_pre_routing_handler = false;
  // Declared before the routes: destroyed after them, it writes every line
  // they logged.
  std::unique_ptr<libexport::app::LogWriter> log;
  if (config.access_log) {
    log = std::make_unique<libexport::app::LogWriter>(STDERR_FILENO);
    const bool json = config.log_format == "json";
    options.access_log =
        [json, w = log.get()](const libexport::http::AccessLogEntry& e) {
          w->Append(json ? libexport::http::FormatAccessLogJson(e)
                         : libexport::http::FormatAccessLogLine(e));
        };
  }
  auto routes = libexport::http::MountExportRoutes(server, store, options);
  libexport::http::ExportRoutes* r = routes.get();
  server.set_pre_routing_handler(
      [r, hardened](const httplib::Request& req, httplib::Response& res) {
        return Route(*r, hardened, req, res);
      });
  server.set_expect_100_continue_handler(
      [r](const httplib::Request& req, httplib::Response& res) {
        return r->ExpectContinue(req, res);
      });

  // The probe listener: /healthz and /metrics only, on workers of its own.
  std::unique_ptr<libexport::app::HardenedServer> health;
  int health_port = 0;
  if (config.health_port >= 0) {
    libexport::app::HardenedServerOptions o = ConnectionOptions(config);
    o.max_connections = 16;
    health = std::make_unique<libexport::app::HardenedServer>(o);
    Configure(*health, config, health.get());
    health->set_pre_routing_handler(
        [r, hardened](const httplib::Request& req, httplib::Response& res) {
          std::string path = PathOf(req.target);
          if (path == "/healthz" || path == "/metrics") {
            return Route(*r, hardened, req, res);
          }
          res.status = 404;
          res.set_content(libexport::http::ErrorJson(
                              404, "route_not_found",
                              "this listener serves /healthz and /metrics"),
                          "application/json; charset=utf-8");
          return HR::Handled;
        });
    health_port = Bind(*health, config.health_host, config.health_port);
    if (health_port == 0) {
      std::cerr << "exportd: cannot listen on " << config.health_host << ":"
                << config.health_port << "\n";
      return 1;
    }
  }

  int port = Bind(server, config.host, config.port);
  if (port == 0) {
    std::cerr << "exportd: cannot listen on " << config.host << ":"
              << config.port << "\n";
    return 1;
  }
  raise_backlog(1024);

  // SIGTERM/SIGINT are blocked in every thread (main blocked them before
  // any thread started); this one waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGINT || sig == SIGTERM) {
      sd_notify(0, "STOPPING=1");
      std::cerr << "exportd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
                << ": stopping (running exports: " << routes->ActiveStreams()
                << ", grace " << config.shutdown_grace << " s)\n";
    }
    routes->BeginShutdown(std::chrono::steady_clock::now() +
                          std::chrono::seconds(config.shutdown_grace));
    // stop() is a no-op until the server runs.
    while (!server.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.stop();
    if (health) {
      while (!health->is_running()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      health->stop();
    }
  });
  std::thread health_thread;
  if (health) health_thread = std::thread([&] { health->listen_after_bind(); });

  std::string scheme = config.tls_cert.empty() ? "http" : "https";
  std::cout << "exportd: listening on " << scheme << "://" << config.host << ":"
            << port << " (store " << config.store << ", up to "
            << config.threads << " connections)";
  if (health) {
    std::cout << "; /healthz on http://" << config.health_host << ":"
              << health_port;
  }
  std::cout << std::endl;
  // Under systemd (Type=notify; NOTIFY_SOCKET set), the unit is started once
  // both ports accept connections: they listen since Bind. Without
  // NOTIFY_SOCKET this does nothing.
  const std::string ready = "READY=1\nSTATUS=listening on " + scheme + "://" +
                            config.host + ":" + std::to_string(port);
  sd_notify(0, ready.c_str());
  bool ok = server.listen_after_bind();
  if (!ok) {
    // listen failed without a signal: wake the signal thread ourselves.
    pthread_kill(signal_thread.native_handle(), SIGTERM);
  }
  signal_thread.join();
  if (health_thread.joinable()) health_thread.join();
  std::cerr << "exportd: stopped\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ServerConfig config;
  if (auto code = libexport::app::ParseServerFlags(args, &config, std::cout,
                                                   std::cerr)) {
    return *code;
  }

  // Block the stop signals before any thread exists, so every thread
  // inherits the mask and only the sigwait thread receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  RaiseFileLimit();

  libexport::StoreOptions store_options;
  store_options.tombstone_retention =
      std::chrono::seconds(config.tombstone_retention);
  store_options.catalog_memory_budget =
      static_cast<uint64_t>(config.catalog_memory_budget);
  store_options.create_if_missing = false;
  auto opened = libexport::Store::Open(config.store, store_options);
  if (!opened.ok()) {
    std::cerr << "exportd: cannot open the store " << config.store << ": "
              << opened.status().ToString()
              << "\n(create one with: exportctl demo --store " << config.store
              << ")\n";
    return 1;
  }
  std::shared_ptr<libexport::Store> store = std::move(opened).value();

  int rc = 0;
  if (config.tls_cert.empty()) {
    libexport::app::HardenedServer server(ConnectionOptions(config));
    rc = Serve(server, &server, config, store,
               [&](int n) { server.RaiseBacklog(n); });
  } else {
    BacklogSSLServer server(config.tls_cert.c_str(), config.tls_key.c_str());
    if (!server.is_valid()) {
      std::cerr << "exportd: cannot load the TLS certificate or key ("
                << config.tls_cert << ", " << config.tls_key << ")\n";
      return 1;
    }
    SSL_CTX_set_min_proto_version(server.ssl_context(), TLS1_2_VERSION);
    rc = Serve(server, nullptr, config, store,
               [&](int n) { server.RaiseBacklog(n); });
  }
  // Every worker has been joined: now the store may close.
  store.reset();
  return rc;
}
