// Store::Import of an arbitrary document (JSON export document or NDJSON)
// into a real LMDB store in a temporary directory. The first byte picks the
// format and the conflict strategy; the rest is the document.
// Oracle: all or nothing. A failed import leaves the export byte-identical
// and every bad record reported; a successful one leaves Verify clean with
// the counts adding up. After a success the tracker is rebuilt, so every
// input starts from the same store.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "libexport/store.h"

using namespace libexport;

namespace {

const Timestamp kNow{1795953600, 0};

// Records whose ids the seeds reuse, so conflicts happen.
constexpr char kBase[] =
    R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"item","target_identity":"/p/1/","tags":["a","b"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/2/","active_to":"2026-01-01T00:00:00Z"}]}
{"id":"00000000-0000-4000-8000-000000000002","model":"home","target_type":"all","pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"k":[1,2.5,"x"]}}]}
{"id":"00000000-0000-4000-8000-000000000003","model":"basket","target_type":"criteria","target_criteria":{"c":true},"pin_definitions":[]}
)";

struct Fixture {
  Fixture() {
    char tmpl[] = "/tmp/libexport_fuzz_import_XXXXXX";
    dir = mkdtemp(tmpl);
    StoreOptions options;
    options.sync = false;  // speed; durability is the crash test's job
    options.max_map_size = 64 << 20;
    auto opened = Store::Open(dir + "/store", options);
    FUZZ_CHECK(opened.ok(), opened.status().ToString());
    store = opened.value();
    Rebuild();
    query.tracker_id = "t";
    query.now = kNow;
    auto e = store->ExportToString(query);
    FUZZ_CHECK(e.ok(), e.status().ToString());
    baseline = e.value();
  }
  void Rebuild() {
    (void)store->RemoveTracker("t");
    FUZZ_CHECK(store->AddTracker("t", "key").ok(), "add tracker");
    ImportOptions o;
    o.now = kNow;
    ImportReport r;
    Status s = store->Import("t", kBase, o, &r);
    FUZZ_CHECK(s.ok(), s.ToString());
  }
  std::string dir;
  std::shared_ptr<Store> store;
  ExportQuery query;
  std::string baseline;
};

Fixture& Get() {
  static Fixture* f = [] {
    auto* made = new Fixture;
    // The temporary store goes away with the fuzzer process.
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
  ImportOptions o;
  o.now = kNow;
  o.format = static_cast<ImportFormat>(data[0] % 3);
  o.on_conflict = static_cast<OnConflict>((data[0] / 3) % 3);
  std::string_view doc(reinterpret_cast<const char*>(data) + 1, size - 1);
  ImportReport report;
  Status s = f.store->Import("t", doc, o, &report);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == Status::Code::kInvalidArgument ||
                   s.code() == Status::Code::kAlreadyExists,
               s.ToString());
    FUZZ_CHECK(!report.errors.empty(), "a failure reports its records");
    auto after = f.store->ExportToString(f.query);
    FUZZ_CHECK(after.ok(), after.status().ToString());
    FUZZ_CHECK(after.value() == f.baseline, "a failed import changed data");
    return 0;
  }
  FUZZ_CHECK(report.errors.empty(), "success with errors");
  VerifyReport v;
  FUZZ_CHECK(f.store->Verify("t", &v).ok(), "verify");
  FUZZ_CHECK(v.problems.empty(), v.problems.front());
  const size_t touched = report.inserted + report.replaced;
  FUZZ_CHECK(v.records == 3 + report.inserted, "record count");
  // The export of what was imported imports back into the same state.
  auto exported = f.store->ExportToString(f.query);
  FUZZ_CHECK(exported.ok(), exported.status().ToString());
  ImportOptions again;
  again.now = Timestamp{1, 0};
  again.on_conflict = OnConflict::kOverride;
  ImportReport r2;
  Status s2 = f.store->Import("t", exported.value(), again, &r2);
  FUZZ_CHECK(s2.ok(), s2.ToString());
  auto re = f.store->ExportToString(f.query);
  FUZZ_CHECK(re.ok() && re.value() == exported.value(),
             "export -> import -> export changed bytes");
  if (touched > 0) f.Rebuild();
  return 0;
}
