// `exportctl catalog add` reads one identity per line: a UTF-8 byte order
// mark and a CRLF's CR are not part of an identity, and a line of only
// whitespace is refused naming the line (it used to become an identity, and
// the BOM became part of the first one, so pins to it were pruned).
#include <fstream>

#include "http_test_util.h"

namespace libexport::testing {
namespace {

std::string Exportctl(const std::string& args, int* status) {
  return RunShell(std::string(EXPORTCTL_BIN) + " " + args + " 2>&1", status);
}

struct CatalogDir {
  CatalogDir() {
    auto opened = Store::Open(store_dir());
    REQUIRE_OK(opened);
    REQUIRE_OK((*opened)->AddTracker("t", "k"));
  }
  std::string store_dir() const { return dir.Sub("store"); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(dir.Sub(name), std::ios::binary) << text;
    return dir.Sub(name);
  }
  // Whether the tracker's catalog holds `identity` (the store is reopened
  // after exportctl closed it).
  bool Contains(const std::string& identity) const {
    auto opened = Store::Open(store_dir());
    REQUIRE_OK(opened);
    auto has = (*opened)->CatalogContains("t", identity);
    REQUIRE_OK(has);
    return has.value();
  }
  TempDir dir;
};

TEST_CASE("catalog add strips a UTF-8 BOM and the CR of CRLF lines",
          "[cli][regression]") {
  CatalogDir d;
  const std::string file =
      d.Write("ids.txt", "\xEF\xBB\xBF/p/1/\r\n/p/2/\r\n\r\n/p/ 3/\n");
  int status = -1;
  const std::string out =
      Exportctl("--store " + d.store_dir() + " catalog add t " + file, &status);
  INFO(out);
  CHECK(status == 0);
  CHECK(out == "added 3 of 3 identities\n");
  CHECK(d.Contains("/p/1/"));
  CHECK_FALSE(d.Contains("\xEF\xBB\xBF/p/1/"));
  CHECK(d.Contains("/p/2/"));
  CHECK(d.Contains("/p/ 3/"));  // inner spaces are part of an identity
}

TEST_CASE("catalog add refuses a whitespace-only line, naming it",
          "[cli][regression]") {
  CatalogDir d;
  const std::string file = d.Write("ids.txt", "/p/1/\n\n \t\n/p/2/\n");
  int status = -1;
  const std::string out =
      Exportctl("--store " + d.store_dir() + " catalog add t " + file, &status);
  INFO(out);
  CHECK(status == 1);
  CHECK(out.find("line 3: the identity is only whitespace; nothing changed") !=
        std::string::npos);
  CHECK_FALSE(d.Contains("/p/1/"));  // nothing changed
}

}  // namespace
}  // namespace libexport::testing
