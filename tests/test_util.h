// Shared helpers for the store tests: a temporary directory, a store opened
// in it, a fixed `now`, Status assertions, a collecting sink, query builders.
#ifndef LIBEXPORT_TESTS_TEST_UTIL_H_
#define LIBEXPORT_TESTS_TEST_UTIL_H_

#include <lmdb.h>
#include <malloc.h>
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "libexport/query.h"
#include "libexport/status.h"
#include "libexport/store.h"
#include "libexport/time.h"

#if defined(__SANITIZE_ADDRESS__)
// <sanitizer/allocator_interface.h>, which GCC 12 does not ship.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace libexport::testing {

// Fails the test with the status text when `status` is not ok. Works with a
// Status or a Result<T>.
inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}
#define REQUIRE_OK(expr)                                    \
  do {                                                      \
    const ::libexport::Status require_ok_status_ =          \
        ::libexport::testing::StatusOf(expr);               \
    INFO(#expr << " -> " << require_ok_status_.ToString()); \
    REQUIRE(require_ok_status_.ok());                       \
  } while (0)

// Ends the running test as skipped, with the reason: ctest reports it as
// "Skipped" (never "Passed"; catch_discover_tests sets
// SKIP_REGULAR_EXPRESSION on the marker), and the reason is in its output.
// Catch2 2 has no SKIP of its own.
#define LIBEXPORT_SKIP_TEST(reason)                                 \
  do {                                                              \
    std::cout << "LIBEXPORT_TEST_SKIPPED: " << reason << std::endl; \
    WARN("skipped: " << reason);                                    \
    return;                                                         \
  } while (0)

// 2026-11-29T12:00:00Z: the instant every test exports at.
inline constexpr Timestamp kNow{1795953600, 0};

// A fresh directory under /tmp (mkdtemp), removed with everything in it when
// the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/libexport_test_XXXXXX";
    char* made = mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(std::string_view name) const {
    return path_ + "/" + std::string(name);
  }

 private:
  std::string path_;
};

// A store in its own temporary directory. Members are destroyed in reverse
// order: the store closes before the directory is removed.
struct TestStore {
  explicit TestStore(const StoreOptions& options = {}) {
    auto opened = Store::Open(dir.Sub("store"), options);
    REQUIRE_OK(opened);
    store = std::move(opened).value();
  }
  Store* operator->() const { return store.get(); }
  Store& operator*() const { return *store; }

  TempDir dir;
  std::shared_ptr<Store> store;
};

// Keeps every chunk it is given.
class StringSink : public ExportSink {
 public:
  bool Write(std::string_view chunk) override {
    out.append(chunk);
    ++chunks;
    return true;
  }
  std::string out;
  size_t chunks = 0;
};

// A query over `tracker` at kNow; the filters are set by the caller.
inline ExportQuery Query(std::string_view tracker) {
  ExportQuery q;
  q.tracker_id = std::string(tracker);
  q.now = kNow;
  return q;
}

// Export into a string, requiring success.
inline std::string MustExport(const Store& store, const ExportQuery& query,
                              ExportStats* stats = nullptr) {
  auto r = store.ExportToString(query, stats);
  REQUIRE_OK(r);
  return r.value();
}

// The export document framing of docs/store_format.md around literal
// records (each already ending with its `,"available":...}`).
inline std::string Doc(std::initializer_list<std::string_view> records) {
  if (records.size() == 0) return "{\"results\":[]}\n";
  std::string out = "{\"results\":[\n";
  bool first = true;
  for (std::string_view r : records) {
    if (!first) out += ",\n";
    first = false;
    out += r;
  }
  out += "\n]}\n";
  return out;
}

// NDJSON of the given lines.
inline std::string Lines(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (std::string_view l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

// Import options at kNow with the given format and conflict strategy.
inline ImportOptions Opts(ImportFormat format = ImportFormat::kAuto,
                          OnConflict on_conflict = OnConflict::kRaise) {
  ImportOptions o;
  o.format = format;
  o.on_conflict = on_conflict;
  o.now = kNow;
  return o;
}

// Imports `document` into `tracker`, requiring success.
inline ImportReport MustImport(Store& store, std::string_view tracker,
                               std::string_view document,
                               const ImportOptions& options = Opts()) {
  ImportReport report;
  Status s = store.Import(tracker, document, options, &report);
  INFO("first error: " << (report.errors.empty()
                               ? std::string("none")
                               : report.errors[0].location + " " +
                                     report.errors[0].field + " " +
                                     report.errors[0].message));
  REQUIRE_OK(s);
  return report;
}

// A customization id with the given number in its last group:
// 00000000-0000-4000-8000-00000000NNNN style, 12 hex digits.
inline std::string TestId(uint64_t n) {
  char buf[40];
  snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
           static_cast<unsigned long long>(n));
  return buf;
}

// Live heap bytes of this process: allocated and not yet freed. Under ASan
// the allocator's own count (memory waiting in its quarantine is freed, not
// live); otherwise glibc's (in-use arena bytes plus mmapped chunks, over
// every arena). Unlike RSS it means the same in both builds, so a memory
// bound built on it is checked under the sanitizers too.
inline size_t LiveHeapBytes() {
#if defined(__SANITIZE_ADDRESS__)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

// The peak of LiveHeapBytes over a stretch of a test, above its value when
// the HeapPeak was made: a thread samples it every millisecond, so a buffer
// held for a moment and freed again is seen too. Build the test's own big
// inputs before it starts: they would count.
class HeapPeak {
 public:
  HeapPeak() : base_(LiveHeapBytes()), peak_(base_) {
    sampler_ = std::thread([this] {
      while (!stop_.load()) {
        size_t now = LiveHeapBytes();
        if (now > peak_.load()) peak_.store(now);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  ~HeapPeak() { Stop(); }
  HeapPeak(const HeapPeak&) = delete;
  HeapPeak& operator=(const HeapPeak&) = delete;
  // Stops sampling; the growth of the peak over the start, in KiB.
  long GrowthKb() {
    Stop();
    return static_cast<long>((peak_.load() - base_) / 1024);
  }

 private:
  void Stop() {
    stop_.store(true);
    if (sampler_.joinable()) sampler_.join();
  }
  const size_t base_;
  std::atomic<size_t> peak_;
  std::atomic<bool> stop_{false};
  std::thread sampler_;
};

// For tests of damaged stores: with the store at `dir` closed, passes the
// value of the first entry of the named database `db` to `edit` and writes
// back what it leaves there, under the same key.
inline void RewriteFirstEntry(const std::string& dir, const char* db,
                              const std::function<void(std::string*)>& edit) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 16);
  REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0600) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, db, 0, &dbi) == 0);
  MDB_cursor* c = nullptr;
  REQUIRE(mdb_cursor_open(txn, dbi, &c) == 0);
  MDB_val k, v;
  REQUIRE(mdb_cursor_get(c, &k, &v, MDB_FIRST) == 0);
  std::string key(static_cast<char*>(k.mv_data), k.mv_size);
  std::string value(static_cast<char*>(v.mv_data), v.mv_size);
  mdb_cursor_close(c);
  edit(&value);
  MDB_val nk{key.size(), key.data()}, nv{value.size(), value.data()};
  REQUIRE(mdb_put(txn, dbi, &nk, &nv, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

}  // namespace libexport::testing

#endif  // LIBEXPORT_TESTS_TEST_UTIL_H_
