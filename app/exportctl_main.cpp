#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli.h"
#include "exportctl.h"

namespace {

// A bulk import writes a few hundred MB of fresh heap memory (LMDB mallocs
// every dirty page of the write transaction), and on some VMs the 4 KiB page
// faults cost more than the import itself. glibc (2.35+) backs its heap with
// transparent huge pages when the tunable glibc.malloc.hugetlb=1 is set,
// which it reads only at process start: so start again once with it set.
// Only the bulk writers (import, demo) do it. Setting glibc.malloc.hugetlb
// yourself (0 to turn it off) skips this.
void ReexecWithHugePageHeap(int argc, char** argv) {
  std::string command;
  for (int i = 1; i < argc && command.empty(); ++i) {
    const std::string word = argv[i];
    if (word == "--store") {
      ++i;
    } else if (!word.starts_with("-")) {
      command = word;
    }
  }
  if (command != "import" && command != "demo") return;
  if (::getauxval(AT_SECURE) != 0) return;  // glibc ignores tunables then
  const char* old = std::getenv("GLIBC_TUNABLES");
  std::string tunables = old != nullptr ? old : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;
  if (!tunables.empty()) tunables += ':';
  tunables += "glibc.malloc.hugetlb=1";
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Not possible here (no /proc): carry on as we are.
}

}  // namespace

int main(int argc, char** argv) {
  ReexecWithHugePageHeap(argc, argv);
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  // stdout through an FdOutBuf, so a failed write names its cause.
  libexport::app::FdOutBuf stdout_buf(STDOUT_FILENO);
  std::ostream out(&stdout_buf);
  return libexport::app::RunExportctl(args, std::cin, out, std::cerr);
}
