// A flipped bit in a record's LMDB key (not covered by the record's
// checksum) exported an intact record under another id, or ended a records
// walk early with exit 0: 3 to 5 of 25 key flips in the fault proof. Each
// case here flips one bit of a key in data.mdb, the store closed.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "keys.h"
#include "record.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

// Ids whose last bytes are not a tracker number, so a record key is found
// once in data.mdb (index values pack ids back to back).
const std::string kA = TestId(0xa1), kB = TestId(0xb2), kC = TestId(0xc3);

std::string Customization(const std::string& id) {
  return R"({"id":")" + id +
         R"(","model":"m","target_type":"all","pin_definitions":[]})";
}

// A store with tracker "shop" (number 1) holding kA, kB and kC, written in
// one transaction so that each key is on one page of data.mdb; returns the
// export lines of the three, in id order.
std::vector<std::string> MakeStore(const std::string& path) {
  auto s = Store::Open(path);
  REQUIRE_OK(s);
  REQUIRE_OK(s.value()->AddTracker("shop"));
  MustImport(*s.value(), "shop",
             Lines({Customization(kA), Customization(kB), Customization(kC)}));
  std::vector<std::string> lines;
  std::istringstream in(MustExport(*s.value(), Query("shop")));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("{\"id\"")) {
      if (line.ends_with(",")) line.pop_back();
      lines.push_back(line);
    }
  }
  REQUIRE(lines.size() == 3);
  return lines;
}

// Flips bit `bit` of byte `at` of the records-table key of `id` in data.mdb.
void FlipKeyBit(const std::string& path, const std::string& id, size_t at,
                int bit) {
  internal::Uuid uuid;
  REQUIRE(internal::ParseUuid(id, &uuid));
  const std::string key(internal::KeyView(internal::MakeRecordKey(1, uuid)));
  const std::string file = path + "/data.mdb";
  std::string data;
  {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    data = ss.str();
  }
  const size_t found = data.find(key);
  REQUIRE(found != std::string::npos);
  REQUIRE(data.find(key, found + 1) == std::string::npos);
  data[found + at] = static_cast<char>(data[found + at] ^ (1 << bit));
  std::ofstream out(file, std::ios::binary | std::ios::in);
  out.seekp(static_cast<std::streamoff>(found + at));
  out.put(data[found + at]);
}

// The export of "shop" after FlipKeyBit, its stats in `stats`.
std::string ExportAfterFlip(const std::string& path, const std::string& id,
                            size_t at, int bit, ExportStats* stats) {
  FlipKeyBit(path, id, at, bit);
  auto s = Store::Open(path);
  REQUIRE_OK(s);
  return MustExport(*s.value(), Query("shop"), stats);
}

}  // namespace

TEST_CASE(
    "regression: an intact record under a key whose id bit flipped is counted "
    "as corrupt and never exported under either id",
    "[record][corruption]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  const auto lines = MakeStore(path);
  // The last id byte: 0xb2 -> 0xb3, still between kA and kC.
  FlipKeyBit(path, kB, internal::kRecordKeySize - 1, 0);
  auto s = Store::Open(path);
  REQUIRE_OK(s);
  ExportStats stats;
  CHECK(MustExport(*s.value(), Query("shop"), &stats) ==
        Doc({lines[0], lines[2]}));
  CHECK(stats.records_corrupt == 1);
  CHECK(s.value()->Get("shop", kB, kNow).status().code() ==
        Status::Code::kNotFound);
  CHECK(s.value()->Get("shop", TestId(0xb3), kNow).status().code() ==
        Status::Code::kCorruption);
  VerifyReport report;
  REQUIRE_OK(s.value()->Verify("shop", &report));
  REQUIRE_FALSE(report.problems.empty());
  CHECK(report.problems[0] == "record " + TestId(0xb3) +
                                  " does not decode: record: the key's id is "
                                  "not the record's id");
}

TEST_CASE(
    "regression: a record key flipped out of its tracker's range in the "
    "middle of the data no longer ends the export there",
    "[record][corruption]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  const auto lines = MakeStore(path);
  // Tracker number 1 -> 0x80000001: a foreign key between two of shop's.
  ExportStats stats;
  CHECK(ExportAfterFlip(path, kB, 0, 7, &stats) == Doc({lines[0], lines[2]}));
  CHECK(stats.records_corrupt == 1);
}

TEST_CASE(
    "regression: a last record whose key left its tracker's range is counted "
    "as corrupt, not silently missing",
    "[record][corruption]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  const auto lines = MakeStore(path);
  ExportStats stats;
  CHECK(ExportAfterFlip(path, kC, 0, 7, &stats) == Doc({lines[0], lines[1]}));
  CHECK(stats.records_corrupt == 1);
}

}  // namespace libexport::testing
