// Faults around the LMDB environment: reader slots left by a killed process,
// and a backup taken while an import is writing. (An import committing
// during a streaming export is in store_snapshot_test.cpp; the map at
// max_map_size in store_import_test.cpp; kill -9 of an import and a full
// disk in scripts/crash-test.)
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "libexport/store.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

// A record of about 250 bytes with id `n`.
std::string Record(int n) {
  return R"({"id":")" + TestId(n) + R"(","model":"m)" + std::to_string(n % 7) +
         R"(","target_type":"item","target_identity":"/p/)" +
         std::to_string(n) +
         R"(/","tags":["t"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/)" +
         std::to_string(n + 1) + R"(/"}]})";
}

std::string Records(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += Record(i) + "\n";
  return out;
}

// `mdb_stat -r DIR`: the reader table, one line per slot in use.
std::string ReaderTable(const std::string& dir) {
  std::string out;
  FILE* p = popen(("mdb_stat -r " + dir).c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool HasReaderOf(const std::string& table, pid_t pid) {
  const std::string needle = " " + std::to_string(pid) + " ";
  return (" " + table).find(needle) != std::string::npos;
}

// Blocks forever on the first chunk, after telling the parent (one byte on
// `fd`): the export's read transaction stays open until the process dies.
class HangingSink : public ExportSink {
 public:
  explicit HangingSink(int fd) : fd_(fd) {}
  bool Write(std::string_view) override {
    (void)!write(fd_, "r", 1);
    for (;;) pause();
  }

 private:
  int fd_;
};

// Forks a child that opens the store at `path` and runs `body`; the child
// never returns into the test framework.
template <typename Fn>
pid_t ForkChild(Fn body) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    body();
    _exit(0);
  }
  return pid;
}

char ReadByte(int fd) {
  char c = 0;
  return read(fd, &c, 1) == 1 ? c : 0;
}

}  // namespace

TEST_CASE("a reader slot left by a killed process is cleared at the next open",
          "[lmdb][faults]") {
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    auto s = Store::Open(path);
    REQUIRE_OK(s);
    REQUIRE_OK(s.value()->AddTracker("t", "k"));
    MustImport(*s.value(), "t", Records(0, 2000));
  }  // closed: the children below open it in their own processes

  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  // A process that keeps the environment open (so the lock file is not
  // reset when the next one opens it: only mdb_reader_check can clear).
  pid_t keeper = ForkChild([&] {
    auto s = Store::Open(path);
    (void)!write(pipe_fds[1], s.ok() ? "k" : "x", 1);
    for (;;) pause();
  });
  REQUIRE(ReadByte(pipe_fds[0]) == 'k');
  // A process killed in the middle of an export, holding a reader slot.
  pid_t reader = ForkChild([&] {
    auto s = Store::Open(path);
    if (!s.ok()) return;
    HangingSink sink(pipe_fds[1]);
    (void)s.value()->Export(Query("t"), sink);
  });
  REQUIRE(ReadByte(pipe_fds[0]) == 'r');
  kill(reader, SIGKILL);
  waitpid(reader, nullptr, 0);
  CHECK(HasReaderOf(ReaderTable(path), reader));

  {
    auto s = Store::Open(path);
    REQUIRE_OK(s);
    const std::string table = ReaderTable(path);
    INFO(table);
    CHECK_FALSE(HasReaderOf(table, reader));
    VerifyReport report;
    REQUIRE_OK(s.value()->Verify("t", &report));
    CHECK(report.problems.empty());
    CHECK(report.records == 2000);
  }
  kill(keeper, SIGKILL);
  waitpid(keeper, nullptr, 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

TEST_CASE("a backup taken while an import writes holds the snapshot before it",
          "[lmdb][backup][faults]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t", "k"));
  MustImport(*s, "t", Records(0, 300));
  const std::string before = MustExport(*s, Query("t"));

  // The import calls progress inside its write transaction (every 4,096
  // records); the first call waits there until the backup is done.
  std::mutex mu;
  std::condition_variable cv;
  bool writing = false, backed_up = false, backup_in_time = false;
  Status backup_status = Status::Internal("backup never ran");
  const std::string backup_dir = s.dir.Sub("backup");
  std::thread backup([&] {
    {
      std::unique_lock<std::mutex> lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return writing; }))
        return;
    }
    backup_status = s->Backup(backup_dir);
    std::lock_guard<std::mutex> lock(mu);
    backed_up = true;
    cv.notify_all();
  });
  ImportOptions options = Opts();
  options.progress = [&](size_t done, size_t total) {
    std::unique_lock<std::mutex> lock(mu);
    if (writing) return;
    writing = true;
    cv.notify_all();
    backup_in_time =
        cv.wait_for(lock, std::chrono::seconds(30), [&] { return backed_up; });
  };
  MustImport(*s, "t", Records(300, 10300), options);
  backup.join();
  REQUIRE(backup_in_time);
  REQUIRE_OK(backup_status);
  const std::string after = MustExport(*s, Query("t"));
  REQUIRE(after != before);

  auto b = Store::Open(backup_dir);
  REQUIRE_OK(b);
  CHECK(MustExport(*b.value(), Query("t")) == before);
  VerifyReport report;
  REQUIRE_OK(b.value()->Verify("t", &report));
  CHECK(report.problems.empty());
  CHECK(report.records == 300);

  // A backup after the commit holds the import, byte for byte.
  const std::string later_dir = s.dir.Sub("backup2");
  REQUIRE_OK(s->Backup(later_dir));
  auto b2 = Store::Open(later_dir);
  REQUIRE_OK(b2);
  CHECK(MustExport(*b2.value(), Query("t")) == after);
}

TEST_CASE("store files and backups are owner-only", "[lmdb][security]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t", "secret-key"));
  REQUIRE_OK(s->Backup(s.dir.Sub("backup")));
  for (const std::string& d : {s.dir.Sub("store"), s.dir.Sub("backup")}) {
    struct stat st;
    REQUIRE(stat(d.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    for (const char* f : {"/data.mdb", "/lock.mdb"}) {
      if (d.ends_with("backup") && std::string(f) == "/lock.mdb") continue;
      INFO(d + f);
      REQUIRE(stat((d + f).c_str(), &st) == 0);
      CHECK((st.st_mode & 0777) == 0600);
    }
  }
}

}  // namespace libexport::testing
