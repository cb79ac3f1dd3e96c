// exportctl tracker export / tracker import / catalog list: a tracker moved
// to another store in one file exports and prunes exactly as before.
#include <filesystem>

#include "program_test_util.h"

namespace libexport::testing {

namespace {

constexpr const char* kAt = " --now 2026-11-29T12:00:00Z";

// `exportctl --store STORE ARGS`, which must succeed.
std::string Ctl(const std::string& store, const std::string& args,
                const TempDir& dir) {
  Ran r = RunExportctl("--store " + store + " " + args, dir);
  INFO(args << "\n" << r.err);
  REQUIRE(r.status == 0);
  return r.out;
}

}  // namespace

TEST_CASE(
    "a tracker exported to a file and imported into a fresh store exports "
    "byte-identical with and without catalog pruning",
    "[cli][tracker-file]") {
  ShopDir shop;
  const std::string a = shop.store_dir();
  const std::string b = shop.dir.Sub("fresh");
  const std::string file = shop.dir.Sub("shop.tracker.json");
  Ctl(a, "tracker export shop " + file + " --with-key", shop.dir);
  namespace fs = std::filesystem;
  CHECK((fs::status(file).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  const std::string text = ReadFile(file);
  CHECK(text.starts_with(
      "{\"libexport_tracker\":1,\"tracker\":\"shop\",\"exported_at\":\""));
  CHECK(Has(text,
            ",\"key\":\"shop-key\",\"catalog\":[\"/p/1/\",\"/p/10/\","
            "\"/p/11/\"],\"results\":[\n{"));

  Ran imported =
      RunExportctl("--store " + b + " tracker import " + file, shop.dir);
  INFO(imported.err);
  REQUIRE(imported.status == 0);
  CHECK(imported.out ==
        "imported: +6 ~0 -0 (0 unchanged, 0 skipped)\n"
        "catalog: 3 of 3 identities added\n");
  for (const std::string flags :
       {"", " --remove-nonexisting-item-pins",
        " --remove-nonexisting-item-pins --remove-expired-pins"}) {
    INFO(flags);
    const std::string before = Ctl(a, "export shop" + flags + kAt, shop.dir);
    CHECK(before.starts_with("{\"results\":[\n{"));
    CHECK(Ctl(b, "export shop" + flags + kAt, shop.dir) == before);
  }
  // Pruning really depends on the catalog here: the switch changes bytes.
  CHECK(Ctl(a, "export shop" + std::string(kAt), shop.dir) !=
        Ctl(a, "export shop --remove-nonexisting-item-pins" + std::string(kAt),
            shop.dir));
  CHECK(Ctl(b, "catalog list shop", shop.dir) == "/p/1/\n/p/10/\n/p/11/\n");
  CHECK(Ctl(b, "tracker key shop", shop.dir) ==
        Ctl(a, "tracker key shop", shop.dir));
  // The tracker, its catalog and its customizations: one write.
  const std::string log = Ctl(b, "audit-log", shop.dir);
  CHECK(log.find('\n') == log.size() - 1);
  CHECK(Has(
      log,
      R"("op":"import","tracker":"shop","inserted":6,"replaced":0,"unchanged":0,"skipped":0,"removed":0,"catalog_added":3,"tracker_key":"given"})"));
}

TEST_CASE("a tracker file without --with-key holds no key and gets a new one",
          "[cli][tracker-file]") {
  ShopDir shop;
  const std::string file = shop.dir.Sub("t.json");
  Ctl(shop.store_dir(), "tracker export shop " + file, shop.dir);
  CHECK(!Has(ReadFile(file), "shop-key"));
  CHECK(!Has(ReadFile(file), "\"key\""));
  const std::string b = shop.dir.Sub("fresh");
  const std::string out = Ctl(b, "tracker import " + file + " moved", shop.dir);
  CHECK(Has(out, "tracker moved created; its private key (the file had none)"));
  const std::string key = Ctl(b, "tracker key moved", shop.dir);
  CHECK(key.size() == 65);  // 64 hex digits and a newline
  CHECK(Ctl(b, "export moved" + std::string(kAt), shop.dir) ==
        Ctl(shop.store_dir(), "export shop" + std::string(kAt), shop.dir));
}

TEST_CASE(
    "tracker import is all or nothing: a bad record or a conflict leaves the "
    "tracker and its catalog as they were",
    "[cli][tracker-file]") {
  ShopDir shop;
  const std::string store = shop.store_dir();
  const std::string file = shop.dir.Sub("t.json");
  Ctl(store, "tracker export shop " + file, shop.dir);

  SECTION("into a new tracker: nothing is created") {
    std::string text = ReadFile(file);
    const size_t at = text.find("\"model\":\"");
    REQUIRE(at != std::string::npos);
    // Valid JSON, a bad customization: model must be a string.
    text.replace(at, 9, "\"model\":17,\"x\":\"");
    const std::string bad = shop.dir.Sub("bad.json");
    std::ofstream(bad) << text;
    Ran r = RunExportctl(
        "--store " + store + " tracker import " + bad + " newone", shop.dir);
    CHECK(r.status == 1);
    CHECK(Has(r.err, "exportctl: import failed: "));
    CHECK(Has(r.err, "nothing was imported"));
    CHECK(!Has(Ctl(store, "tracker list", shop.dir), "newone"));
    CHECK(Ctl(store, "audit-log --tracker newone", shop.dir).empty());
  }
  SECTION("into an existing tracker: a conflict adds no catalog identity") {
    // `other` has 2 catalog identities; the file would add /p/1/, /p/10/,
    // /p/11/ and its 6 customizations, then meets an id twice.
    Ctl(store, "import other " + file + " --format json --on-conflict ignore",
        shop.dir);
    const std::string catalog = Ctl(store, "catalog list other", shop.dir);
    const std::string exported =
        Ctl(store, "export other" + std::string(kAt), shop.dir);
    const std::string log = Ctl(store, "audit-log --tracker other", shop.dir);
    Ran r = RunExportctl(
        "--store " + store + " tracker import " + file + " other", shop.dir);
    CHECK(r.status == 1);
    CHECK(Has(r.err, "already exist"));
    CHECK(Ctl(store, "catalog list other", shop.dir) == catalog);
    CHECK(Ctl(store, "export other" + std::string(kAt), shop.dir) == exported);
    // One transaction, rolled back: no catalog written and taken back again
    // (that would be two audit log entries and two catalog changes).
    CHECK(Ctl(store, "audit-log --tracker other", shop.dir) == log);
  }
  SECTION("a bad catalog identity in the file changes nothing") {
    std::string text = ReadFile(file);
    const size_t at = text.find("\"catalog\":[");
    REQUIRE(at != std::string::npos);
    text.insert(at + 11, "\"" + std::string(1025, 'x') + "\",");
    const std::string bad = shop.dir.Sub("bad.json");
    std::ofstream(bad) << text;
    const std::string log = Ctl(store, "audit-log", shop.dir);
    Ran r = RunExportctl(
        "--store " + store + " tracker import " + bad + " newone", shop.dir);
    CHECK(r.status == 1);
    CHECK(Has(r.err, "1025 bytes"));
    CHECK(!Has(Ctl(store, "tracker list", shop.dir), "newone"));
    CHECK(Ctl(store, "audit-log", shop.dir) == log);
  }
  SECTION("a file that is not a tracker export is named") {
    const std::string doc = shop.dir.Sub("doc.json");
    std::ofstream(doc) << Ctl(store, "export shop", shop.dir);
    Ran r =
        RunExportctl("--store " + store + " tracker import " + doc, shop.dir);
    CHECK(r.status == 1);
    CHECK(Has(r.err, doc + ": not a tracker export file"));
  }
}

TEST_CASE("catalog list prints a tracker's catalog sorted, one a line",
          "[cli][tracker-file]") {
  ShopDir shop;
  CHECK(Ctl(shop.store_dir(), "catalog list other", shop.dir) ==
        "/p/12/\n/p/missing/\n");
  Ran r = RunExportctl("--store " + shop.store_dir() + " catalog list nope",
                       shop.dir);
  CHECK(r.status == 1);
  CHECK(Has(r.err, "nope"));
}

}  // namespace libexport::testing
