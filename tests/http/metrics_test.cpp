// GET /metrics of a running exportd: what operators alert on, checked by
// Prometheus' own linter (Debian's prometheus package ships promtool).
#include "program_test_util.h"

namespace libexport::testing {

namespace {

// The value of the sample line that starts with `series` ("name{...}").
double Sample(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE(
    "promtool check metrics accepts a real /metrics scrape with the store, "
    "process and build families",
    "[exportd][metrics]") {
  int status = -1;
  RunShell("command -v promtool", &status);
  // promtool comes with PACKAGES (scripts/common.sh): its absence is a
  // broken setup, not a skip.
  REQUIRE(status == 0);

  ShopDir shop;
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  httplib::Client c("127.0.0.1", d.port);
  const std::string path = libexport::http::ExportPath("shop");
  auto exported = c.Post(
      path.c_str(),
      SignedHeaders("shop", "shop-key", path, FormatHttpDate(SystemNow())), "",
      kJsonType);
  REQUIRE(exported);
  CHECK(exported->status == 200);
  REQUIRE(c.Get("/nope"));
  auto scrape = c.Get("/metrics");
  REQUIRE(scrape);
  REQUIRE(scrape->status == 200);
  const std::string& text = scrape->body;
  INFO(text);

  const std::string file = shop.dir.Sub("metrics.txt");
  {
    std::ofstream out(file);
    out << text;
  }
  const std::string lint =
      RunShell("promtool check metrics < " + file + " 2>&1", &status);
  INFO(lint);
  CHECK(status == 0);
  CHECK(lint.empty());

  CHECK(text.find("libexport_build_info{version=\"" +
                  std::string(LIBEXPORT_EXPECTED_VERSION) + "\"") !=
        std::string::npos);
  CHECK(Sample(text, "libexport_store_customizations{tracker=\"shop\"}") == 6);
  CHECK(Sample(text, "libexport_store_customizations{tracker=\"other\"}") == 1);
  CHECK(Sample(text, "libexport_store_catalog_items{tracker=\"shop\"}") == 3);
  CHECK(Sample(text, "libexport_store_trackers") == 2);
  CHECK(Sample(text, "libexport_store_map_size_bytes") > 0);
  CHECK(Sample(text, "libexport_store_used_bytes") > 0);
  CHECK(Sample(text, "libexport_store_used_bytes") <=
        Sample(text, "libexport_store_map_size_bytes"));
  CHECK(Sample(text, "libexport_store_reader_slots_max") == 512);
  CHECK(Sample(text, "libexport_store_reader_slots_used") >= 0);
  CHECK(Sample(text, "libexport_export_records_corrupt_total") == 0);
  CHECK(Sample(text,
               "libexport_http_export_streams_aborted_total{reason="
               "\"client_gone\"}") == 0);
  // The process is exportd, not this test: its RSS is that of a small
  // server, its start time within the last minute.
  CHECK(Sample(text, "process_resident_memory_bytes") > 1 << 20);
  CHECK(Sample(text, "process_open_fds") >= 4);
  CHECK(Sample(text, "process_max_fds") >= Sample(text, "process_open_fds"));
  CHECK(Sample(text, "process_cpu_seconds_total") >= 0);
  const double started = Sample(text, "process_start_time_seconds");
  const double now = static_cast<double>(SystemNow().seconds);
  CHECK(started > now - 60);
  CHECK(started <= now + 1);
}

}  // namespace libexport::testing
