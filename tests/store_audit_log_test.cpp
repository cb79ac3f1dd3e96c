// The audit log: every committed write appends one entry (time, actor,
// operation, tracker, ids or counts) in its own transaction; a failed write
// leaves none; ReadAuditLog filters by time and tracker; the store's
// retention drops old entries.
#include <lmdb.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "libexport/store.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

std::string Rec(uint64_t n, std::string_view model) {
  return R"({"id":")" + TestId(n) + R"(","model":")" + std::string(model) +
         R"(","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
}

// A store whose clock the test moves.
struct ClockedStore {
  ClockedStore() : store(Options(&clock)) {}
  static StoreOptions Options(Timestamp* clock) {
    StoreOptions o;
    o.clock = [clock] { return *clock; };
    return o;
  }
  Timestamp clock = kNow;
  TestStore store;
};

std::vector<std::string> Log(const Store& store, AuditLogQuery query = {}) {
  std::vector<std::string> lines;
  uint64_t corrupt = 99;
  REQUIRE_OK(store.ReadAuditLog(
      query,
      [&](const AuditLogEntry& e) {
        lines.push_back(e.json);
        return true;
      },
      &corrupt));
  CHECK(corrupt == 0);
  return lines;
}

TEST_CASE(
    "every kind of write appends one audit log entry with its actor, "
    "operation, tracker and ids or counts",
    "[audit_log]") {
  ClockedStore c;
  Store& s = *c.store;
  REQUIRE_OK(
      s.AddTracker("t", std::string("a-secret-key-of-some-length"), "alice"));
  c.clock.seconds += 1;
  REQUIRE_OK(s.Put("t", Rec(1, "m"), Store::PutMode::kCreate, kNow, "alice"));
  REQUIRE_OK(s.Put("t", Rec(1, "m2"), Store::PutMode::kReplace, kNow, "bob"));
  REQUIRE_OK(s.Put("t", Rec(1, "m2"), Store::PutMode::kUpsert, kNow, "bob"));
  REQUIRE_OK(s.Delete("t", TestId(1), "carol"));
  ImportOptions o = Opts(ImportFormat::kNdjson);
  o.actor = "shop@127.0.0.1";
  MustImport(s, "t", Lines({Rec(2, "m"), Rec(3, "m")}), o);
  o.replace = true;
  MustImport(s, "t", Lines({Rec(3, "m")}), o);
  REQUIRE_OK(s.AddCatalogItems("t", {"/p/1/", "/p/2/"}, nullptr, "dave"));
  REQUIRE_OK(s.RemoveCatalogItems("t", {"/p/2/", "/p/9/"}, nullptr, "dave"));
  REQUIRE_OK(s.RotateTrackerKey("t", std::nullopt, kNow, "erin"));
  REQUIRE_OK(s.RotateTrackerKey("t", std::string("another-key-long-enough"),
                                Timestamp{kNow.seconds + 3600, 0}, "erin"));
  REQUIRE_OK(s.SetSyncState("t", {"http://up", "u", "", ""}, "sync"));
  ApplyChangesOptions ao;
  ao.actor = "sync";
  REQUIRE_OK(s.ApplyChanges(
      "t",
      {R"({"changes":[{"seq":"1","op":"upsert","customization":)" +
       Rec(4, "m") +
       R"(},{"seq":"2","op":"catalog_add","identity":"/p/3/"}],"cursor":"1-2","more":false})"},
      ao, nullptr));
  REQUIRE_OK(s.RemoveTracker("t", "frank"));

  const std::string t0 = R"({"time":"2026-11-29T12:00:00.000000Z",)";
  const std::string t1 = R"({"time":"2026-11-29T12:00:01.000000Z",)";
  const std::vector<std::string> want = {
      t0 + R"("actor":"alice","op":"tracker_add","tracker":"t","key":"given"})",
      t1 + R"("actor":"alice","op":"put","tracker":"t","id":")" + TestId(1) +
          R"(","mode":"create","result":"inserted"})",
      t1 + R"("actor":"bob","op":"put","tracker":"t","id":")" + TestId(1) +
          R"(","mode":"replace","result":"replaced"})",
      t1 + R"("actor":"bob","op":"put","tracker":"t","id":")" + TestId(1) +
          R"(","mode":"upsert","result":"unchanged"})",
      t1 + R"("actor":"carol","op":"delete","tracker":"t","id":")" + TestId(1) +
          R"("})",
      t1 +
          R"("actor":"shop@127.0.0.1","op":"import","tracker":"t","inserted":2,"replaced":0,"unchanged":0,"skipped":0,"removed":0})",
      t1 +
          R"("actor":"shop@127.0.0.1","op":"import","tracker":"t","inserted":0,"replaced":0,"unchanged":1,"skipped":0,"removed":1,"mode":"replace"})",
      t1 +
          R"("actor":"dave","op":"catalog_add","tracker":"t","requested":2,"changed":2,"identities":["/p/1/","/p/2/"]})",
      t1 +
          R"("actor":"dave","op":"catalog_remove","tracker":"t","requested":2,"changed":1,"identities":["/p/2/"]})",
      t1 +
          R"("actor":"erin","op":"rotate_key","tracker":"t","key":"generated"})",
      t1 +
          R"("actor":"erin","op":"rotate_key","tracker":"t","key":"given","previous_valid_until":"2026-11-29T13:00:00.000000Z"})",
      t1 +
          R"("actor":"sync","op":"sync_state","tracker":"t","upstream":"http://up","remote_tracker":"u"})",
      t1 +
          R"("actor":"sync","op":"apply_changes","tracker":"t","inserted":1,"replaced":0,"unchanged":0,"removed":0,"catalog_added":1,"catalog_removed":0})",
      t1 +
          R"("actor":"frank","op":"tracker_remove","tracker":"t","customizations":2,"catalog_items":2})",
  };
  const std::vector<std::string> got = Log(s);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("entry " << i);
    CHECK(got[i] == want[i]);
  }
  // No key is ever written into the log.
  for (const std::string& line : got) {
    CHECK(line.find("a-secret-key") == std::string::npos);
    CHECK(line.find("another-key") == std::string::npos);
  }
  // The fields the entry carries outside its JSON.
  std::vector<AuditLogEntry> entries;
  REQUIRE_OK(s.ReadAuditLog({}, [&](const AuditLogEntry& e) {
    entries.push_back(e);
    return entries.size() < 2;  // stops after the second
  }));
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].time == Timestamp{kNow.seconds + 1, 0});
  CHECK(entries[1].actor == "alice");
  CHECK(entries[1].op == "put");
  CHECK(entries[1].tracker == "t");
}

TEST_CASE(
    "a write that fails, an import rolled back on a conflict and a dry run "
    "leave no audit log entry",
    "[audit_log]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t", std::nullopt, "op"));
  REQUIRE_OK(s->Put("t", Rec(1, "m"), Store::PutMode::kCreate, kNow, "op"));
  REQUIRE(Log(*s).size() == 2);

  // The conflict is found inside the import's write transaction.
  ImportOptions o = Opts(ImportFormat::kNdjson);
  o.actor = "op";
  ImportReport report;
  CHECK(s->Import("t", Lines({Rec(2, "m"), Rec(1, "m")}), o, &report).code() ==
        Status::Code::kAlreadyExists);
  CHECK(s->Import("t", Lines({Rec(3, "m"), "{nope"}), o, &report).code() ==
        Status::Code::kInvalidArgument);
  o.dry_run = true;
  o.on_conflict = OnConflict::kOverride;
  REQUIRE_OK(s->Import("t", Lines({Rec(2, "m")}), o, &report));
  CHECK(report.inserted == 1);
  CHECK(s->Put("t", Rec(1, "m"), Store::PutMode::kCreate, kNow, "op")
            .status()
            .code() == Status::Code::kAlreadyExists);
  CHECK(s->Delete("t", TestId(7), "op").code() == Status::Code::kNotFound);
  CHECK(s->AddTracker("t", std::nullopt, "op").status().code() ==
        Status::Code::kAlreadyExists);
  CHECK(s->RemoveTracker("nope", "op").code() == Status::Code::kNotFound);
  CHECK(s->AddCatalogItems("t", {""}, nullptr, "op").code() ==
        Status::Code::kInvalidArgument);
  CHECK(Log(*s).size() == 2);
  CHECK(MustExport(*s, Query("t")).find(TestId(2)) == std::string::npos);
}

TEST_CASE(
    "an actor longer than 256 bytes or not UTF-8 is refused and changes "
    "nothing",
    "[audit_log]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  const std::string long_actor(kMaxActorSize + 1, 'a');
  Status st =
      s->Put("t", Rec(1, "m"), Store::PutMode::kCreate, kNow, long_actor)
          .status();
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.field() == "actor");
  st = s->Delete("t", TestId(1), "bad \xff byte");
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.field() == "actor");
  ImportOptions o = Opts(ImportFormat::kNdjson);
  o.actor = long_actor;
  CHECK(s->Import("t", Lines({Rec(1, "m")}), o, nullptr).field() == "actor");
  CHECK(MustExport(*s, Query("t")) == Doc({}));
  CHECK(Log(*s).size() == 1);  // AddTracker's
  // The longest allowed one is kept whole, escaped as JSON.
  const std::string quoted = std::string(kMaxActorSize - 2, 'b') + "\"\n";
  REQUIRE_OK(s->Put("t", Rec(1, "m"), Store::PutMode::kCreate, kNow, quoted));
  const std::vector<std::string> log = Log(*s);
  REQUIRE(log.size() == 2);
  CHECK(log[1].find(R"("actor":")" + std::string(kMaxActorSize - 2, 'b') +
                    R"(\"\n")") != std::string::npos);
}

TEST_CASE("the audit log is read from an instant on and for one tracker",
          "[audit_log]") {
  ClockedStore c;
  Store& s = *c.store;
  REQUIRE_OK(s.AddTracker("a", std::nullopt, "x"));  // kNow
  REQUIRE_OK(s.AddTracker("b", std::nullopt, "x"));  // kNow
  c.clock = Timestamp{kNow.seconds + 10, 500'000'000};
  REQUIRE_OK(s.Put("a", Rec(1, "m"), Store::PutMode::kCreate, kNow, "x"));
  REQUIRE_OK(s.Put("b", Rec(1, "m"), Store::PutMode::kCreate, kNow, "y"));
  c.clock.seconds += 10;
  REQUIRE_OK(s.Delete("a", TestId(1), "z"));

  auto ops = [&](AuditLogQuery q) {
    std::vector<std::string> out;
    REQUIRE_OK(s.ReadAuditLog(q, [&](const AuditLogEntry& e) {
      out.push_back(e.tracker + ":" + e.op + ":" + e.actor);
      return true;
    }));
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(ops({}) == V{"a:tracker_add:x", "b:tracker_add:x", "a:put:x", "b:put:y",
                     "a:delete:z"});
  AuditLogQuery q;
  q.since = Timestamp{kNow.seconds + 10, 500'000'000};  // inclusive
  CHECK(ops(q) == V{"a:put:x", "b:put:y", "a:delete:z"});
  q.since = Timestamp{kNow.seconds + 10, 500'001'000};
  CHECK(ops(q) == V{"a:delete:z"});
  q.tracker = "b";
  CHECK(ops(q).empty());
  q.since.reset();
  CHECK(ops(q) == V{"b:tracker_add:x", "b:put:y"});
  q.tracker = "nope";
  CHECK(ops(q).empty());
}

TEST_CASE(
    "the audit log retention drops old entries at once when set and with "
    "each later write",
    "[audit_log]") {
  ClockedStore c;
  Store& s = *c.store;
  REQUIRE(s.AuditLogRetention().value() == std::chrono::seconds(0));
  REQUIRE_OK(s.AddTracker("t", std::nullopt, "x"));  // kNow
  for (uint64_t i = 1; i <= 3; ++i) {
    c.clock.seconds += 100;
    REQUIRE_OK(s.Put("t", Rec(i, "m"), Store::PutMode::kCreate, kNow, "x"));
  }
  // kNow+300: a retention of 150 s keeps the puts at +200 and +300.
  uint64_t removed = 0;
  REQUIRE_OK(
      s.SetAuditLogRetention(std::chrono::seconds(150), "admin", &removed));
  CHECK(removed == 2);
  CHECK(s.AuditLogRetention().value() == std::chrono::seconds(150));
  std::vector<std::string> log = Log(s);
  REQUIRE(log.size() == 3);
  CHECK(log[0].find(R"("time":"2026-11-29T12:03:20.000000Z")") !=
        std::string::npos);
  CHECK(
      log[2].find(
          R"("actor":"admin","op":"audit_log_retention","tracker":"","retention_seconds":150,"removed":2})") !=
      std::string::npos);
  // A later write trims what has expired since.
  c.clock.seconds += 120;  // +420: +200 is older than 150 s
  REQUIRE_OK(s.Delete("t", TestId(1), "x"));
  log = Log(s);
  REQUIRE(log.size() == 3);
  CHECK(log[0].find(R"("time":"2026-11-29T12:05:00.000000Z")") !=
        std::string::npos);
  CHECK(log[2].find(R"("op":"delete")") != std::string::npos);
  // Zero keeps everything again.
  REQUIRE_OK(s.SetAuditLogRetention(std::chrono::seconds(0), "admin"));
  c.clock.seconds += 100000;
  REQUIRE_OK(s.Delete("t", TestId(2), "x"));
  CHECK(Log(s).size() == 5);
  CHECK(s.SetAuditLogRetention(std::chrono::seconds(-1)).field() ==
        "retention");
}

TEST_CASE(
    "a store whose writer predates the audit log opens read-only with an "
    "empty audit log, and read-write adds the table",
    "[audit_log]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    auto s = Store::Open(path).value();
    REQUIRE_OK(s->AddTracker("t", std::nullopt, "x"));
  }
  {  // Remove the table, as a store written before it existed lacks it.
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == MDB_SUCCESS);
    mdb_env_set_maxdbs(env, 16);
    mdb_env_set_mapsize(env, uint64_t{64} << 30);
    REQUIRE(mdb_env_open(env, path.c_str(), 0, 0600) == MDB_SUCCESS);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == MDB_SUCCESS);
    MDB_dbi dbi;
    REQUIRE(mdb_dbi_open(txn, "audit_log", 0, &dbi) == MDB_SUCCESS);
    REQUIRE(mdb_drop(txn, dbi, 1) == MDB_SUCCESS);
    REQUIRE(mdb_txn_commit(txn) == MDB_SUCCESS);
    mdb_env_close(env);
  }
  StoreOptions ro;
  ro.read_only = true;
  {
    auto s = Store::Open(path, ro);
    REQUIRE_OK(s);
    CHECK(Log(*s.value()).empty());
    CHECK(MustExport(*s.value(), Query("t")) == Doc({}));
  }
  {
    auto s = Store::Open(path).value();
    REQUIRE_OK(s->AddCatalogItems("t", {"/p/1/"}, nullptr, "x"));
    CHECK(Log(*s).size() == 1);
  }
}

}  // namespace
}  // namespace libexport::testing
