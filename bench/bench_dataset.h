// One benchmark data set per store size: the demo NDJSON (plus the probe
// records), a Store loaded from it, an LMDB copy for the floor, a SQLite
// peer database, and the reference answers. Built on first use, shared by
// every benchmark of that size, removed by CleanupDataSets().
#ifndef LIBEXPORT_BENCH_BENCH_DATASET_H_
#define LIBEXPORT_BENCH_BENCH_DATASET_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench_cases.h"
#include "libexport/store.h"
#include "lmdb_floor.h"
#include "reference.h"
#include "sqlite_peer.h"

namespace libexport::bench {

struct DataSet {
  size_t size = 0;  // demo customizations (the probes come on top)
  std::string dir;  // temporary directory holding everything below
  std::string ndjson;
  std::vector<std::string> catalog;
  std::shared_ptr<Store> store;
  double import_seconds = 0;         // Store::Import of `ndjson`
  double import_encode_seconds = 0;  // of it, before the first write
  uint64_t store_bytes = 0;          // data.mdb after the import
  uint64_t compact_bytes = 0;        // data.mdb of the compacted Backup()
  double peer_load_seconds = 0;
  LmdbFloor floor;
  SqlitePeer peer;
  Reference reference;
  // The output buffer every benchmark of this size writes into: allocated
  // and touched once, so no timing includes first-touch page faults.
  std::string out;
  std::string error;  // non-empty when the set could not be built
};

// Appends an export's bytes to a string the caller owns (and pre-sizes).
class BufferSink : public ExportSink {
 public:
  explicit BufferSink(std::string* out) : out_(out) {}
  bool Write(std::string_view chunk) override {
    out_->append(chunk);
    return true;
  }

 private:
  std::string* out_;
};

// The set for `size` customizations (seed 42, catalog of `size` items, at
// least 1000). Never null; check error.
DataSet* GetDataSet(size_t size);
// Data sets larger than this get no SQLite peer (its load is slow).
void SetPeerMaxSize(size_t size);
void CleanupDataSets();

}  // namespace libexport::bench

#endif  // LIBEXPORT_BENCH_BENCH_DATASET_H_
