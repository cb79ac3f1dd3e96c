// The catalog table that exports pruning by the catalog share
// (catalog_set.h): one per tracker and catalog version, within
// StoreOptions::catalog_memory_budget, never stale.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "identity_list.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

// Identity `i` of the catalog, padded to `size` bytes.
std::string Identity(size_t i, size_t size) {
  std::string s = "item-" + std::to_string(i) + "-";
  s.resize(std::max(size, s.size()), '.');
  return s;
}

// A customization pinning `present` (in the catalog) and an item that is
// not in it.
std::string Pinning(size_t n, const std::string& present) {
  return R"({"id":")" + TestId(n) +
         R"(","model":"m","target_type":"all","pin_definitions":[)"
         R"({"position":1,"pin_type":"item","pin_identity":")" +
         present +
         R"("},{"position":2,"pin_type":"item","pin_identity":"missing-)" +
         std::to_string(n) + R"("}]})";
}

// Tracker `tracker`: a catalog of `items` identities of `size` bytes and
// `records` customizations, record r pinning identity r * stride.
void Fill(Store& store, size_t items, size_t size, size_t records,
          size_t stride, const std::string& tracker = "shop") {
  REQUIRE_OK(store.AddTracker(tracker));
  for (size_t begin = 0; begin < items; begin += 10'000) {
    std::vector<std::string> batch;
    for (size_t i = begin; i < std::min(items, begin + 10'000); ++i) {
      batch.push_back(Identity(i, size));
    }
    REQUIRE_OK(store.AddCatalogItems(tracker, batch));
  }
  std::string doc;
  for (size_t r = 0; r < records; ++r) {
    doc += Pinning(r, Identity(r * stride, size)) + "\n";
  }
  MustImport(store, tracker, doc);
}

ExportQuery Pruning(const std::string& tracker = "shop") {
  ExportQuery q = Query(tracker);
  q.remove_nonexisting_item_pins = true;
  return q;
}

// Keeps only the FNV-1a hash and the size of what it is given.
class DigestSink : public ExportSink {
 public:
  bool Write(std::string_view chunk) override {
    for (unsigned char c : chunk) {
      hash = (hash ^ c) * 0x100000001b3ull;
    }
    size += chunk.size();
    return true;
  }
  uint64_t hash = 0xcbf29ce484222325ull;
  uint64_t size = 0;
};

}  // namespace

// The figure docs/reliability.md quotes. Under the sanitizers the catalog is
// a fifth as large (the bound scales with it): the check is the same.
TEST_CASE(
    "8 concurrent exports pruning by a 150,000 x 1 KiB catalog share one "
    "catalog table: the heap grows by less than 1,750 bytes per identity",
    "[catalog][memory]") {
#if defined(__SANITIZE_ADDRESS__)
  const size_t items = 30'000;
#else
  const size_t items = 150'000;
#endif
  const size_t records = items / 15;  // few enough records to pay for a table
  StoreOptions options;
  options.sync = false;
  TestStore s(options);
  Fill(*s, items, 1024, records, 15);

  std::vector<DigestSink> sinks(8);
  std::vector<ExportStats> stats(8);
  std::vector<Status> results(8);
  HeapPeak heap;
  std::vector<std::thread> threads;
  for (size_t i = 0; i < 8; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = s->Export(Pruning(), sinks[i], &stats[i]); });
  }
  for (auto& t : threads) t.join();
  const long growth_kb = heap.GrowthKb();

  // Once more alone, with the table the 8 left in the cache.
  ExportStats alone;
  DigestSink expected;
  REQUIRE_OK(s->Export(Pruning(), expected, &alone));
  CHECK(alone.records_matched == records);
  CHECK(alone.pins_pruned_missing == records);
  // The identities' bytes, their lengths (a varint of 1 to 3 bytes) and at
  // most 32 bytes of slots per identity (slots of 16 bytes took 56 here).
  CHECK(alone.catalog_table_bytes > items * 1024);
  CHECK(alone.catalog_table_bytes < items * (1024 + 3 + 32) + (1 << 20));
  for (size_t i = 0; i < 8; ++i) {
    INFO("export " << i);
    REQUIRE_OK(results[i]);
    CHECK(sinks[i].hash == expected.hash);
    CHECK(sinks[i].size == expected.size);
    CHECK(stats[i].catalog_table_bytes == alone.catalog_table_bytes);
  }
  INFO("heap growth " << growth_kb << " KiB, one table "
                      << stats[0].catalog_table_bytes / 1024 << " KiB");
  // One table per export would be 8 x ~1,080 bytes per identity.
  CHECK(growth_kb * 1024 < static_cast<long>(items * 1750));
}

TEST_CASE(
    "an export past the catalog memory budget looks identities up in the "
    "store and writes the same bytes as one with the shared table",
    "[catalog][memory]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  std::string with_table;
  {
    auto s = Store::Open(path);
    REQUIRE_OK(s);
    Fill(*s.value(), 4'000, 16, 400, 7);
    ExportStats stats;
    with_table = MustExport(*s.value(), Pruning(), &stats);
    CHECK(stats.catalog_table_bytes > 0);
    CHECK(stats.pins_pruned_missing == 400);
    CHECK(with_table.find("\"pin_identity\":\"missing-") == std::string::npos);
    CHECK(with_table.find(Identity(399 * 7, 16)) != std::string::npos);
  }
  // 0: never a table; 60,000 bytes: less than the slots (8,192 x 8 bytes),
  // refused before the build; 150,000: room for the slots but not for the
  // first 1 MiB block of identities, so the build stops there.
  for (uint64_t budget : {uint64_t{0}, uint64_t{60'000}, uint64_t{150'000}}) {
    INFO("budget " << budget);
    StoreOptions options;
    options.catalog_memory_budget = budget;
    auto s = Store::Open(path, options);
    REQUIRE_OK(s);
    ExportStats stats;
    CHECK(MustExport(*s.value(), Pruning(), &stats) == with_table);
    CHECK(stats.catalog_table_bytes == 0);
    CHECK(stats.pins_pruned_missing == 400);
  }
}

namespace {

// Rewrites the first catalog entry of the store at `dir` (closed) as one
// identity of `size` bytes 'x', under the same key and seq: what a damaged
// store can hold, since the API refuses identities over 1,024 bytes.
void GrowFirstCatalogIdentity(const std::string& dir, size_t size) {
  RewriteFirstEntry(dir, "catalog", [&](std::string* list) {
    uint64_t seq = 0;
    size_t entries = 0;
    internal::ForEachIdentityEntry(*list, [&](std::string_view, uint64_t s) {
      seq = s;
      ++entries;
      return true;  // every entry: the test needs exactly one
    });
    REQUIRE(entries == 1);
    list->clear();
    internal::IdentityListAppend(list, std::string(size, 'x'), seq);
  });
}

}  // namespace

TEST_CASE(
    "a damaged catalog entry longer than a small catalog's first block is "
    "copied whole into a block that holds it",
    "[catalog][regression]") {
  // One identity: a table of 16 slots, whose first block was 4,096 bytes
  // whatever the identity's length (a heap overflow, under ASan).
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    auto s = Store::Open(path);
    REQUIRE_OK(s);
    Fill(*s.value(), 1, 8, 1, 1);
  }
  GrowFirstCatalogIdentity(path, 5000);
  auto s = Store::Open(path);
  REQUIRE_OK(s);
  ExportStats stats;
  const std::string out = MustExport(*s.value(), Pruning(), &stats);
  CHECK(stats.catalog_table_bytes > 5000);
  // Neither pin's identity is in the catalog now.
  CHECK(stats.pins_pruned_missing == 2);
  CHECK(out.find("pin_identity") == std::string::npos);
}

namespace {

// Two more pruning exports of `store`'s "shop" write `expected` without a
// table and without allocating one: the heap's peak grows by less than the
// 8 MiB of slots of the catalogs below.
void ExportsBuildNoTable(Store& store, const DigestSink& expected) {
  HeapPeak heap;
  for (int i = 0; i < 2; ++i) {
    ExportStats stats;
    DigestSink again;
    REQUIRE_OK(store.Export(Pruning(), again, &stats));
    CHECK(stats.catalog_table_bytes == 0);
    CHECK(again.hash == expected.hash);
  }
  const long growth_kb = heap.GrowthKb();
  INFO("heap growth " << growth_kb << " KiB");
  CHECK(growth_kb < 4 * 1024);
}

}  // namespace

TEST_CASE(
    "exports of a catalog whose table passes the budget on its own do not "
    "build that table again and again",
    "[catalog][memory]") {
  // 300,000 identities: 2^20 slots of 8 bytes (8 MiB), then blocks of
  // 1 MiB; the budget has room for the slots, not for the first block.
  const size_t items = 300'000;
  const size_t records = 20'000;  // enough records to ask for a table
  TempDir dir;
  const std::string path = dir.Sub("store");
  DigestSink expected;
  {
    StoreOptions options;
    options.sync = false;
    options.catalog_memory_budget = 0;  // B-tree lookups: the reference
    auto s = Store::Open(path, options);
    REQUIRE_OK(s);
    Fill(*s.value(), items, 8, records, 15);
    REQUIRE_OK(s.value()->Export(Pruning(), expected, nullptr));
  }
  {  // With room for it, this export does build and use a table.
    auto s = Store::Open(path);
    REQUIRE_OK(s);
    ExportStats stats;
    DigestSink sink;
    REQUIRE_OK(s.value()->Export(Pruning(), sink, &stats));
    CHECK(stats.catalog_table_bytes > (uint64_t{8} << 20));
    CHECK(sink.hash == expected.hash);
  }
  StoreOptions options;
  options.catalog_memory_budget = (uint64_t{8} << 20) + (512 << 10);
  auto s = Store::Open(path, options);
  REQUIRE_OK(s);
  ExportStats first;
  DigestSink sink;
  REQUIRE_OK(s.value()->Export(Pruning(), sink, &first));
  CHECK(first.catalog_table_bytes == 0);
  CHECK(first.pins_pruned_missing == records);
  CHECK(sink.hash == expected.hash);

  // Before, each later export zero-filled 8 MiB of slots and freed them.
  ExportsBuildNoTable(*s.value(), expected);
}

TEST_CASE(
    "exports of a catalog whose table cannot hold a damaged entry do not "
    "build that table again and again",
    "[catalog][memory][regression]") {
  // As above, 2^20 slots of 8 bytes; the first entry read is a 2 MiB
  // identity, longer than a block: no build of this catalog version can
  // succeed, and each export used to zero-fill the 8 MiB of slots again.
  const size_t items = 300'000;
  const size_t records = 20'000;
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    StoreOptions options;
    options.sync = false;
    auto s = Store::Open(path, options);
    REQUIRE_OK(s);
    Fill(*s.value(), items, 8, records, 15);
  }
  GrowFirstCatalogIdentity(path, 2 << 20);
  DigestSink expected;
  {
    StoreOptions options;
    options.catalog_memory_budget = 0;  // B-tree lookups: the reference
    auto s = Store::Open(path, options);
    REQUIRE_OK(s);
    REQUIRE_OK(s.value()->Export(Pruning(), expected, nullptr));
  }
  auto s = Store::Open(path);
  REQUIRE_OK(s);
  ExportStats first;
  DigestSink sink;
  REQUIRE_OK(s.value()->Export(Pruning(), sink, &first));
  CHECK(first.catalog_table_bytes == 0);
  CHECK(first.pins_pruned_missing >= records);
  CHECK(sink.hash == expected.hash);

  ExportsBuildNoTable(*s.value(), expected);
}

TEST_CASE(
    "a catalog table that did not fit only because another table held the "
    "budget is built once that table is gone",
    "[catalog][memory]") {
  // "a" and "b": tables of 65,536 bytes of slots and a 1 MiB block each,
  // one of which fits in 2,000,000 bytes; "c".."e": tables of a few KiB.
  StoreOptions options;
  options.sync = false;
  options.catalog_memory_budget = 2'000'000;
  TestStore s(options);
  Fill(*s, 4'000, 16, 400, 7, "a");
  Fill(*s, 4'000, 16, 400, 7, "b");
  for (const char* t : {"c", "d", "e"}) Fill(*s, 8, 8, 1, 1, t);
  auto table_bytes = [&](const std::string& tracker) {
    ExportStats stats;
    DigestSink sink;
    REQUIRE_OK(s->Export(Pruning(tracker), sink, &stats));
    CHECK(stats.pins_pruned_missing > 0);
    return stats.catalog_table_bytes;
  };
  CHECK(table_bytes("a") > 1'000'000);
  CHECK(table_bytes("b") == 0);  // "a" holds the budget
  for (const char* t : {"c", "d", "e"}) CHECK(table_bytes(t) > 0);
  // The cache holds 4 tables: b's own makes it drop the least recently
  // used, a's, and then b's fits.
  CHECK(table_bytes("b") > 1'000'000);
}

TEST_CASE(
    "an export after a catalog change prunes by the new catalog, while a "
    "snapshot taken before the change keeps pruning by the old one",
    "[catalog]") {
  TestStore s;
  Fill(*s, 64, 8, 8, 1);
  const std::string pin3 = "\"pin_identity\":\"" + Identity(3, 8) + "\"";
  ExportStats stats;
  CHECK(MustExport(*s, Pruning(), &stats).find(pin3) != std::string::npos);
  CHECK(stats.catalog_table_bytes > 0);
  CHECK(stats.pins_pruned_missing == 8);

  auto before = s->OpenSnapshot();
  REQUIRE_OK(before);
  REQUIRE_OK(s->RemoveCatalogItems("shop", {Identity(3, 8)}));
  CHECK(MustExport(*s, Pruning(), &stats).find(pin3) == std::string::npos);
  CHECK(stats.catalog_table_bytes > 0);
  CHECK(stats.pins_pruned_missing == 9);

  StringSink old;
  REQUIRE_OK(before.value().Export(Pruning(), old, &stats));
  CHECK(old.out.find(pin3) != std::string::npos);
  CHECK(stats.pins_pruned_missing == 8);

  REQUIRE_OK(s->AddCatalogItems("shop", {Identity(3, 8)}));
  CHECK(MustExport(*s, Pruning(), &stats).find(pin3) != std::string::npos);
  CHECK(stats.pins_pruned_missing == 8);
}

}  // namespace libexport::testing
