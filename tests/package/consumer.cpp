// A host program as a user of libexport writes it, built by the package
// tests against an installed libexport (find_package) and against its
// sources (add_subdirectory), as C++17: it opens a store with one tracker,
// one customization and a catalog, mounts the export routes into its own
// httplib::Server beside a route of its own, and asks both over loopback,
// the export with a signed request. Exits 0 when both answers are what a
// user expects, 1 (with the difference on stderr) otherwise.
//
//   consumer WORK_DIR
#include <httplib.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "libexport/http/export_routes.h"
#include "libexport/http/signed_client.h"
#include "libexport/store.h"
#include "libexport/time.h"
#include "libexport/version.h"

static_assert(__cplusplus == 201703L, "the consumer is built as C++17");

namespace {

constexpr const char* kCustomization =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket",)"
    R"("target_type":"all","tags":["home"],"pin_definitions":[)"
    R"({"position":1,"pin_type":"item","pin_identity":"/p/1/"},)"
    R"({"position":2,"pin_type":"item","pin_identity":"/p/gone/"}],)"
    R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";

// The pin of /p/gone/ (not in the catalog) is pruned; defaults are written
// out; `available` is computed.
constexpr const char* kExpectedExport =
    "{\"results\":[\n"
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket",)"
    R"("target_type":"all","tags":["home"],"pin_definitions":[)"
    R"({"position":1,"pin_type":"item","pin_identity":"/p/1/",)"
    R"("is_block_pin":false,"is_bundle_pin":false}],)"
    R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z",)"
    R"("available":true})"
    "\n]}\n";

bool Check(bool ok, const std::string& what, const std::string& got) {
  if (!ok) std::cerr << "consumer: " << what << "; got:\n" << got << "\n";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer WORK_DIR\n";
    return 2;
  }
  auto opened = libexport::Store::Open(std::string(argv[1]) + "/store");
  if (!opened.ok()) return Check(false, "open", opened.status().ToString());
  std::shared_ptr<libexport::Store> store = *opened;
  const libexport::Timestamp now{1767225600, 0};  // 2026-01-01T00:00:00Z
  auto key = store->AddTracker("shop", std::string("shop-key"));
  auto put = store->Put("shop", kCustomization,
                        libexport::Store::PutMode::kCreate, now);
  libexport::Status catalog = store->AddCatalogItems("shop", {"/p/1/"});
  if (!key.ok() || !put.ok() || !catalog.ok()) {
    return Check(false, "set up the store",
                 key.status().ToString() + " " + put.status().ToString() + " " +
                     catalog.ToString());
  }

  httplib::Server server;
  server.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello from the host", "text/plain");
  });
  auto routes = libexport::http::MountExportRoutes(server, store, {});
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return Check(false, "bind 127.0.0.1:0", "");
  std::thread listener([&] { server.listen_after_bind(); });
  // The socket already listens (bind_to_any_port), so a request now would
  // wait in the backlog; still, be served by a running server.
  for (int i = 0; i < 5000 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  bool ok = true;
  auto hello = client.Get("/hello");
  ok &= Check(
      hello && hello->status == 200 && hello->body == "hello from the host",
      "GET /hello, the host's own route",
      hello ? std::to_string(hello->status) + " " + hello->body
            : httplib::to_string(hello.error()));

  const std::string path = libexport::http::ExportPath("shop");
  auto signed_headers = libexport::http::SignRequest(
      "shop", "shop-key", "POST", path, "application/json; charset=utf-8",
      libexport::FormatHttpDate(libexport::SystemNow()));
  httplib::Headers headers = {{"Date", signed_headers.date},
                              {"Authorization", signed_headers.authorization}};
  auto exported =
      client.Post((path + "?remove_nonexisting_item_pins=true").c_str(),
                  headers, "", signed_headers.content_type.c_str());
  ok &= Check(
      exported && exported->status == 200 && exported->body == kExpectedExport,
      "the signed export",
      exported ? std::to_string(exported->status) + " " + exported->body
               : httplib::to_string(exported.error()));

  server.stop();
  listener.join();
  if (ok) {
    std::cout << "consumer: libexport " << libexport::kVersion
              << " served its own route and a signed export\n";
  }
  return ok ? 0 : 1;
}
