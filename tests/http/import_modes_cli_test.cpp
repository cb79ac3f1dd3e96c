// exportctl import --replace / --dry-run / --verbose: the summary line an
// operator reads, and a dry run that leaves the store as it was.
#include <fstream>

#include "program_test_util.h"

namespace libexport::testing {
namespace {

std::string Rec(uint64_t n, std::string_view model) {
  return R"({"id":")" + TestId(n) + R"(","model":")" + std::string(model) +
         R"(","target_type":"all","pin_definitions":[],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-01T00:00:00Z"})"
         "\n";
}

// A store with tracker t holding records 1, 2 and 3 (model m).
struct CliStore {
  CliStore() {
    WriteFile(dir.Sub("old.ndjson"), Rec(1, "m") + Rec(2, "m") + Rec(3, "m"));
    // 1 unchanged, 2 changed, 3 gone, 4 and 5 new.
    WriteFile(dir.Sub("new.ndjson"),
              Rec(1, "m") + Rec(2, "n") + Rec(4, "m") + Rec(5, "m"));
    REQUIRE(Run("tracker add t --allow-short-key --key k").status == 0);
    REQUIRE(Run("import t " + dir.Sub("old.ndjson")).out ==
            "imported: +3 ~0 -0 (0 unchanged, 0 skipped)\n");
  }
  Ran Run(const std::string& args) const {
    return RunExportctl("--store " + dir.Sub("store") + " " + args, dir);
  }
  std::string Export() const {
    Ran r = Run("export t --now 2026-11-29T12:00:00Z");
    REQUIRE(r.status == 0);
    return r.out;
  }
  TempDir dir;
};

TEST_CASE("import --replace prints +new ~changed -removed and replaces",
          "[cli][import]") {
  CliStore s;
  Ran r = s.Run("import t --replace " + s.dir.Sub("new.ndjson"));
  CHECK(r.status == 0);
  CHECK(r.out == "imported: +2 ~1 -1 (1 unchanged, 0 skipped)\n");
  const std::string exported = s.Export();
  CHECK(exported.find(TestId(3)) == std::string::npos);
  CHECK(exported.find(TestId(5)) != std::string::npos);
}

TEST_CASE("import --dry-run --verbose lists the ids and changes nothing",
          "[cli][import]") {
  CliStore s;
  const std::string before = s.Export();
  Ran r = s.Run("import t --replace --dry-run --verbose " +
                s.dir.Sub("new.ndjson"));
  CHECK(r.status == 0);
  CHECK(r.out ==
        "dry run: +2 ~1 -1 (1 unchanged, 0 skipped, 0 rejected); nothing "
        "changed\n"
        "+ " +
            TestId(4) + "\n" + "+ " + TestId(5) + "\n" + "~ " + TestId(2) +
            "\n" + "- " + TestId(3) + "\n");
  CHECK(s.Export() == before);
}

TEST_CASE("import --dry-run of a bad file names the record and exits 1",
          "[cli][import]") {
  CliStore s;
  const std::string before = s.Export();
  WriteFile(s.dir.Sub("bad.ndjson"),
            Rec(4, "m") + R"({"model":"m","target_type":"all"})" + "\n");
  Ran r = s.Run("import t --replace --dry-run " + s.dir.Sub("bad.ndjson"));
  CHECK(r.status == 1);
  CHECK(r.err ==
        "exportctl: import would fail: 1 invalid record(s); nothing was "
        "imported\n"
        "  line 2: pin_definitions: is required: an array of pins (may be "
        "empty)\n");
  CHECK(r.out ==
        "dry run: +1 ~0 -3 (0 unchanged, 0 skipped, 1 rejected); nothing "
        "changed\n");
  CHECK(s.Export() == before);
}

}  // namespace
}  // namespace libexport::testing
