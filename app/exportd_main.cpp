// exportd: the HTTP sidecar. Serves the export endpoint, /healthz and
// /metrics from one Store; see docs/http_api.md.
//
// Shutdown: SIGTERM or SIGINT (handled on a sigwait thread, never in a signal
// handler) stops accepting, lets running exports finish until
// --shutdown-grace, cuts the rest, and exits 0 once listen() has returned;
// the Store is closed only then (workers joined).
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libexport/http/export_routes.h"
#include "libexport/store.h"
#include "server_config.h"

namespace {

using libexport::app::ServerConfig;

// httplib 0.11.4 compiles a listen backlog of 5 into the .so; the listening
// socket is protected, so a subclass re-listens with a real backlog (Linux
// accepts listen() on a listening socket).
template <typename Base>
class BacklogServer : public Base {
 public:
  using Base::Base;
  void RaiseBacklog(int backlog) { ::listen(this->svr_sock_, backlog); }
};

int Serve(httplib::Server& server, const ServerConfig& config,
          std::shared_ptr<libexport::Store> store,
          const std::function<void(int)>& raise_backlog) {
  libexport::http::ConfigureServer(server, config.threads);
  server.set_read_timeout(config.read_timeout);
  server.set_write_timeout(config.write_timeout);
  server.set_keep_alive_timeout(config.keep_alive_timeout);

  libexport::http::ExportRoutesOptions options;
  options.max_clock_skew = std::chrono::seconds(config.max_clock_skew);
  options.max_stream_time = std::chrono::seconds(config.max_stream_seconds);
  options.not_found_for_other_paths = true;
  static std::mutex log_mu;
  if (config.access_log) {
    options.access_log = [](const libexport::http::AccessLogEntry& e) {
      std::string line = libexport::http::FormatAccessLogLine(e) + "\n";
      std::lock_guard<std::mutex> lock(log_mu);
      std::fwrite(line.data(), 1, line.size(), stderr);
    };
  }
  auto routes = libexport::http::MountExportRoutes(server, store, options);

  int port = config.port;
  if (port == 0) {
    port = server.bind_to_any_port(config.host);
    if (port < 0) port = 0;
  } else if (!server.bind_to_port(config.host, port)) {
    port = 0;
  }
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
  });

  std::string scheme = config.tls_cert.empty() ? "http" : "https";
  std::cout << "exportd: listening on " << scheme << "://" << config.host << ":"
            << port << " (store " << config.store << ", " << config.threads
            << " threads)" << std::endl;
  bool ok = server.listen_after_bind();
  if (!ok) {
    // listen failed without a signal: wake the signal thread ourselves.
    pthread_kill(signal_thread.native_handle(), SIGTERM);
  }
  signal_thread.join();
  std::cerr << "exportd: stopped\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ServerConfig config;
  bool help = false;
  std::string error;
  if (!libexport::app::ParseServerFlags(args, &config, &help, &error)) {
    std::cerr << "exportd: " << error << "\n" << libexport::app::ServerUsage();
    return 2;
  }
  if (help) {
    std::cout << libexport::app::ServerUsage();
    return 0;
  }

  // Block the stop signals before any thread exists, so every thread
  // inherits the mask and only the sigwait thread receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  libexport::StoreOptions store_options;
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
    BacklogServer<httplib::Server> server;
    rc = Serve(server, config, store, [&](int n) { server.RaiseBacklog(n); });
  } else {
    BacklogServer<httplib::SSLServer> server(config.tls_cert.c_str(),
                                             config.tls_key.c_str());
    if (!server.is_valid()) {
      std::cerr << "exportd: cannot load the TLS certificate or key ("
                << config.tls_cert << ", " << config.tls_key << ")\n";
      return 1;
    }
    SSL_CTX_set_min_proto_version(server.ssl_context(), TLS1_2_VERSION);
    rc = Serve(server, config, store, [&](int n) { server.RaiseBacklog(n); });
  }
  // Every worker has been joined: now the store may close.
  store.reset();
  return rc;
}
