// exportctl sync against a libexport upstream: a primary Store served by the
// real export and changes routes on a loopback port, a follower store
// written only by the exportctl binary. Random writes, syncs killed at
// random moments, small batches: at the end both export the same bytes.
// A cursor lost to tombstone compaction (410) restarts from the beginning
// by itself.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <random>

#include "program_test_util.h"

namespace libexport::testing {
namespace {

constexpr const char* kKey = "the-primary-key-0123456789";
constexpr const char* kAt = "2026-11-29T12:00:00Z";  // kNow

std::string Rec(uint64_t n, std::string_view model, std::string_view pin) {
  return R"({"id":")" + TestId(n) + R"(","model":")" + std::string(model) +
         R"(","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":")" +
         std::string(pin) +
         R"("}],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
}

// The follower: a store directory only exportctl touches.
struct Follower {
  Follower() { std::ofstream(dir.Sub("key")) << kKey << "\n"; }
  std::string Args(const std::string& url, size_t limit) const {
    return "--store " + dir.Sub("store") + " sync shop --from " + url +
           " --key-file " + dir.Sub("key") + " --limit " +
           std::to_string(limit);
  }
  Ran Sync(const std::string& url, size_t limit = 1000) const {
    return RunExportctl(Args(url, limit), dir);
  }
  // Started with --follow and killed with SIGKILL after `ms`.
  void SyncKilledAfter(const std::string& url, size_t limit, int ms) const {
    std::vector<std::string> argv = {EXPORTCTL_BIN,
                                     "--store",
                                     dir.Sub("store"),
                                     "sync",
                                     "shop",
                                     "--from",
                                     url,
                                     "--key-file",
                                     dir.Sub("key"),
                                     "--limit",
                                     std::to_string(limit),
                                     "--follow"};
    Child child(argv, dir.Sub("follow.err"));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    child.Signal(SIGKILL);
  }
  std::string Export(const std::string& flags = "") const {
    Ran r = RunExportctl(
        "--store " + dir.Sub("store") + " export shop --now " + kAt + flags,
        dir);
    REQUIRE(r.status == 0);
    return r.out;
  }
  TempDir dir;
};

std::string PrimaryExport(const Store& primary, bool prune_missing) {
  ExportQuery q = Query("shop");
  q.remove_nonexisting_item_pins = prune_missing;
  return MustExport(primary, q);
}

TEST_CASE(
    "a follower synced with random interruptions exports what the primary "
    "exports, byte for byte",
    "[sync][cli]") {
  TestStore primary;
  REQUIRE_OK(primary->AddTracker("shop", std::string(kKey)));
  LiveServer server(primary.store, {}, /*fixed_clock=*/false);
  Follower follower;
  std::mt19937 rng(20261202);
  auto pick = [&](uint64_t n) {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
  };
  for (int round = 0; round < 12; ++round) {
    for (int op = 0; op < 10; ++op) {
      const uint64_t n = pick(60);
      const std::string pin = "/p/" + std::to_string(pick(12)) + "/";
      // Appended, not "m" + to_string(): GCC 12 warns about the latter
      // (-Wrestrict, a false positive in char_traits' memcpy).
      std::string model = "m";
      model += std::to_string(pick(3));
      switch (pick(6)) {
        case 0:
        case 1:
          REQUIRE_OK(primary->Put("shop", Rec(n, model, pin),
                                  Store::PutMode::kUpsert, kNow));
          break;
        case 2: {
          Status st = primary->Delete("shop", TestId(n));
          REQUIRE((st.ok() || st.code() == Status::Code::kNotFound));
          break;
        }
        case 3: {
          std::string doc;
          for (int i = 0; i < 5; ++i) doc += Rec(pick(60), model, pin) + "\n";
          ImportOptions o = Opts(ImportFormat::kNdjson, OnConflict::kOverride);
          ImportReport report;
          Status st = primary->Import("shop", doc, o, &report);
          // A repeated id in the document is refused; nothing changes.
          REQUIRE((st.ok() || st.code() == Status::Code::kInvalidArgument));
          break;
        }
        case 4:
          REQUIRE_OK(primary->AddCatalogItems("shop", {pin}));
          break;
        case 5:
          REQUIRE_OK(primary->RemoveCatalogItems("shop", {pin}));
          break;
      }
    }
    const size_t limit = 1 + pick(4);
    if (pick(2) == 0) {
      Ran r = follower.Sync(server.url(), limit);
      INFO(r.err);
      REQUIRE(r.status == 0);
    } else {
      follower.SyncKilledAfter(server.url(), limit, static_cast<int>(pick(60)));
    }
  }
  Ran r = follower.Sync(server.url(), 3);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(follower.Export() == PrimaryExport(*primary, false));
  CHECK(follower.Export(" --remove-nonexisting-item-pins") ==
        PrimaryExport(*primary, true));
  // Nothing new: the next sync changes nothing.
  r = follower.Sync(server.url());
  CHECK(r.out.rfind("sync shop: +0 ~0 -0, catalog +0 -0 (to cursor ", 0) == 0);
}

TEST_CASE(
    "a cursor the primary compacted away is a 410 and the follower restarts "
    "from the beginning by itself",
    "[sync][cli]") {
  std::atomic<int64_t> now{kNow.seconds};
  StoreOptions options;
  options.tombstone_retention = std::chrono::seconds(60);
  options.clock = [&now] { return Timestamp{now.load(), 0}; };
  TestStore primary(options);
  REQUIRE_OK(primary->AddTracker("shop", std::string(kKey)));
  for (uint64_t n = 0; n < 5; ++n) {
    REQUIRE_OK(primary->Put("shop", Rec(n, "m", "/p/1/"),
                            Store::PutMode::kCreate, kNow));
  }
  LiveServer server(primary.store, {}, /*fixed_clock=*/false);
  Follower follower;
  Ran r = follower.Sync(server.url());
  REQUIRE(r.status == 0);
  auto local = [&] {
    auto s = Store::Open(follower.dir.Sub("store"));
    REQUIRE_OK(s);
    auto state = s.value()->SyncStateOf("shop");
    REQUIRE_OK(state);
    return state.value();
  };
  const std::string cursor = local().cursor;
  REQUIRE(!cursor.empty());

  // Deleted, then forgotten: a day later the writes compact the tombstones.
  REQUIRE_OK(primary->Delete("shop", TestId(1)));
  REQUIRE_OK(primary->Delete("shop", TestId(2)));
  now += 24 * 3600;
  REQUIRE_OK(primary->Put("shop", Rec(9, "m", "/p/1/"), Store::PutMode::kCreate,
                          kNow));
  REQUIRE_OK(primary->AddCatalogItems("shop", {"/p/1/"}));

  r = follower.Sync(server.url());
  INFO(r.err);
  CHECK(r.status == 0);
  const std::string restarted =
      "sync shop: the upstream no longer has cursor " + cursor +
      " (HTTP 410 cursor_expired): starting again from the beginning\n"
      "sync shop: +1 ~0 -2, catalog +1 -0 (from the beginning, to cursor ";
  CHECK(r.out.substr(0, restarted.size()) == restarted);
  CHECK(follower.Export() == PrimaryExport(*primary, false));
  CHECK(follower.Export(" --remove-nonexisting-item-pins") ==
        PrimaryExport(*primary, true));
  CHECK(local().cursor != cursor);
}

}  // namespace
}  // namespace libexport::testing
