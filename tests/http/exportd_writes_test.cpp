// exportd's flags for the write side: every route group by default,
// --read-only, --routes.
#include <catch2/catch.hpp>
#include <string>

#include "http_test_util.h"
#include "libexport/http/signed_client.h"
#include "program_test_util.h"

namespace libexport::testing {
namespace {

// A signed create of one customization (exportd checks Date against the
// real clock).
int Create(const Exportd& d) {
  httplib::Client client(d.url());
  const std::string path = libexport::http::TrackerPath("shop", "scope");
  auto h = libexport::http::SignRequest("shop", "shop-key", "POST", path,
                                        kJsonType, FormatHttpDate(SystemNow()));
  auto r = client.Post(
      path.c_str(), {{"Date", h.date}, {"Authorization", h.authorization}},
      R"({"model":"home","target_type":"all","pin_definitions":[]})",
      kJsonType);
  REQUIRE(r);
  return r->status;
}

TEST_CASE(
    "exportd serves the write routes, answers 403 with --read-only and 404 "
    "with --routes export+changes",
    "[exportd][write]") {
  ShopDir shop;
  {
    Exportd d(shop.store_dir(), shop.dir.Sub("all.log"));
    CHECK(Create(d) == 201);
  }
  {
    Exportd d(shop.store_dir(), shop.dir.Sub("ro.log"), {"--read-only"});
    CHECK(Create(d) == 403);
  }
  {
    Exportd d(shop.store_dir(), shop.dir.Sub("ec.log"),
              {"--routes", "export+changes"});
    CHECK(Create(d) == 404);
  }
}

}  // namespace
}  // namespace libexport::testing
