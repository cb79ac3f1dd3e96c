#include "isolated_run.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iostream>

#include "cli.h"

namespace libexport::app {
namespace {

// The child's messages on the pipe: a type byte, a 4-byte length, the text.
constexpr char kNote = 'N';
constexpr char kFailure = 'F';

void Send(int fd, char type, std::string_view text) {
  std::string message(1, type);
  const uint32_t n = static_cast<uint32_t>(text.size());
  message.append(reinterpret_cast<const char*>(&n), sizeof n);
  message.append(text);
  std::string_view rest = message;
  while (!rest.empty()) {
    const ssize_t w = write(fd, rest.data(), rest.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // the parent is gone: nothing to tell
    rest.remove_prefix(static_cast<size_t>(w));
  }
}

[[noreturn]] void RunChild(Session& s, int fd,
                           const std::function<int(const Note&)>& body) {
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);  // a damaged store makes no core file
  int code = kExitFailure;
  try {
    code = body([&s, fd](std::string_view where) {
      // What was found so far is out before the next step, which may crash.
      s.out.flush();
      Send(fd, kNote, where);
    });
    s.out.flush();
    s.CheckOutput();  // a full stdout fails the command, as in the parent
  } catch (const Failure& e) {
    Send(fd, kFailure, e.message);
  } catch (const std::exception& e) {
    Send(fd, kFailure, e.what());
  } catch (...) {
    Send(fd, kFailure, "an unexpected exception in the check");
  }
  s.out.flush();
  s.err.flush();
  _exit(code);
}

}  // namespace

IsolatedResult RunIsolated(Session& s,
                           const std::function<int(const Note&)>& body) {
  s.out.flush();
  s.err.flush();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw Failure{std::string("pipe: ") + std::strerror(errno)};
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw Failure{std::string("fork: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    close(fds[0]);
    RunChild(s, fds[1], body);
  }
  close(fds[1]);
  std::string received;
  char block[4096];
  while (true) {
    const ssize_t n = read(fds[0], block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    received.append(block, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  pid_t waited;
  while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (waited != pid) {
    throw Failure{std::string("waitpid: ") + std::strerror(errno)};
  }
  IsolatedResult result;
  std::string failure;
  bool failed = false;
  std::string_view rest = received;
  while (rest.size() >= 5) {
    uint32_t n;
    std::memcpy(&n, rest.data() + 1, sizeof n);
    if (rest.size() < 5 + size_t{n}) break;  // cut by a crash
    const std::string text(rest.substr(5, n));
    if (rest[0] == kFailure) {
      failure = text;
      failed = true;
    } else {
      result.last_note = text;
    }
    rest.remove_prefix(5 + size_t{n});
  }
  if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    return result;
  }
  if (failed) throw Failure{failure};
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitFailure;
  return result;
}

}  // namespace libexport::app
