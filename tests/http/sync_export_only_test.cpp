// exportctl sync against an upstream that has only the export endpoint (the
// reference service): a stand-in server in the test serves the export of a
// primary store, checks the HMAC signature with the library's verifier and
// answers If-None-Match with 304. The mirror's export equals the primary's
// byte for byte, and its sync state commits with its data.
#include <fstream>
#include <mutex>

#include "libexport/http/hmac_auth.h"
#include "program_test_util.h"

namespace libexport::testing {
namespace {

constexpr const char* kKey = "the-upstream-key-0123456789";

std::string Rec(uint64_t n, std::string_view model) {
  return R"({"id":")" + TestId(n) + R"(","model":")" + std::string(model) +
         R"(","target_type":"item","target_identity":"/t/)" +
         std::to_string(n) +
         R"(/","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/1/","active_to":"2026-12-01T00:00:00Z"}],"created_at":"2025-06-01T10:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
}

// The export endpoint only: POST /v1/recommender/pin/shop/scopes/export,
// signed with kKey, the body an export of `primary` at kNow, the ETag the
// primary's version.
class StandIn {
 public:
  explicit StandIn(Store& primary) : primary_(primary) {
    server_.Post(R"(/v1/recommender/pin/([^/]+)/scopes/export)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   Serve(req, res);
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~StandIn() { Stop(); }
  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  // After each write to the primary: its export gets a new ETag.
  void Bump() {
    std::lock_guard<std::mutex> lock(mu_);
    ++version_;
  }
  std::string etag() {
    std::lock_guard<std::mutex> lock(mu_);
    return "\"v" + std::to_string(version_) + "\"";
  }
  std::vector<std::string> if_none_match() {
    std::lock_guard<std::mutex> lock(mu_);
    return if_none_match_;
  }

 private:
  void Serve(const httplib::Request& req, httplib::Response& res) {
    const std::string tracker = req.matches[1];
    http::AuthInput in;
    in.method = req.method;
    in.path = req.path;
    const std::string auth = req.get_header_value("Authorization");
    const std::string date = req.get_header_value("Date");
    const std::string type = req.get_header_value("Content-Type");
    if (req.has_header("Authorization")) in.authorization.push_back(auth);
    if (req.has_header("Date")) in.date.push_back(date);
    if (req.has_header("Content-Type")) in.content_type.push_back(type);
    http::AuthResult check = http::PrecheckAuth(in, tracker, SystemNow(), 5);
    if (check.ok()) check = http::VerifySignature(in, check, kKey);
    if (!check.ok()) {
      res.status = 401;
      res.set_content(R"({"error":{"status":401,"code":"unauthorized"}})",
                      "application/json");
      return;
    }
    if (tracker != "shop") {
      res.status = 404;
      res.set_content(R"({"error":{"status":404,"code":"not_found"}})",
                      "application/json");
      return;
    }
    const std::string tag = etag();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if_none_match_.push_back(req.get_header_value("If-None-Match"));
    }
    res.set_header("ETag", tag);
    if (req.get_header_value("If-None-Match") == tag) {
      res.status = 304;
      return;
    }
    // This runs on the server's thread, where Catch2 must not assert: a
    // failed export is a 500 that fails the sync the test checks.
    auto body = primary_.ExportToString(Query("shop"));
    if (!body.ok()) {
      res.status = 500;
      res.set_content(body.status().ToString(), "text/plain");
      return;
    }
    res.set_content(body.value(), "application/json; charset=utf-8");
  }

  Store& primary_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int version_ = 1;
  std::vector<std::string> if_none_match_;
};

struct Mirror {
  Ran Sync(const std::string& url, const std::string& key = kKey) const {
    return RunCaptured(std::string("EXPORTCTL_KEY=") + key + " " +
                           EXPORTCTL_BIN + " --store " + dir.Sub("store") +
                           " sync shop --from " + url,
                       dir);
  }
  std::string Export() const {
    Ran r = RunExportctl("--store " + dir.Sub("store") +
                             " export shop --now 2026-11-29T12:00:00Z",
                         dir);
    REQUIRE(r.status == 0);
    return r.out;
  }
  TempDir dir;
};

TEST_CASE(
    "sync from an export-only upstream copies it byte for byte, then asks "
    "with If-None-Match",
    "[sync][cli]") {
  TestStore primary;
  REQUIRE_OK(primary->AddTracker("shop", std::string(kKey)));
  MustImport(*primary, "shop",
             Rec(1, "m") + "\n" + Rec(2, "m") + "\n" + Rec(3, "m") + "\n");
  StandIn upstream(*primary);
  Mirror mirror;

  Ran r = mirror.Sync(upstream.url());
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out ==
        "sync shop: created the tracker (with shop's key)\n"
        "sync shop: +3 ~0 -0 (full export, 0 unchanged)\n");
  CHECK(mirror.Export() == MustExport(*primary, Query("shop")));
  // The replica's tracker signs with the upstream's key.
  CHECK(RunExportctl("--store " + mirror.dir.Sub("store") + " tracker key shop",
                     mirror.dir)
            .out == std::string(kKey) + "\n");

  r = mirror.Sync(upstream.url());
  CHECK(r.status == 0);
  CHECK(r.out == "sync shop: +0 ~0 -0 (not modified)\n");
  CHECK(upstream.if_none_match() == std::vector<std::string>{"", "\"v1\""});

  // One deleted, one changed, one new, one as it was.
  REQUIRE_OK(primary->Delete("shop", TestId(1)));
  REQUIRE_OK(primary->Put("shop", Rec(2, "n"), Store::PutMode::kReplace, kNow));
  REQUIRE_OK(primary->Put("shop", Rec(4, "m"), Store::PutMode::kCreate, kNow));
  upstream.Bump();
  r = mirror.Sync(upstream.url());
  CHECK(r.status == 0);
  CHECK(r.out == "sync shop: +1 ~1 -1 (full export, 1 unchanged)\n");
  CHECK(mirror.Export() == MustExport(*primary, Query("shop")));

  // The state that produced the data is in the local store.
  {
    auto local = Store::Open(mirror.dir.Sub("store"));
    REQUIRE_OK(local);
    auto state = local.value()->SyncStateOf("shop");
    REQUIRE_OK(state);
    CHECK(state.value() == SyncState{upstream.url(), "shop", "\"v2\"", ""});
  }
}

TEST_CASE(
    "a wrong key, an unknown remote tracker and an upstream that is down "
    "change nothing and say so",
    "[sync][cli]") {
  TestStore primary;
  REQUIRE_OK(primary->AddTracker("shop", std::string(kKey)));
  MustImport(*primary, "shop", Rec(1, "m") + "\n");
  StandIn upstream(*primary);
  Mirror mirror;
  REQUIRE(mirror.Sync(upstream.url()).status == 0);
  const std::string before = mirror.Export();

  Ran r = mirror.Sync(upstream.url(), "not-the-key-0123456789");
  CHECK(r.status == 1);
  CHECK(r.err == "exportctl sync: " + upstream.url() +
                     ": HTTP 401: "
                     R"({"error":{"status":401,"code":"unauthorized"}})"
                     " (is the key right?)\n");

  r = RunCaptured(std::string("EXPORTCTL_KEY=") + kKey + " " + EXPORTCTL_BIN +
                      " --store " + mirror.dir.Sub("store") +
                      " sync shop --remote-tracker nope --from " +
                      upstream.url(),
                  mirror.dir);
  CHECK(r.status == 1);
  CHECK(r.err.find("HTTP 404") != std::string::npos);
  CHECK(r.err.find("(is the remote tracker right?)") != std::string::npos);

  const std::string url = upstream.url();
  upstream.Stop();
  r = mirror.Sync(url);
  CHECK(r.status == 3);
  CHECK(r.err == "exportctl sync: " + url +
                     ": could not connect (is exportd running there?)\n");
  CHECK(mirror.Export() == before);

  r = RunCaptured(std::string(EXPORTCTL_BIN) + " --store " +
                      mirror.dir.Sub("store") + " sync shop --from " + url,
                  mirror.dir);
  CHECK(r.status == 2);
  CHECK(r.err.find("no key: give --key-file FILE, or set EXPORTCTL_KEY") !=
        std::string::npos);
}

}  // namespace
}  // namespace libexport::testing
