// exportd under systemd's notify protocol, for real: the test owns the
// NOTIFY_SOCKET (a unix datagram socket) that systemd would, starts exportd
// with it, and reads what exportd sends.
#include <sys/socket.h>
#include <sys/un.h>

#include "program_test_util.h"

namespace libexport::testing {

namespace {

// A unix datagram socket bound at `path`, as systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof(addr.sun_path));
    std::copy(path.begin(), path.end(), addr.sun_path);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  ~NotifySocket() { ::close(fd_); }

  // The next datagram, or "" after `timeout`.
  std::string Receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
};

// NOTIFY_SOCKET for the children started in this scope only.
struct ScopedEnv {
  ScopedEnv(const char* name, const std::string& value) : name(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name); }
  const char* name;
};

}  // namespace

TEST_CASE(
    "exportd sends READY=1 to NOTIFY_SOCKET once its port answers and "
    "STOPPING=1 on SIGTERM",
    "[exportd][systemd]") {
  ShopDir shop;
  NotifySocket notify(shop.dir.Sub("notify.sock"));
  std::unique_ptr<Child> child;
  {
    ScopedEnv env("NOTIFY_SOCKET", shop.dir.Sub("notify.sock"));
    child = std::make_unique<Child>(
        std::vector<std::string>{EXPORTD_BIN, "--store", shop.store_dir(),
                                 "--listen", "127.0.0.1:0"},
        shop.dir.Sub("exportd.log"));
  }
  const std::string ready = notify.Receive(std::chrono::seconds(10));
  INFO(ReadFile(shop.dir.Sub("exportd.log")));
  INFO(ready);
  REQUIRE(ready.starts_with("READY=1\n"));
  // The port comes from the message itself, and answers at once.
  const std::string prefix = "STATUS=listening on http://127.0.0.1:";
  const size_t at = ready.find(prefix);
  REQUIRE(at != std::string::npos);
  const int port = std::atoi(ready.c_str() + at + prefix.size());
  REQUIRE(port > 0);
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2);
  auto health = c.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "{\"status\":\"ok\"}");

  child->Signal(SIGTERM);
  CHECK(notify.Receive(std::chrono::seconds(10)) == "STOPPING=1");
  CHECK(child->Wait(std::chrono::seconds(15)) == 0);
}

}  // namespace libexport::testing
