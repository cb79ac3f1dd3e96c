// exportctl audit-log as an operator runs it: each write of exportctl is
// in it with --actor or the OS user, filtered by --since and --tracker, as
// NDJSON; --set-retention drops old entries.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "program_test_util.h"

namespace libexport::testing {
namespace {

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_CASE(
    "exportctl audit-log prints every exportctl write as one JSON line with "
    "its actor",
    "[exportctl][audit_log]") {
  TempDir dir;
  const std::string store = "--store " + dir.Sub("store");
  const std::string doc = dir.Sub("doc.ndjson");
  std::ofstream(doc)
      << (R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[]})"
          "\n");
  Ran add = RunExportctl(store + " --actor alice tracker add t", dir);
  REQUIRE(add.status == 0);
  REQUIRE(RunExportctl(store + " tracker add u --actor=bob", dir).status == 0);
  REQUIRE(
      RunExportctl(store + " import t " + doc + " --actor 'carol (ops)'", dir)
          .status == 0);
  REQUIRE(RunCaptured(
              "printf '/p/1/\\n/p/2/\\n' | EXPORTCTL_ACTOR=dave " EXPORTCTL_BIN
              " " +
                  store + " catalog add u -",
              dir)
              .status == 0);
  // Without --actor: the OS user of the process.
  REQUIRE(RunExportctl(store + " tracker rotate-key u", dir).status == 0);
  int status = -1;
  std::string user = RunShell("id -un", &status);
  REQUIRE(status == 0);
  user.pop_back();  // the newline

  Ran log = RunExportctl(store + " audit-log", dir);
  INFO(log.err);
  REQUIRE(log.status == 0);
  const std::vector<std::string> lines = SplitLines(log.out);
  REQUIRE(lines.size() == 5);
  CHECK(Has(
      lines[0],
      R"("actor":"alice","op":"tracker_add","tracker":"t","key":"generated"})"));
  CHECK(Has(lines[1], R"("actor":"bob","op":"tracker_add","tracker":"u")"));
  CHECK(Has(
      lines[2],
      R"x("actor":"carol (ops)","op":"import","tracker":"t","inserted":1,)x"));
  CHECK(Has(
      lines[3],
      R"("actor":"dave","op":"catalog_add","tracker":"u","requested":2,"changed":2,"identities":["/p/1/","/p/2/"]})"));
  CHECK(Has(lines[4],
            R"("actor":")" + user +
                R"(","op":"rotate_key","tracker":"u","key":"generated"})"));
  for (const std::string& line : lines) {
    CHECK(line.starts_with(R"({"time":")"));
    CHECK(line.ends_with("}"));
  }

  Ran t_only = RunExportctl(store + " audit-log --tracker t", dir);
  CHECK(t_only.status == 0);
  CHECK(t_only.out == lines[0] + "\n" + lines[2] + "\n");
  // Every entry is from the last minute; none from the future.
  Ran future =
      RunExportctl(store + " audit-log --since 2999-01-01T00:00:00Z", dir);
  CHECK(future.status == 0);
  CHECK(future.out.empty());
  Ran past = RunExportctl(
      store + " audit-log --since 2000-01-01T00:00:00Z --tracker u", dir);
  CHECK(past.out == lines[1] + "\n" + lines[3] + "\n" + lines[4] + "\n");
  Ran bad = RunExportctl(store + " audit-log --since yesterday", dir);
  CHECK(bad.status == 2);
  CHECK(Has(bad.err, "--since: "));
}

TEST_CASE(
    "exportctl audit-log --set-retention keeps the store's entries that long "
    "and refuses what is not a duration",
    "[exportctl][audit_log]") {
  ShopDir shop;
  const std::string store = "--store " + shop.store_dir();
  Ran keep = RunExportctl(store + " audit-log --set-retention 30d", shop.dir);
  INFO(keep.err);
  CHECK(keep.status == 0);
  CHECK(
      Has(keep.err, "audit log retention: 2592000 s; 0 older entries removed"));
  auto opened = Store::Open(shop.store_dir());
  REQUIRE_OK(opened);
  CHECK(opened.value()->AuditLogRetention().value() ==
        std::chrono::seconds(2592000));
  opened = Status::NotFound("closed");  // closes the store
  for (const char* wrong : {"30", "d", "1w", "-5d", "5.5h"}) {
    Ran bad = RunExportctl(
        store + " audit-log --set-retention=" + std::string(wrong), shop.dir);
    INFO(wrong);
    CHECK(bad.status == 2);
    CHECK(Has(bad.err, "is not a duration"));
  }
  Ran mixed = RunExportctl(
      store + " audit-log --set-retention 1d --tracker shop", shop.dir);
  CHECK(mixed.status == 2);
  Ran help = RunExportctl("audit-log --help", shop.dir);
  CHECK(help.status == 0);
  CHECK(Has(help.out, "--set-retention"));
  CHECK(Has(help.out, "--since"));
}

}  // namespace
}  // namespace libexport::testing
