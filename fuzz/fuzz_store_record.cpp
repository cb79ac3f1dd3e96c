// A corrupted record inside a real LMDB store. The fuzz input becomes the
// stored value of one record (the first byte picks which); the file is
// written with plain LMDB, then the store is opened and exported.
// Oracle (store.h, Export): the bad record is either skipped and counted in
// stats.records_corrupt, or it decodes; either way every other record is
// exported byte for byte as before, in order, and nothing crashes. Verify
// reports a problem whenever the export skipped the record.
#include <lmdb.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.h"
#include "libexport/store.h"

using namespace libexport;

namespace {

const Timestamp kNow{1795953600, 0};

constexpr char kRecords[] =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["a","b"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/2/","active_to":"2026-01-01T00:00:00Z"},{"position":2,"pin_type":"item","pin_identity":"/p/9/"}]}
{"id":"00000000-0000-4000-8000-000000000002","model":"home","target_type":"all","pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"k":[1,2.5,"x"]}}]}
{"id":"00000000-0000-4000-8000-000000000003","model":"basket","target_type":"criteria","target_criteria":{"c":true},"tags":["a"],"pin_definitions":[]}
{"id":"00000000-0000-4000-8000-000000000004","model":"basket","target_type":"item","target_identity":"/p/2/","pin_definitions":[{"position":0,"pin_type":"item","pin_identity":"/p/1/","is_block_pin":true,"active_from":"2027-01-01T00:00:00Z"}]}
)";

// The queries whose outputs are compared: no filter, filters the record
// header answers, and both pruning switches (which read the pin entries).
std::vector<ExportQuery> Queries() {
  std::vector<ExportQuery> qs;
  ExportQuery all;
  all.tracker_id = "t";
  all.now = kNow;
  qs.push_back(all);
  ExportQuery model = all;
  model.models = {"basket"};
  model.tags = {"a"};
  qs.push_back(model);
  ExportQuery pruned = all;
  pruned.remove_expired_pins = true;
  pruned.remove_nonexisting_item_pins = true;
  qs.push_back(pruned);
  ExportQuery item = pruned;
  item.target_types = {TargetType::kItem};
  item.target_identities = {"/p/2/"};
  qs.push_back(item);
  return qs;
}

// Export lines: the records of a document, one per line.
std::vector<std::string> Lines(const std::string& doc) {
  std::vector<std::string> out;
  for (std::string_view l : fuzz::Split(doc, '\n')) {
    if (l.starts_with("{\"id\"")) {
      if (l.ends_with(",")) l.remove_suffix(1);
      out.emplace_back(l);
    }
  }
  return out;
}

bool IsFor(const std::string& line, const std::string& id) {
  return line.starts_with("{\"id\":\"" + id + "\"");
}

struct Fixture {
  Fixture() {
    char tmpl[] = "/tmp/libexport_fuzz_store_XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/store";
    {
      auto opened = Store::Open(path, Options());
      FUZZ_CHECK(opened.ok(), opened.status().ToString());
      auto store = opened.value();
      FUZZ_CHECK(store->AddTracker("t", "key").ok(), "tracker");
      FUZZ_CHECK(store->AddCatalogItems("t", {"/p/1/", "/p/2/"}).ok(),
                 "catalog");
      ImportOptions o;
      o.now = kNow;
      ImportReport r;
      Status s = store->Import("t", kRecords, o, &r);
      FUZZ_CHECK(s.ok(), s.ToString());
      for (const ExportQuery& q : Queries()) {
        auto e = store->ExportToString(q);
        FUZZ_CHECK(e.ok(), e.status().ToString());
        baseline.push_back(Lines(e.value()));
      }
    }  // the store closes: the file is written with plain LMDB below
    WithRecords([&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_cursor* c = nullptr;
      FUZZ_CHECK(mdb_cursor_open(txn, dbi, &c) == 0, "cursor");
      MDB_val k, v;
      for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
           rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        keys.emplace_back(static_cast<char*>(k.mv_data), k.mv_size);
        values.emplace_back(static_cast<char*>(v.mv_data), v.mv_size);
      }
      mdb_cursor_close(c);
    });
    FUZZ_CHECK(keys.size() == 4, "four records");
  }

  static StoreOptions Options() {
    StoreOptions o;
    o.sync = false;
    o.max_map_size = 64 << 20;
    return o;
  }

  // Runs `fn` in a write transaction on the `records` table, with plain
  // LMDB, while no Store has the environment open.
  template <typename Fn>
  void WithRecords(Fn fn) {
    MDB_env* env = nullptr;
    FUZZ_CHECK(mdb_env_create(&env) == 0, "env");
    mdb_env_set_maxdbs(env, 8);
    mdb_env_set_mapsize(env, 4 << 20);
    FUZZ_CHECK(mdb_env_open(env, path.c_str(), MDB_NOSYNC, 0600) == 0,
               "env open");
    MDB_txn* txn = nullptr;
    FUZZ_CHECK(mdb_txn_begin(env, nullptr, 0, &txn) == 0, "txn");
    MDB_dbi dbi;
    FUZZ_CHECK(mdb_dbi_open(txn, "records", 0, &dbi) == 0, "dbi");
    fn(txn, dbi);
    FUZZ_CHECK(mdb_txn_commit(txn) == 0, "commit");
    mdb_env_close(env);
  }

  std::string dir, path;
  std::vector<std::string> keys, values;
  std::vector<std::vector<std::string>> baseline;
};

Fixture& Get() {
  static Fixture* f = [] {
    auto* made = new Fixture;
    atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Get().dir, ec);
    });
    return made;
  }();
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& f = Get();
  const size_t victim = data[0] % f.keys.size();
  std::string bad(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (bad.empty()) bad.push_back('\0');  // LMDB values may be empty; keep 1
  f.WithRecords([&](MDB_txn* txn, MDB_dbi dbi) {
    for (size_t i = 0; i < f.keys.size(); ++i) {
      const std::string& v = i == victim ? bad : f.values[i];
      MDB_val k{f.keys[i].size(), f.keys[i].data()};
      MDB_val d{v.size(), const_cast<char*>(v.data())};
      FUZZ_CHECK(mdb_put(txn, dbi, &k, &d, 0) == 0, "put");
    }
  });
  const std::string victim_id =
      "00000000-0000-4000-8000-00000000000" + std::to_string(victim + 1);

  auto opened = Store::Open(f.path, Fixture::Options());
  FUZZ_CHECK(opened.ok(), opened.status().ToString());
  std::shared_ptr<Store> store = opened.value();
  const std::vector<ExportQuery> queries = Queries();
  bool skipped = false;
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    ExportStats stats;
    auto e = store->ExportToString(queries[qi], &stats);
    FUZZ_CHECK(e.ok(), e.status().ToString());
    FUZZ_CHECK(stats.records_corrupt <= 1, "only one record is bad");
    if (stats.records_corrupt == 1) skipped = true;
    // Every other record: exactly as before, in the same order. The bad
    // record, when it decodes, may print anything, but only in its own place
    // (results are ordered by id).
    std::string before, after;
    std::vector<std::string> rest;
    for (const std::string& l : f.baseline[qi]) {
      if (IsFor(l, victim_id)) continue;
      rest.push_back(l);
      std::string& side = l < "{\"id\":\"" + victim_id ? before : after;
      if (!side.empty()) side += ",\n";
      side += l;
    }
    const std::string& got = e.value();
    if (stats.records_corrupt == 1) {
      std::string want = "{\"results\":[";
      for (size_t i = 0; i < rest.size(); ++i)
        want += (i == 0 ? "\n" : ",\n") + rest[i];
      want += rest.empty() ? "]}\n" : "\n]}\n";
      FUZZ_CHECK(got == want, "skipped record: others changed (query " +
                                  std::to_string(qi) + ")\n" + got);
    } else {
      const std::string prefix =
          "{\"results\":[" + (before.empty() ? "" : "\n" + before);
      const std::string suffix = (after.empty() ? "" : after + "\n") + "]}\n";
      FUZZ_CHECK(got.size() >= prefix.size() + suffix.size() &&
                     got.starts_with(prefix) && got.ends_with(suffix),
                 "decoded record: others changed (query " + std::to_string(qi) +
                     ")\n" + got);
    }
  }
  VerifyReport report;
  FUZZ_CHECK(store->Verify("t", &report).ok(), "verify ran");
  if (skipped) FUZZ_CHECK(!report.problems.empty(), "verify saw nothing");
  return 0;
}
