#include "process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "metrics_text.h"

namespace libexport::http {
namespace {

// The fields of /proc/self/stat after the command name (which may hold
// spaces and parentheses: it ends at the last ')'). fields[0] is field 3
// (state) of proc(5).
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

// proc(5) field N (1-based) from StatFields().
double StatField(const std::vector<std::string>& fields, size_t n) {
  return std::stod(fields.at(n - 3));
}

// Seconds since the epoch at boot ("btime" of /proc/stat), or -1.
double BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = -1;
      in >> v;
      return v;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

// Entries of /proc/self/fd (the descriptor opendir holds not counted), or -1.
int OpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;
}

}  // namespace

std::string ProcessMetricsText() {
  std::string out;
  const std::vector<std::string> stat = StatFields();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  if (stat.size() >= 22 && ticks > 0) {
    try {
      // utime (14) and stime (15) in clock ticks; starttime (22) in ticks
      // after boot; vsize (23) in bytes; rss (24) in pages.
      AppendMetric(&out, "process_cpu_seconds_total", "counter",
                   "Total user and system CPU time spent in seconds.",
                   (StatField(stat, 14) + StatField(stat, 15)) / ticks);
      const double boot = BootTime();
      if (boot >= 0) {
        AppendMetric(&out, "process_start_time_seconds", "gauge",
                     "Start time of the process since unix epoch in seconds.",
                     boot + StatField(stat, 22) / ticks);
      }
      AppendMetric(&out, "process_virtual_memory_bytes", "gauge",
                   "Virtual memory size in bytes.", StatField(stat, 23));
      AppendMetric(&out, "process_resident_memory_bytes", "gauge",
                   "Resident memory size in bytes.",
                   StatField(stat, 24) * page);
    } catch (const std::exception&) {
      // An unexpected /proc layout: leave those families out.
    }
  }
  if (const int fds = OpenFds(); fds >= 0) {
    AppendMetric(&out, "process_open_fds", "gauge",
                 "Number of open file descriptors.", fds);
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    AppendMetric(&out, "process_max_fds", "gauge",
                 "Maximum number of open file descriptors.",
                 static_cast<double>(limit.rlim_cur));
  }
  return out;
}

}  // namespace libexport::http
