// The store as an LMDB environment: one snapshot per export while writes
// commit, concurrent exports, one instance per path, reopening, read-only
// opening, Backup and Verify.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

using std::chrono::seconds;

// A record of about 300 bytes, so that 2,000 of them need many sink chunks.
std::string PaddedRecord(int n, std::string_view model) {
  return R"({"id":")" + TestId(n) + R"(","model":")" + std::string(model) +
         R"(","target_type":"all","target_metadata":{"p":")" +
         std::string(200, 'x') +
         R"("},"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
}

// Blocks on its first Write until `release` is set (or a timeout), so a
// write can commit while the export holds its read transaction.
class BlockingSink : public ExportSink {
 public:
  bool Write(std::string_view chunk) override {
    if (chunks_++ == 0) {
      std::unique_lock<std::mutex> lock(mu);
      started = true;
      cv.notify_all();
      released_in_time =
          cv.wait_for(lock, seconds(30), [this] { return release; });
    }
    out.append(chunk);
    return true;
  }

  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool release = false;
  bool released_in_time = false;
  std::string out;

 private:
  size_t chunks_ = 0;
};

// Runs `query` while another thread runs `write` once the export has written
// its first chunk; returns what the export wrote.
std::string ExportDuringWrite(Store& store, const ExportQuery& query,
                              const std::function<Status()>& write) {
  BlockingSink sink;
  Status write_status = Status::Internal("the write never ran");
  std::thread writer([&] {
    {
      std::unique_lock<std::mutex> lock(sink.mu);
      if (!sink.cv.wait_for(lock, seconds(30), [&] { return sink.started; }))
        return;
    }
    write_status = write();
    std::lock_guard<std::mutex> lock(sink.mu);
    sink.release = true;
    sink.cv.notify_all();
  });
  ExportStats stats;
  Status export_status = store.Export(query, sink, &stats);
  writer.join();
  REQUIRE_OK(export_status);
  REQUIRE_OK(write_status);
  // The write committed while the export was still inside its transaction.
  REQUIRE(sink.released_in_time);
  return sink.out;
}

std::string ExportDuringImport(Store& store, const ExportQuery& query,
                               const std::string& document,
                               ImportReport* report) {
  return ExportDuringWrite(store, query, [&] {
    return store.Import(query.tracker_id, document,
                        Opts(ImportFormat::kNdjson, OnConflict::kOverride),
                        report);
  });
}

TEST_CASE("an export running while an import commits sees one snapshot",
          "[snapshot][lmdb]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  std::string initial;
  for (int i = 0; i < 2000; ++i) initial += PaddedRecord(i, "before") + "\n";
  MustImport(*s, "t", initial);

  // Every stored record replaced, plus 100 new ones with lower and higher
  // ids than the first chunk.
  std::string changes;
  for (int i = 0; i < 2000; ++i) changes += PaddedRecord(i, "after") + "\n";
  for (int i = 0; i < 100; ++i) {
    changes += PaddedRecord(1'000'000 + i, "after") + "\n";
  }
  changes +=
      R"({"id":"00000000-0000-0000-0000-000000000000","model":"after","target_type":"all","pin_definitions":[]})"
      "\n";

  SECTION("walking the records") {
    const std::string before = MustExport(*s, Query("t"));
    ImportReport report;
    CHECK(ExportDuringImport(*s, Query("t"), changes, &report) == before);
    CHECK(report.replaced == 2000);
    CHECK(report.inserted == 101);
    ExportStats stats;
    const std::string after = MustExport(*s, Query("t"), &stats);
    CHECK(stats.records_matched == 2101);
    CHECK(after.find("\"model\":\"before\"") == std::string::npos);
  }
  SECTION("walking an index") {
    auto x = Query("t");
    x.models = {"before"};
    const std::string before = MustExport(*s, x);
    ImportReport report;
    CHECK(ExportDuringImport(*s, x, changes, &report) == before);
    CHECK(MustExport(*s, x) == "{\"results\":[]}\n");
  }
}

TEST_CASE("concurrent exports from several threads all see the same bytes",
          "[snapshot]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.remove_expired_pins = true;
  x.remove_nonexisting_item_pins = true;
  const std::string expected = Doc(
      {kOut1Expired, kOut2, kOut3Missing, kOut4, kOut5Pruned, kOut6Expired});
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto r = s->ExportToString(x);
        if (!r.ok() || r.value() != expected) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

TEST_CASE("Store::Open twice on the same path returns the same instance",
          "[lmdb]") {
  TempDir dir;
  auto a = Store::Open(dir.Sub("store"));
  REQUIRE_OK(a);
  auto b = Store::Open(dir.Sub("store"));
  REQUIRE_OK(b);
  CHECK(a.value().get() == b.value().get());
  CHECK(a.value()->path() == b.value()->path());

  auto other = Store::Open(dir.Sub("other"));
  REQUIRE_OK(other);
  CHECK(other.value().get() != a.value().get());
}

TEST_CASE(
    "Store::Open with another spelling of the same path returns the same "
    "instance",
    "[lmdb]") {
  TempDir dir;
  auto a = Store::Open(dir.Sub("store"));
  REQUIRE_OK(a);
  auto b = Store::Open(dir.Sub("store") + "/");
  REQUIRE_OK(b);
  CHECK(a.value().get() == b.value().get());
  auto c = Store::Open(dir.path() + "/./store");
  REQUIRE_OK(c);
  CHECK(a.value().get() == c.value().get());
}

TEST_CASE("a store closed and opened again holds the same data", "[lmdb]") {
  TempDir dir;
  std::string shop, other, key;
  {
    auto s = Store::Open(dir.Sub("store"));
    REQUIRE_OK(s);
    LoadShop(*s.value());
    shop = MustExport(*s.value(), Query("shop"));
    other = MustExport(*s.value(), Query("other"));
  }
  auto s = Store::Open(dir.Sub("store"));
  REQUIRE_OK(s);
  CHECK(MustExport(*s.value(), Query("shop")) == shop);
  CHECK(MustExport(*s.value(), Query("other")) == other);
  auto k = s.value()->TrackerKey("shop");
  REQUIRE_OK(k);
  CHECK(k.value() == "shop-key");
  auto c = s.value()->CatalogContains("shop", "/p/10/");
  REQUIRE_OK(c);
  CHECK(c.value());
  // Tracker numbers are not reused after a reopen either.
  REQUIRE_OK(s.value()->RemoveTracker("shop"));
  REQUIRE_OK(s.value()->AddTracker("new"));
  CHECK(MustExport(*s.value(), Query("new")) == "{\"results\":[]}\n");
  CHECK(MustExport(*s.value(), Query("other")) == other);
}

TEST_CASE("opening a missing store without create_if_missing is NotFound",
          "[lmdb]") {
  TempDir dir;
  StoreOptions options;
  options.create_if_missing = false;
  auto s = Store::Open(dir.Sub("nothing"), options);
  CHECK(s.status().code() == Status::Code::kNotFound);
  s = Store::Open(dir.path(), options);  // exists, but holds no store
  CHECK(s.status().code() == Status::Code::kNotFound);
}

TEST_CASE("a read-only store exports and refuses writes", "[lmdb]") {
  TempDir dir;
  {
    auto s = Store::Open(dir.Sub("store"));
    REQUIRE_OK(s);
    LoadShop(*s.value());
  }
  StoreOptions options;
  options.read_only = true;
  auto s = Store::Open(dir.Sub("store"), options);
  REQUIRE_OK(s);
  Store& store = *s.value();
  CHECK(MustExport(store, Query("shop")) ==
        Doc({kOut1, kOut2, kOut3, kOut4, kOut5, kOut6}));
  CHECK(store.AddTracker("x").status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(
      store.Put("shop", kIn1, Store::PutMode::kUpsert, kNow).status().code() ==
      Status::Code::kInvalidArgument);
  CHECK(store.AddCatalogItems("shop", {"/x/"}).code() ==
        Status::Code::kInvalidArgument);
  ImportReport report;
  CHECK(store
            .Import("shop", Lines({kIn1}),
                    Opts(ImportFormat::kNdjson, OnConflict::kOverride), &report)
            .code() == Status::Code::kInvalidArgument);
  CHECK(MustExport(store, Query("shop")) ==
        Doc({kOut1, kOut2, kOut3, kOut4, kOut5, kOut6}));
}

TEST_CASE("Backup writes a store that opens and exports the same bytes",
          "[lmdb][backup]") {
  TestStore s;
  LoadShop(*s);
  const std::string backup_dir = s.dir.Sub("backup");
  REQUIRE_OK(s->Backup(backup_dir));

  auto b = Store::Open(backup_dir);
  REQUIRE_OK(b);
  REQUIRE(b.value().get() != s.store.get());
  for (const char* tracker : {"shop", "other"}) {
    INFO(tracker);
    for (bool prune : {false, true}) {
      auto x = Query(tracker);
      x.remove_expired_pins = prune;
      x.remove_nonexisting_item_pins = prune;
      CHECK(MustExport(*b.value(), x) == MustExport(*s, x));
    }
  }
  auto key = b.value()->TrackerKey("shop");
  REQUIRE_OK(key);
  CHECK(key.value() == "shop-key");
  auto list = b.value()->ListTrackers();
  REQUIRE_OK(list);
  CHECK(list.value().size() == 2);
  VerifyReport verify;
  REQUIRE_OK(b.value()->Verify("shop", &verify));
  CHECK(verify.problems.empty());
  CHECK(verify.records == 6);

  // The backup is independent of the original.
  REQUIRE_OK(s->Delete("shop", "00000000-0000-4000-8000-000000000001"));
  CHECK(MustExport(*b.value(), Query("shop")) ==
        Doc({kOut1, kOut2, kOut3, kOut4, kOut5, kOut6}));

  // A directory that already holds a store is refused.
  CHECK_FALSE(s->Backup(backup_dir).ok());
}

TEST_CASE("Verify on a healthy store reports no problems", "[lmdb][verify]") {
  TestStore s;
  LoadShop(*s);
  VerifyReport report;
  REQUIRE_OK(s->Verify("shop", &report));
  CHECK(report.problems.empty());
  CHECK(report.records == 6);
  CHECK(report.catalog_items == 3);
  CHECK(report.index_entries > 0);

  VerifyReport other;
  REQUIRE_OK(s->Verify("other", &other));
  CHECK(other.problems.empty());
  CHECK(other.records == 1);
  CHECK(other.catalog_items == 2);

  VerifyReport none;
  CHECK(s->Verify("nobody", &none).code() == Status::Code::kNotFound);
}

TEST_CASE(
    "an import that grows the file commits while an export is held by its "
    "client, new exports are answered meanwhile, and the held one keeps its "
    "snapshot",
    "[snapshot][lmdb][stall]") {
  StoreOptions options;
  options.sync = false;
  TestStore s(options);
  REQUIRE_OK(s->AddTracker("t"));
  std::string initial;
  for (int i = 0; i < 1000; ++i) initial += PaddedRecord(i, "before") + "\n";
  MustImport(*s, "t", initial);
  const std::string before = MustExport(*s, Query("t"));

  // ~6 MB more: the file grows while the export holds its transaction.
  std::string changes;
  for (int i = 0; i < 20000; ++i) changes += PaddedRecord(i, "after") + "\n";

  BlockingSink sink;  // a client that stops reading after the first chunk
  Status export_status = Status::Internal("export never ran");
  std::thread held([&] { export_status = s->Export(Query("t"), sink); });
  {
    std::unique_lock<std::mutex> lock(sink.mu);
    REQUIRE(sink.cv.wait_for(lock, seconds(30), [&] { return sink.started; }));
  }
  // Neither the import nor a new export waits for the held one (generous
  // bounds: a stall would last until the release, 30 s).
  ImportReport report;
  auto t0 = std::chrono::steady_clock::now();
  Status import_status =
      s->Import("t", changes,
                Opts(ImportFormat::kNdjson, OnConflict::kOverride), &report);
  const auto import_took = std::chrono::steady_clock::now() - t0;
  t0 = std::chrono::steady_clock::now();
  ExportStats stats;
  const std::string after = MustExport(*s, Query("t"), &stats);
  const auto export_took = std::chrono::steady_clock::now() - t0;
  {
    std::lock_guard<std::mutex> lock(sink.mu);
    sink.release = true;
    sink.cv.notify_all();
  }
  held.join();
  REQUIRE_OK(import_status);
  REQUIRE_OK(export_status);
  CHECK(import_took < seconds(20));
  CHECK(export_took < seconds(20));
  CHECK(sink.released_in_time);
  CHECK(sink.out == before);
  CHECK(report.replaced == 1000);
  CHECK(report.inserted == 19000);
  CHECK(stats.records_matched == 20000);
  CHECK(after != before);
  VerifyReport verify;
  REQUIRE_OK(s->Verify("t", &verify));
  CHECK(verify.problems.empty());
}

TEST_CASE("an export keeps its snapshot while its tracker is removed",
          "[snapshot][lmdb]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  std::string initial;
  for (int i = 0; i < 2000; ++i) initial += PaddedRecord(i, "m") + "\n";
  MustImport(*s, "t", initial);
  const std::string before = MustExport(*s, Query("t"));
  CHECK(ExportDuringWrite(*s, Query("t"),
                          [&] { return s->RemoveTracker("t"); }) == before);
  CHECK(s->ExportToString(Query("t")).status().code() ==
        Status::Code::kNotFound);
}

TEST_CASE("catalog pruning reads the catalog of the export's snapshot",
          "[snapshot][catalog]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // 2,000 records, each pinning its own item; every item in the catalog.
  std::string initial;
  std::vector<std::string> catalog;
  for (int i = 0; i < 2000; ++i) {
    const std::string item = "/p/" + std::to_string(i) + "/";
    catalog.push_back(item);
    initial +=
        R"({"id":")" + TestId(i) +
        R"(","model":"m","target_type":"all","target_metadata":{"p":")" +
        std::string(200, 'x') +
        R"("},"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":")" +
        item +
        R"(","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})" +
        "\n";
  }
  MustImport(*s, "t", initial);
  REQUIRE_OK(s->AddCatalogItems("t", catalog));
  auto x = Query("t");
  x.remove_nonexisting_item_pins = true;
  const std::string before = MustExport(*s, x);
  CHECK(before == MustExport(*s, Query("t")));  // nothing pruned

  CHECK(ExportDuringWrite(*s, x, [&] {
          return s->RemoveCatalogItems("t", catalog);
        }) == before);
  ExportStats stats;
  MustExport(*s, x, &stats);
  CHECK(stats.pins_pruned_missing == 2000);
}

// Writes to the store it exports from, on its first chunk.
class WritingSink : public ExportSink {
 public:
  explicit WritingSink(Store* store) : store_(store) {}
  bool Write(std::string_view chunk) override {
    if (out.empty()) {
      put = store_
                ->Put("t", PaddedRecord(99999, "written"),
                      Store::PutMode::kCreate, kNow)
                .status();
      export_inside = store_->ExportToString(Query("t")).status();
    }
    out.append(chunk);
    return true;
  }
  Status put = Status::Internal("never called");
  Status export_inside = Status::Internal("never called");
  std::string out;

 private:
  Store* store_;
};

TEST_CASE(
    "a sink that writes to and exports from the same store does not deadlock, "
    "and its export keeps its snapshot",
    "[snapshot][lmdb][stall]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  std::string initial;
  for (int i = 0; i < 300; ++i) initial += PaddedRecord(i, "before") + "\n";
  MustImport(*s, "t", initial);
  const std::string before = MustExport(*s, Query("t"));
  WritingSink sink(s.store.get());
  REQUIRE_OK(s->Export(Query("t"), sink));
  REQUIRE_OK(sink.put);
  REQUIRE_OK(sink.export_inside);
  CHECK(sink.out == before);
  ExportStats stats;
  MustExport(*s, Query("t"), &stats);
  CHECK(stats.records_matched == 301);
}

}  // namespace
}  // namespace libexport::testing
