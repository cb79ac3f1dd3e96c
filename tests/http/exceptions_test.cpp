// No exception leaves libexport or kills the server: an exception from a
// caller's sink, or bad_alloc inside the HTTP stream, becomes a Status or a
// cut stream, and the next request is served.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#include "http_test_util.h"
#include "libexport/http/signed_client.h"
#include "shop_fixture.h"

namespace {

// Armed with a size, the next allocation of exactly that many bytes (in any
// thread) throws bad_alloc, once. Disarmed, this is malloc.
std::atomic<size_t> fail_size{0};
std::atomic<int> failures{0};

void* Allocate(size_t n) {
  size_t armed = fail_size.load(std::memory_order_relaxed);
  if (armed != 0 && n == armed && fail_size.compare_exchange_strong(armed, 0)) {
    failures.fetch_add(1);
    throw std::bad_alloc();
  }
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// Every plain and nothrow form, so that no allocation comes from another
// allocator (under ASan a missing one is an alloc-dealloc mismatch).
void* operator new(size_t n) { return Allocate(n); }
void* operator new[](size_t n) { return Allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace libexport::testing {
namespace {

class ThrowingSink : public ExportSink {
 public:
  explicit ThrowingSink(bool bad_alloc) : bad_alloc_(bad_alloc) {}
  bool Write(std::string_view) override {
    if (bad_alloc_) throw std::bad_alloc();
    throw std::runtime_error("the sink broke");
  }

 private:
  bool bad_alloc_;
};

TEST_CASE("an exception from a sink becomes a Status and the store goes on",
          "[exceptions]") {
  TestStore s;
  LoadShop(*s);
  ThrowingSink oom(true);
  Status st = s->Export(Query("shop"), oom);
  CHECK(st.code() == Status::Code::kResourceExhausted);
  CHECK(st.message() == "out of memory");
  ThrowingSink broken(false);
  st = s->Export(Query("shop"), broken);
  CHECK(st.code() == Status::Code::kInternal);
  CHECK(st.message() == "exception: the sink broke");
  ChangesQuery q;
  q.tracker_id = "shop";
  CHECK(s->Changes(q, broken, nullptr).code() == Status::Code::kInternal);
  // Nothing is held: reads and writes go on.
  REQUIRE_OK(s->Delete("shop", "00000000-0000-4000-8000-000000000006"));
  CHECK(MustExport(*s, Query("shop")).find("000000000006") ==
        std::string::npos);
}

TEST_CASE(
    "bad_alloc inside an HTTP export stream cuts that stream with "
    "aborted=internal, and the next request is served",
    "[exceptions][http]") {
  TestStore store;
  LoadShop(*store);
  LiveServer server(store.store);
  httplib::Client client(server.url());
  auto whole = SignedPost(client, "shop", "shop-key");
  REQUIRE(whole);
  REQUIRE(whole->status == 200);

  // The export's batch (export_output.h: 64 KiB + 4 KiB of slack, and the
  // string's NUL) is allocated inside the content provider, after the 200
  // head: the first one fails.
  failures = 0;
  fail_size = 64 * 1024 + 4096 + 1;
  auto cut = SignedPost(client, "shop", "shop-key");
  fail_size = 0;
  CHECK(failures == 1);
  CHECK((!cut || cut->body != whole->body));
  // The cut stream is logged by its releaser, which may run after the
  // client saw the cut: wait for its line.
  std::vector<std::string> aborted;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (aborted.empty() && std::chrono::steady_clock::now() < deadline) {
    for (const std::string& line : server.log.Get()) {
      if (line.find(" aborted=") != std::string::npos) aborted.push_back(line);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(aborted.size() == 1);
  INFO(aborted[0]);
  CHECK(aborted[0].find("aborted=internal") != std::string::npos);

  httplib::Client again(server.url());
  auto next = SignedPost(again, "shop", "shop-key");
  REQUIRE(next);
  CHECK(next->status == 200);
  CHECK(next->body == whole->body);
}

}  // namespace
}  // namespace libexport::testing
