// The history a tracker keeps for sync (docs/store_format.md, "History"):
// change sequences, the changes feed with its tombstones, export validators,
// snapshots, record checksums and the upgrade from store format 1.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

// The seq part of a cursor ("<generation>-<seq>").
std::string SeqOf(const std::string& cursor) {
  return cursor.substr(cursor.find('-') + 1);
}
std::string GenerationOf(const std::string& cursor) {
  return cursor.substr(0, cursor.find('-'));
}

std::string MustCursor(const Store& store, std::string_view tracker) {
  auto c = store.LatestCursor(tracker);
  REQUIRE_OK(c);
  return c.value();
}

struct Feed {
  std::string body;
  ChangesResult result;
};
Feed MustChanges(const Store& store, std::string_view tracker,
                 std::string since, size_t limit = 1000) {
  ChangesQuery q;
  q.tracker_id = std::string(tracker);
  q.since = std::move(since);
  q.limit = limit;
  StringSink sink;
  Feed f;
  REQUIRE_OK(store.Changes(q, sink, &f.result));
  f.body = sink.out;
  return f;
}

std::string Upsert(std::string_view seq, std::string_view json) {
  return "{\"seq\":\"" + std::string(seq) +
         "\",\"op\":\"upsert\",\"customization\":" + std::string(json) + "}";
}
std::string Op(std::string_view seq, std::string_view op,
               std::string_view member, std::string_view value) {
  return "{\"seq\":\"" + std::string(seq) + "\",\"op\":\"" + std::string(op) +
         "\",\"" + std::string(member) + "\":\"" + std::string(value) + "\"}";
}
std::string Body(const std::vector<std::string>& changes,
                 const std::string& cursor, bool more) {
  std::string out = "{\"changes\":[";
  for (size_t i = 0; i < changes.size(); ++i) {
    if (i > 0) out += ",";
    out += changes[i];
  }
  out += "],\"cursor\":\"" + cursor +
         "\",\"more\":" + (more ? "true" : "false") + "}";
  return out;
}

const std::string kId1 = "00000000-0000-4000-8000-000000000001";
const std::string kId2 = "00000000-0000-4000-8000-000000000002";

TEST_CASE(
    "every change takes one consecutive seq, and a byte-identical write takes "
    "none",
    "[history]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  const std::string start = MustCursor(*s, "shop");
  CHECK(SeqOf(start) == "0");
  CHECK(GenerationOf(start).size() >= 1);

  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));
  CHECK(SeqOf(MustCursor(*s, "shop")) == "1");
  // The same bytes again (created_at and updated_at given): not a change.
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kUpsert, kNow));
  CHECK(SeqOf(MustCursor(*s, "shop")) == "1");
  MustImport(*s, "shop", Lines({kIn1, kIn2}),
             Opts(ImportFormat::kNdjson, OnConflict::kOverride));
  CHECK(SeqOf(MustCursor(*s, "shop")) == "2");  // only kIn2 is new

  uint64_t changed = 0;
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/1/", "/p/10/"}, &changed));
  CHECK(SeqOf(MustCursor(*s, "shop")) == "4");
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/1/"}, &changed));
  CHECK(changed == 0);
  CHECK(SeqOf(MustCursor(*s, "shop")) == "4");
  REQUIRE_OK(s->Delete("shop", kId2));
  CHECK(SeqOf(MustCursor(*s, "shop")) == "5");
  // A failed write takes nothing.
  CHECK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow).status().code() ==
        Status::Code::kAlreadyExists);
  CHECK(SeqOf(MustCursor(*s, "shop")) == "5");
}

TEST_CASE(
    "the changes feed from the beginning is every live customization and "
    "identity, no deletions",
    "[history]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));  // 1
  REQUIRE_OK(s->Put("shop", kIn2, Store::PutMode::kCreate, kNow));  // 2
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/1/"}));                // 3
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/\"q\"/"}));            // 4
  REQUIRE_OK(s->Delete("shop", kId1));                              // 5
  REQUIRE_OK(s->RemoveCatalogItems("shop", {"/p/1/"}));             // 6
  const std::string cursor = MustCursor(*s, "shop");
  Feed f = MustChanges(*s, "shop", "");
  CHECK(f.body == Body({Upsert("2", kIn2),
                        "{\"seq\":\"4\",\"op\":\"catalog_add\",\"identity\":"
                        "\"/p/\\\"q\\\"/\"}"},
                       cursor, false));
  CHECK(f.result.cursor == cursor);
  CHECK(f.result.changes == 2);
  CHECK_FALSE(f.result.more);
}

TEST_CASE(
    "changes after a cursor give each subject once, at its latest change, "
    "deletions as tombstones",
    "[history]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));  // 1
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/1/"}));                // 2
  const std::string c = MustCursor(*s, "shop");
  REQUIRE_OK(s->Put("shop", kIn2, Store::PutMode::kCreate, kNow));  // 3
  REQUIRE_OK(s->Delete("shop", kId1));                              // 4
  REQUIRE_OK(s->RemoveCatalogItems("shop", {"/p/1/"}));             // 5
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/1/"}));                // 6
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));  // 7
  REQUIRE_OK(s->Delete("shop", kId2));                              // 8
  const std::string end = MustCursor(*s, "shop");
  CHECK(SeqOf(end) == "8");
  // kIn1 was deleted and created again: its tombstone is gone, its upsert
  // is at 7. /p/1/ was removed and added again: one catalog_add at 6.
  Feed f = MustChanges(*s, "shop", c);
  CHECK(f.body == Body({Op("6", "catalog_add", "identity", "/p/1/"),
                        Upsert("7", kIn1), Op("8", "delete", "id", kId2)},
                       end, false));
  // Nothing after the end.
  CHECK(MustChanges(*s, "shop", end).body == Body({}, end, false));
}

TEST_CASE(
    "a limit cuts the feed with more:true, and following the cursors gives the "
    "same changes",
    "[history]") {
  TestStore s;
  LoadShop(*s);
  Feed whole = MustChanges(*s, "shop", "");
  REQUIRE(whole.result.changes >= 6);
  std::string since;
  std::vector<std::string> pieces;
  size_t total = 0;
  for (int round = 0; round < 100; ++round) {
    Feed f = MustChanges(*s, "shop", since, 4);
    CHECK(f.result.changes <= 4);
    total += f.result.changes;
    std::string inner = f.body.substr(
        12, f.body.find("],\"cursor\"") - 12);  // after {"changes":[
    if (!inner.empty()) pieces.push_back(inner);
    since = f.result.cursor;
    if (!f.result.more) break;
  }
  CHECK(total == whole.result.changes);
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i)
    joined += (i ? "," : "") + pieces[i];
  CHECK(Body({joined}, since, false) == whole.body);
}

TEST_CASE(
    "a cursor of another generation is Gone, and a malformed one names since",
    "[history]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));
  const std::string old = MustCursor(*s, "shop");
  REQUIRE_OK(s->RemoveTracker("shop"));
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));
  CHECK(GenerationOf(MustCursor(*s, "shop")) != GenerationOf(old));

  ChangesQuery q;
  q.tracker_id = "shop";
  q.since = old;
  StringSink sink;
  Status gone = s->Changes(q, sink, nullptr);
  CHECK(gone.code() == Status::Code::kGone);
  CHECK(gone.field() == "since");
  CHECK(sink.out.empty());
  for (const char* bad : {"zz-1", "1", "-", "1-", "ABC-1", "1-2-3"}) {
    q.since = bad;
    Status st = s->Changes(q, sink, nullptr);
    INFO(bad);
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.field() == "since");
  }
  q.since = "";
  q.limit = 0;
  CHECK(s->Changes(q, sink, nullptr).field() == "limit");
  q.limit = kMaxChangesLimit + 1;
  CHECK(s->Changes(q, sink, nullptr).field() == "limit");
}

TEST_CASE(
    "tombstones past the retention are compacted, and a cursor before them is "
    "Gone",
    "[history]") {
  Timestamp clock = kNow;
  StoreOptions options;
  options.tombstone_retention = std::chrono::seconds(60);
  options.clock = [&clock] { return clock; };
  TestStore s(options);
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));  // 1
  REQUIRE_OK(s->Put("shop", kIn2, Store::PutMode::kCreate, kNow));  // 2
  const std::string before = MustCursor(*s, "shop");
  REQUIRE_OK(s->Delete("shop", kId2));  // 3, a tombstone
  const std::string at_delete = MustCursor(*s, "shop");
  clock.seconds += 30;
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/1/"}));  // 4: within retention
  CHECK(MustChanges(*s, "shop", before).result.changes == 2);

  clock.seconds += 60;  // the tombstone is now 90 s old
  REQUIRE_OK(s->AddCatalogItems("shop", {"/p/10/"}));  // 5: compacts
  ChangesQuery q;
  q.tracker_id = "shop";
  q.since = before;
  StringSink sink;
  CHECK(s->Changes(q, sink, nullptr).code() == Status::Code::kGone);
  // A cursor at or after the compacted tombstone still works.
  Feed f = MustChanges(*s, "shop", at_delete);
  CHECK(f.result.changes == 2);
  // From the beginning always works.
  CHECK(MustChanges(*s, "shop", "").result.changes == 3);
}

TEST_CASE("export ETags keep one form, leading zeros of the hash included",
          "[history][etag]") {
  // A client keeps the ETag across a server upgrade: its form is
  // "<cursor>-<16 lower-case hex digits>" for every query, including the
  // queries whose hash starts with zeros.
  TestStore s;
  LoadShop(*s);
  int leading_zero = 0;
  for (int i = 0; i < 200; ++i) {
    ExportQuery q = Query("shop");
    q.target_identities = {"/p/" + std::to_string(i) + "/"};
    auto v = s->ExportEtag(q);
    REQUIRE_OK(v);
    INFO(v->etag);
    REQUIRE(std::regex_match(v->etag,
                             std::regex("\"" + v->cursor + "-[0-9a-f]{16}\"")));
    if (v->etag[v->cursor.size() + 2] == '0') ++leading_zero;
  }
  CHECK(leading_zero > 0);  // the padding was exercised
}

TEST_CASE("the export validator changes exactly when the bytes can change",
          "[history][etag]") {
  TestStore s;
  LoadShop(*s);
  ExportQuery q = Query("shop");
  q.remove_expired_pins = true;
  q.remove_nonexisting_item_pins = true;
  auto etag = [&](const ExportQuery& query) {
    auto v = s->ExportEtag(query);
    REQUIRE_OK(v);
    CHECK(v->etag.front() == '"');
    CHECK(v->etag.back() == '"');
    return v->etag;
  };
  const std::string e1 = etag(q);
  CHECK(etag(q) == e1);
  CHECK(MustExport(*s, q) == MustExport(*s, q));
  CHECK(s->ExportEtag(q)->cursor == MustCursor(*s, "shop"));

  SECTION("another query, representation or switch is another validator") {
    ExportQuery other = q;
    other.models = {"basket"};
    CHECK(etag(other) != e1);
    other = q;
    other.representation.format = ExportFormat::kNdjson;
    CHECK(etag(other) != e1);
    other = q;
    other.representation.coding = ContentCoding::kGzip;
    CHECK(etag(other) != e1);
    other = q;
    other.remove_expired_pins = false;
    CHECK(etag(other) != e1);
  }
  SECTION("time within a pin window keeps it; crossing a boundary changes it") {
    // kIn3's pin ends at kNow + 1 us; the next boundary after that is
    // kIn2's active_from, 2026-12-01T00:00:00Z.
    ExportQuery expiring = Query("shop");
    expiring.remove_expired_pins = true;
    ExportQuery later = expiring;
    later.now = Timestamp{kNow.seconds, 2000};  // past kNow + 1 us
    const std::string crossed = etag(later);
    CHECK(crossed != etag(expiring));
    CHECK(MustExport(*s, later) != MustExport(*s, expiring));
    ExportQuery much_later = expiring;
    much_later.now = Timestamp{kNow.seconds + 3600, 0};  // same window
    CHECK(etag(much_later) == crossed);
    CHECK(MustExport(*s, much_later) == MustExport(*s, later));
  }
  SECTION("a write or a catalog change changes it") {
    REQUIRE_OK(s->AddCatalogItems("shop", {"/p/missing/"}));
    const std::string e2 = etag(q);
    CHECK(e2 != e1);
    REQUIRE_OK(s->Delete("shop", kId1));
    CHECK(etag(q) != e2);
  }
  SECTION("a tracker removed and created again never repeats one") {
    REQUIRE_OK(s->RemoveTracker("shop"));
    REQUIRE_OK(s->RemoveTracker("other"));
    LoadShop(*s);
    CHECK(etag(q) != e1);
  }
}

TEST_CASE("a snapshot answers from its instant while writes commit",
          "[history][snapshot]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  REQUIRE_OK(s->Put("shop", kIn1, Store::PutMode::kCreate, kNow));
  auto snap = s->OpenSnapshot();
  REQUIRE_OK(snap);
  const std::string before = MustExport(*s, Query("shop"));
  auto v1 = snap->ExportEtag(Query("shop"));
  REQUIRE_OK(v1);
  REQUIRE_OK(s->Put("shop", kIn2, Store::PutMode::kCreate, kNow));
  REQUIRE_OK(s->RotateTrackerKey("shop", std::string("a new key of 16+ bytes"),
                                 Timestamp{}));
  StringSink sink;
  REQUIRE_OK(snap->Export(Query("shop"), sink));
  CHECK(sink.out == before);
  CHECK(snap->ExportEtag(Query("shop"))->etag == v1->etag);
  CHECK(snap->SigningKeys("shop", kNow).value() !=
        s->SigningKeys("shop", kNow).value());
  CHECK(s->ExportEtag(Query("shop"))->etag != v1->etag);
}

TEST_CASE(
    "a long poll returns as soon as a change commits, and at its timeout "
    "otherwise",
    "[history][wait]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop"));
  const std::string c = MustCursor(*s, "shop");
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE_OK(s->WaitForChanges("shop", c, std::chrono::milliseconds(200)));
  CHECK(std::chrono::steady_clock::now() - t0 >=
        std::chrono::milliseconds(190));

  // Catch2's assertions are for the test's own thread: the writer keeps its
  // status for the test to check.
  Status put;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    put = s->Put("shop", kIn1, Store::PutMode::kCreate, kNow).status();
  });
  t0 = std::chrono::steady_clock::now();
  const Status waited_status =
      s->WaitForChanges("shop", c, std::chrono::seconds(20));
  const auto waited = std::chrono::steady_clock::now() - t0;
  writer.join();
  REQUIRE_OK(put);
  REQUIRE_OK(waited_status);
  CHECK(waited < std::chrono::seconds(10));  // woken by the commit
  CHECK(MustChanges(*s, "shop", c).result.changes == 1);
}

// Flips one byte of a stored record's JSON, with the store closed.
void FlipRecordByte(const std::string& dir, char from, char to) {
  RewriteFirstEntry(dir, "records", [&](std::string* value) {
    const size_t at = value->find(std::string("\"model\":\"basket\"")) + 9;
    REQUIRE((*value)[at] == from);
    (*value)[at] = to;
  });
}

TEST_CASE(
    "a flipped byte in a stored record is caught by its checksum and never "
    "exported",
    "[history][checksum]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    auto s = Store::Open(path);
    REQUIRE_OK(s);
    REQUIRE_OK(s.value()->AddTracker("shop"));
    REQUIRE_OK(s.value()->Put("shop", kIn1, Store::PutMode::kCreate, kNow));
    REQUIRE_OK(s.value()->Put("shop", kIn2, Store::PutMode::kCreate, kNow));
  }
  // 'b' -> 'c' keeps the JSON valid and every offset right: only the
  // checksum can tell.
  FlipRecordByte(path, 'b', 'c');
  auto s = Store::Open(path);
  REQUIRE_OK(s);
  ExportStats stats;
  CHECK(MustExport(*s.value(), Query("shop"), &stats) == Doc({kOut2}));
  CHECK(stats.records_corrupt == 1);
  VerifyReport report;
  REQUIRE_OK(s.value()->Verify("shop", &report));
  REQUIRE(report.problems.size() >= 1);
  CHECK(report.problems[0].find("checksum mismatch") != std::string::npos);
  Feed f = MustChanges(*s.value(), "shop", "");
  CHECK(f.result.records_corrupt == 1);
  CHECK(f.result.changes == 1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// tests/data/store_format1.dump is `mdb_dump -a` of a store the previous
// libexport wrote (exportctl demo --tracker demo --customizations 12
// --catalog 40 --seed 7; demo --tracker shop --customizations 4 --catalog 6
// --seed 3; tracker rotate-key shop --grace 2000000000), and the two .json
// files are what that version exported from it.
TEST_CASE("a store in format 1 is upgraded on open and exports the same bytes",
          "[history][migration]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  std::filesystem::create_directories(path);
  const std::string data = LIBEXPORT_TEST_DATA_DIR;
  const std::string load =
      "mdb_load -f " + data + "/store_format1.dump " + path + " 2>/dev/null";
  REQUIRE(std::system(load.c_str()) == 0);

  StoreOptions ro;
  ro.read_only = true;
  auto refused = Store::Open(path, ro);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("store format 1") != std::string::npos);
  CHECK(refused.status().message().find("read-write") != std::string::npos);

  auto s = Store::Open(path);
  REQUIRE_OK(s);
  Store& store = *s.value();
  const Timestamp june{1780272000, 0};  // 2026-06-01T00:00:00Z
  ExportQuery demo = Query("demo");
  demo.now = june;
  demo.remove_expired_pins = true;
  demo.remove_nonexisting_item_pins = true;
  CHECK(MustExport(store, demo) ==
        ReadFile(data + "/store_format1.demo.pruned.json"));
  ExportQuery shop = Query("shop");
  shop.now = june;
  CHECK(MustExport(store, shop) == ReadFile(data + "/store_format1.shop.json"));
  // The rotated key's predecessor is still valid.
  auto keys = store.SigningKeys("shop", june);
  REQUIRE_OK(keys);
  CHECK(keys->size() == 2);
  // Every record and identity is in the history once.
  CHECK(MustChanges(store, "demo", "").result.changes == 12 + 40);
  CHECK(SeqOf(MustCursor(store, "demo")) == "34");  // 52 in hex
  VerifyReport report;
  REQUIRE_OK(store.Verify("demo", &report));
  CHECK(report.problems.empty());
  // Writes go on from there.
  const std::string first = MustChanges(store, "shop", "", 1).body;
  const size_t id_at = first.find("\"id\":\"") + 6;
  REQUIRE_OK(store.Delete("shop", first.substr(id_at, 36)));
  CHECK(MustChanges(store, "shop", "").result.changes == 3 + 6);
}

}  // namespace
}  // namespace libexport::testing
