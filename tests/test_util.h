// Shared helpers for the store tests: a temporary directory, a store opened
// in it, a fixed `now`, Status assertions, a collecting sink, query builders.
#ifndef LIBEXPORT_TESTS_TEST_UTIL_H_
#define LIBEXPORT_TESTS_TEST_UTIL_H_

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/query.h"
#include "libexport/status.h"
#include "libexport/store.h"
#include "libexport/time.h"

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

}  // namespace libexport::testing

#endif  // LIBEXPORT_TESTS_TEST_UTIL_H_
