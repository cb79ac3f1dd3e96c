// Helpers for the write routes' tests: a server with every route group
// mounted over a store holding the "shop" fixture, and signed requests of
// any method.
#ifndef LIBEXPORT_TESTS_HTTP_WRITE_TEST_UTIL_H_
#define LIBEXPORT_TESTS_HTTP_WRITE_TEST_UTIL_H_

#include <memory>
#include <string>

#include "http_test_util.h"
#include "libexport/http/signed_client.h"
#include "shop_fixture.h"

namespace libexport::testing {

inline libexport::http::ExportRoutesOptions AllRoutes() {
  libexport::http::ExportRoutesOptions o;
  o.route_groups = libexport::http::ExportRoutesOptions::RouteGroups::kAll;
  return o;
}

struct WriteServer {
  explicit WriteServer(
      libexport::http::ExportRoutesOptions options = AllRoutes(),
      bool fixed_clock = true) {
    REQUIRE_OK(store->AddTracker("shop", std::string("shop-key")));
    for (auto in : {kIn1, kIn2, kIn3, kIn4, kIn5, kIn6})
      REQUIRE_OK(store->Put("shop", in, Store::PutMode::kCreate, kNow));
    fixed_clock_ = fixed_clock;
    server = std::make_unique<LiveServer>(store.store, options, fixed_clock);
    client = std::make_unique<httplib::Client>(server->url());
    client->set_read_timeout(30);
  }

  // A request signed for `method` and `rest` (TrackerPath) with the query
  // appended after signing; `content_type` is sent (and signed) unless
  // empty, when none is sent and "" is signed.
  httplib::Result Send(const std::string& method, const std::string& rest,
                       const std::string& query = "",
                       const std::string& body = "",
                       const std::string& content_type = kJsonType,
                       const std::string& tracker = "shop",
                       const std::string& key = "shop-key") {
    const std::string path = libexport::http::TrackerPath(tracker, rest);
    auto signed_headers = libexport::http::SignRequest(
        tracker, key, method, path, content_type,
        FormatHttpDate(fixed_clock_ ? kNow : SystemNow()));
    httplib::Request req;
    req.method = method;
    req.path = path + query;
    req.headers = {{"Date", signed_headers.date},
                   {"Authorization", signed_headers.authorization}};
    if (!content_type.empty()) req.set_header("Content-Type", content_type);
    req.body = body;
    return client->send(req);
  }

  bool fixed_clock_ = true;
  TestStore store;
  std::unique_ptr<LiveServer> server;
  std::unique_ptr<httplib::Client> client;
};

inline constexpr const char* kNdjsonType = "application/x-ndjson";

}  // namespace libexport::testing

#endif  // LIBEXPORT_TESTS_HTTP_WRITE_TEST_UTIL_H_
