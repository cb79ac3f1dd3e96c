// exportctl backup DIR writes a manifest beside the copy; backup --verify
// DIR finds a changed, truncated or missing file and names it.
#include <filesystem>

#include "program_test_util.h"

namespace libexport::testing {

TEST_CASE(
    "the backup manifest names version, format, trackers and the copy's "
    "sha256, and --verify detects a changed byte",
    "[cli][backup]") {
  ShopDir shop;
  const std::string dir = shop.dir.Sub("backup");
  Ran r =
      RunExportctl("--store " + shop.store_dir() + " backup " + dir, shop.dir);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "backup written to " + dir + " (manifest: " + dir +
                     "/manifest.json)\n");
  CHECK(!std::filesystem::exists(dir + "/lock.mdb"));
  const std::string manifest = ReadFile(dir + "/manifest.json");
  INFO(manifest);
  const std::string data = dir + "/data.mdb";
  const std::string sha =
      RunShell("sha256sum " + data + " | cut -c1-64", &r.status);
  REQUIRE(sha.size() == 65);
  CHECK(Has(manifest, "{\"name\": \"data.mdb\", \"bytes\": " +
                          std::to_string(std::filesystem::file_size(data)) +
                          ", \"sha256\": \"" + sha.substr(0, 64) + "\"}"));
  CHECK(Has(manifest, "\"libexport_version\": \"" +
                          std::string(LIBEXPORT_EXPECTED_VERSION) + "\""));
  CHECK(Has(manifest, "\"store_format\": \"libexport-store "));
  CHECK(Has(manifest,
            "{\"tracker\": \"other\", \"customizations\": 1, "
            "\"catalog_items\": 2},\n    {\"tracker\": \"shop\", "
            "\"customizations\": 6, \"catalog_items\": 3}"));

  Ran ok = RunExportctl("backup --verify " + dir, shop.dir);
  CHECK(ok.status == 0);
  CHECK(ok.out.starts_with("ok: 1 file(s), 2 tracker(s), libexport "));
  // The copy opens as a store and lists what the manifest says.
  CHECK(RunExportctl("--store " + dir + " tracker list", shop.dir).out ==
        "other\tcustomizations=1\tcatalog=2\n"
        "shop\tcustomizations=6\tcatalog=3\n");
  std::filesystem::remove(dir + "/lock.mdb");

  SECTION("one changed byte") {
    std::fstream f(data, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(4096 + 100);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x01);
    f.seekp(4096 + 100);
    f.write(&c, 1);
    f.close();
    Ran bad = RunExportctl("backup --verify " + dir, shop.dir);
    CHECK(bad.status == 1);
    CHECK(bad.out.empty());
    CHECK(bad.err == "problem: " + data +
                         ": sha256 differs from the manifest (the file "
                         "changed after the backup)\nexportctl: backup " +
                         dir + " is damaged\n");
  }
  SECTION("a truncated copy") {
    std::filesystem::resize_file(data, 4096);
    Ran bad = RunExportctl("backup --verify " + dir, shop.dir);
    CHECK(bad.status == 1);
    CHECK(
        Has(bad.err, "problem: " + data + ": 4096 bytes, the manifest says "));
  }
  SECTION("a missing copy") {
    std::filesystem::remove(data);
    Ran bad = RunExportctl("backup --verify " + dir, shop.dir);
    CHECK(bad.status == 1);
    CHECK(Has(bad.err,
              "problem: missing " + data + ": No such file or directory"));
  }
  SECTION("a directory without a manifest") {
    Ran bad = RunExportctl("backup --verify " + shop.store_dir(), shop.dir);
    CHECK(bad.status == 1);
    CHECK(Has(bad.err, "manifest.json: No such file or directory"));
  }
}

}  // namespace libexport::testing
