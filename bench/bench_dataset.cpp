#include "bench_dataset.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>

#include "demo_data.h"

namespace libexport::bench {
namespace {

std::map<size_t, std::unique_ptr<DataSet>>& Sets() {
  static auto* sets = new std::map<size_t, std::unique_ptr<DataSet>>();
  return *sets;
}
size_t g_peer_max_size = SIZE_MAX;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

void Build(DataSet& d) {
  char tmpl[] = "/tmp/libexport-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    d.error = "mkdtemp failed";
    return;
  }
  d.dir = tmpl;
  demo::DemoOptions o;
  o.customizations = d.size;
  o.catalog = std::max<size_t>(1000, d.size);
  o.seed = 42;
  o.now = kBenchNow;
  demo::DemoData demo = demo::GenerateDemo(o);
  d.ndjson = std::move(demo.ndjson);
  d.ndjson += ProbeRecords();
  d.catalog = std::move(demo.catalog);

  if (!d.reference.Build(d.ndjson, d.catalog, &d.error)) return;

  StoreOptions so;
  // Room for the store (about 2x the NDJSON), and small enough for
  // valgrind's address space (the gate runs this setup under callgrind; a
  // 16 GiB map fails there with EINVAL).
  so.max_map_size =
      std::max<uint64_t>(uint64_t{1} << 30, uint64_t{4} * d.ndjson.size());
  auto store = Store::Open(d.dir + "/store", so);
  if (!store.ok()) {
    d.error = "Store::Open: " + store.status().ToString();
    return;
  }
  d.store = *store;
  if (auto key = d.store->AddTracker(kTrackerId, "bench-key"); !key.ok()) {
    d.error = "AddTracker: " + key.status().ToString();
    return;
  }
  if (Status s = d.store->AddCatalogItems(kTrackerId, d.catalog); !s.ok()) {
    d.error = "AddCatalogItems: " + s.ToString();
    return;
  }
  ImportOptions io;
  io.format = ImportFormat::kNdjson;
  io.now = kBenchNow;
  ImportReport report;
  auto start = std::chrono::steady_clock::now();
  // The first progress call comes when the write phase starts: the time
  // before it is parsing, validation, encoding and sorting.
  io.progress = [&d, start](size_t, size_t) {
    if (d.import_encode_seconds == 0)
      d.import_encode_seconds = SecondsSince(start);
  };
  Status s = d.store->Import(kTrackerId, d.ndjson, io, &report);
  d.import_seconds = SecondsSince(start);
  if (!s.ok()) {
    d.error = "Import: " + s.ToString();
    if (!report.errors.empty()) {
      d.error += " (" + report.errors[0].location + " " +
                 report.errors[0].field + ": " + report.errors[0].message + ")";
    }
    return;
  }
  std::error_code ec;
  d.store_bytes = std::filesystem::file_size(d.dir + "/store/data.mdb", ec);
  if (Status b = d.store->Backup(d.dir + "/floor"); !b.ok()) {
    d.error = "Backup: " + b.ToString();
    return;
  }
  d.compact_bytes = std::filesystem::file_size(d.dir + "/floor/data.mdb", ec);
  if (d.error = d.floor.Open(d.dir + "/floor", kTrackerId); !d.error.empty()) {
    return;
  }
  d.out.resize(d.ndjson.size() * 3 / 2 + (1 << 20));
  d.out.clear();
  if (d.size <= g_peer_max_size) {
    start = std::chrono::steady_clock::now();
    d.error = d.peer.Load(d.dir + "/peer.sqlite", d.ndjson, d.catalog);
    d.peer_load_seconds = SecondsSince(start);
  }
}

}  // namespace

DataSet* GetDataSet(size_t size) {
  std::unique_ptr<DataSet>& d = Sets()[size];
  if (d == nullptr) {
    d = std::make_unique<DataSet>();
    d->size = size;
    Build(*d);
  }
  return d.get();
}

void SetPeerMaxSize(size_t size) { g_peer_max_size = size; }

void CleanupDataSets() {
  for (auto& [size, d] : Sets()) {
    std::string dir = d->dir;
    d.reset();  // closes the store, the floor env and the peer first
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  Sets().clear();
}

}  // namespace libexport::bench
