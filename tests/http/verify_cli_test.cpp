// exportctl verify --all: what the daily timer (deploy/exportctl-verify.*)
// runs over the whole store, and what it does with a damaged LMDB page.
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "program_test_util.h"

namespace libexport::testing {

TEST_CASE("exportctl verify --all checks every tracker, one line each",
          "[cli][verify]") {
  ShopDir shop;
  const std::string store = "--store " + shop.store_dir();
  Ran all = RunExportctl(store + " verify --all", shop.dir);
  INFO(all.err);
  CHECK(all.status == 0);
  // Each line is the tracker's own `verify TRACKER` line (index_entries
  // depends on the index layout, so it is compared, not spelt out).
  Ran shop_only = RunExportctl(store + " verify shop", shop.dir);
  Ran other_only = RunExportctl(store + " verify other", shop.dir);
  REQUIRE(shop_only.out.starts_with("records=6 index_entries="));
  REQUIRE(shop_only.out.ends_with(" catalog_items=3\nok\n"));
  REQUIRE(other_only.out.starts_with("records=1 index_entries="));
  REQUIRE(other_only.out.ends_with(" catalog_items=2\nok\n"));
  auto first_line = [](const std::string& s) {
    return s.substr(0, s.find('\n') + 1);
  };
  // LoadShop's writes: 2 trackers, 2 imports, 2 catalog changes.
  CHECK(all.out == "other: " + first_line(other_only.out) +
                       "shop: " + first_line(shop_only.out) +
                       "audit log: entries=6\nok\n");
}

TEST_CASE("exportctl verify wants a tracker or --all, not both",
          "[cli][verify]") {
  ShopDir shop;
  const std::string store = "--store " + shop.store_dir();
  Ran none = RunExportctl(store + " verify", shop.dir);
  CHECK(none.status == 2);
  CHECK(none.err.find("give a TRACKER or --all") != std::string::npos);
  Ran both = RunExportctl(store + " verify shop --all", shop.dir);
  CHECK(both.status == 2);
  CHECK(both.err.find("excludes") != std::string::npos);
  CHECK(both.out.empty());
}

TEST_CASE(
    "regression: exportctl export of a store with damaged records exits 1 "
    "saying how many it left out, instead of exit 0",
    "[cli][verify][regression]") {
  ShopDir shop;
  const std::string store = "--store " + shop.store_dir();
  // Every copy in data.mdb of the three basket records of "shop" (kIn1,
  // kIn2, kIn5), freed pages included: their checksums no longer match.
  const std::string data = shop.store_dir() + "/data.mdb";
  std::string bytes;
  {
    std::ifstream in(data, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string from = R"("model":"basket")", to = R"("model":"casket")";
  size_t flipped = 0;
  for (size_t at = bytes.find(from); at != std::string::npos;
       at = bytes.find(from, at + 1)) {
    bytes.replace(at, from.size(), to);
    ++flipped;
  }
  REQUIRE(flipped >= 3);
  {
    std::ofstream out(data, std::ios::binary | std::ios::in);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  Ran e =
      RunExportctl(store + " export shop --now 2026-11-29T12:00:00Z", shop.dir);
  INFO(e.err);
  CHECK(e.status == 1);
  CHECK(e.err.find("3 stored record(s) are damaged and were left out") !=
        std::string::npos);
  CHECK(e.err.find("exportctl verify shop") != std::string::npos);
  // What it wrote is the valid document of the intact records.
  CHECK(e.out == Doc({kOut3, kOut4, kOut6}));
  Ran v = RunExportctl(store + " verify shop", shop.dir);
  CHECK(v.status == 1);
}

TEST_CASE(
    "exportctl verify reports a damaged LMDB page instead of aborting with "
    "LMDB's assertion",
    "[cli][verify][faults]") {
  TempDir dir;
  const std::string store = dir.Sub("store");
  int status = -1;
  Exportctl("--store " + store +
                " demo --tracker t --customizations 3000 --catalog 3000 "
                "--seed 1 >/dev/null",
            &status);
  REQUIRE(status == 0);
  // Clear the flags of the middle leaf page of the file: reaching it from
  // its neighbour, mdb_cursor_next asserts IS_LEAF and aborts.
  const std::string file = store + "/data.mdb";
  std::string data = ReadFile(file);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<size_t> leaves;
  for (size_t p = 2; (p + 1) * page <= data.size(); ++p) {
    if (data[p * page + 10] == 0x02 && data[p * page + 11] == 0) {
      leaves.push_back(p);
    }
  }
  REQUIRE(leaves.size() > 100);
  data[leaves[leaves.size() / 2] * page + 10] = 0;
  WriteFile(file, data);

  Ran v = RunExportctl("--store " + store + " verify --all", dir);
  INFO(v.err);
  CHECK(v.status == 1);  // a report, not 134 (abort) from the shell
  CHECK(Has(v.err, "Assertion"));
  CHECK(Has(v.err,
            "problem: tracker t: the store has a damaged LMDB page: reading "
            "it stopped the check (signal 6, Aborted;"));
  CHECK(Has(v.err, "restore it from a backup"));
  CHECK_FALSE(Has(v.out, "ok\n"));
}

}  // namespace libexport::testing
