// A host C++ server that adds the export endpoint to its own routes.
//
//   host_server_example STORE_DIR [PORT]     (PORT 0 or absent: any free port)
//
// It serves its own GET /hello, plus everything MountExportRoutes adds:
// POST /v1/recommender/pin/{TRACKER_ID}/scopes/export, /healthz, /metrics.
#include <cstdlib>
#include <iostream>

#include "libexport/http/export_routes.h"
#include "libexport/store.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: host_server_example STORE_DIR [PORT]\n";
    return 2;
  }
  auto store = libexport::Store::Open(argv[1]);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }

  httplib::Server server;
  libexport::http::ConfigureServer(server);  // TCP_NODELAY, 64 workers, ...
  server.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello from the host\n", "text/plain");
  });
  auto routes = libexport::http::MountExportRoutes(server, *store);

  int port = argc > 2 ? std::atoi(argv[2]) : 0;
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port < 0) {
    std::cerr << "cannot bind\n";
    return 1;
  }
  std::cout << "listening on http://127.0.0.1:" << port << std::endl;
  return server.listen_after_bind() ? 0 : 1;
}
