// exportctl diff A B: added, removed and changed customizations, with the
// names of the fields that changed.
#include "program_test_util.h"

namespace libexport::testing {

TEST_CASE("exportctl diff lists added, removed and changed ids with fields",
          "[cli][diff]") {
  TempDir dir;
  // A as an export document, B as NDJSON: the forms do not matter.
  std::ofstream(dir.Sub("a.json"))
      << "{\"results\":[{\"id\":\"a1\",\"model\":\"m\",\"tags\":[\"x\"]},"
         "{\"id\":\"b2\",\"model\":\"m\",\"tags\":[]},"
         "{\"id\":\"c3\",\"model\":\"m\",\"tags\":[\"x\"],\"available\":true,"
         "\"pin_definitions\":[{\"n\":1}]}]}";
  std::ofstream(dir.Sub("b.ndjson"))
      << "{\"id\":\"b2\",\"tags\":[],\"model\":\"m\"}\n"
         "{\"id\":\"c3\",\"model\":\"n\",\"tags\":[\"x\"],\"available\":false,"
         "\"pin_definitions\":[{\"n\":1}],\"extra\":null}\n"
         "{\"id\":\"d4\",\"model\":\"m\"}\n";
  Ran r = RunExportctl("diff " + dir.Sub("a.json") + " " + dir.Sub("b.ndjson"),
                       dir);
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out ==
        "removed a1\n"
        "changed c3: available, extra, model\n"
        "added   d4\n"
        "1 added, 1 removed, 1 changed, 1 unchanged\n");

  SECTION("--ignore leaves fields out of the comparison") {
    Ran ignored =
        RunExportctl("diff " + dir.Sub("a.json") + " " + dir.Sub("b.ndjson") +
                         " --ignore available --ignore extra",
                     dir);
    CHECK(ignored.out ==
          "removed a1\n"
          "changed c3: model\n"
          "added   d4\n"
          "1 added, 1 removed, 1 changed, 1 unchanged\n");
  }
  SECTION("an export compared with itself has no difference") {
    Ran same = RunExportctl(
        "diff " + dir.Sub("a.json") + " " + dir.Sub("a.json"), dir);
    CHECK(same.out == "0 added, 0 removed, 0 changed, 3 unchanged\n");
  }
  SECTION("a record without an id is named") {
    std::ofstream(dir.Sub("bad.ndjson")) << "{\"id\":\"a\"}\n{\"model\":1}\n";
    Ran bad = RunExportctl(
        "diff " + dir.Sub("a.json") + " " + dir.Sub("bad.ndjson"), dir);
    CHECK(bad.status == 1);
    CHECK(bad.err == "exportctl: " + dir.Sub("bad.ndjson") +
                         ": record 2 is not an object with a string id\n");
  }
}

}  // namespace libexport::testing
