// exportctl audit-log: the store's record of who changed what (Store
// "Audit log"), printed as NDJSON, and its retention.
#include <chrono>
#include <cstdint>
#include <string>

#include "cli.h"
#include "exportctl_commands.h"

namespace libexport::app {
namespace {

struct AuditLogFlags {
  std::string since;
  std::string tracker;
  std::string retention;  // --set-retention
};

// "90d", "12h", "30m", "45s" or "0" (keep forever). UsageError otherwise.
std::chrono::seconds ParseRetention(const std::string& text) {
  const auto bad = [&] {
    return UsageError{"--set-retention: \"" + text +
                      "\" is not a duration (a whole number with s, m, h or "
                      "d, as 90d; 0 keeps every entry)"};
  };
  if (text == "0") return std::chrono::seconds(0);
  if (text.size() < 2 || text.size() > 12) throw bad();
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') throw bad();
    n = n * 10 + (text[i] - '0');
  }
  switch (text.back()) {
    case 's':
      return std::chrono::seconds(n);
    case 'm':
      return std::chrono::seconds(n * 60);
    case 'h':
      return std::chrono::seconds(n * 3600);
    case 'd':
      return std::chrono::seconds(n * 86400);
    default:
      throw bad();
  }
}

int RunAuditLog(Session& s, const AuditLogFlags& f) {
  if (!f.retention.empty()) {
    if (!f.since.empty() || !f.tracker.empty()) {
      throw UsageError{"--set-retention takes no --since or --tracker"};
    }
    const std::chrono::seconds retention = ParseRetention(f.retention);
    uint64_t removed = 0;
    Session::Check(s.OpenStore(false)->SetAuditLogRetention(
        retention, s.Actor(), &removed));
    s.err << "audit log retention: "
          << (retention.count() == 0 ? std::string("every entry is kept")
                                     : std::to_string(retention.count()) + " s")
          << "; " << removed << " older entries removed\n";
    return kExitOk;
  }
  AuditLogQuery query;
  query.tracker = f.tracker;
  if (!f.since.empty()) {
    auto t = ParseRfc3339(f.since);
    if (!t.ok()) throw UsageError{"--since: " + t.status().message()};
    query.since = t->time;
  }
  auto store = s.OpenStore(false);
  uint64_t corrupt = 0;
  Session::Check(store->ReadAuditLog(
      query,
      [&](const AuditLogEntry& e) {
        s.out << e.json << '\n';
        return static_cast<bool>(s.out);
      },
      &corrupt));
  s.CheckOutput();
  if (corrupt > 0) {
    s.err << "exportctl: " << corrupt
          << " audit log entries did not decode (skipped)\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void AddAuditLogCommand(CLI::App& app, Session& s, Action* action) {
  auto f = std::make_shared<AuditLogFlags>();
  CLI::App* cmd = app.add_subcommand(
      "audit-log",
      "print the store's audit log, oldest first, one JSON object a line: "
      "every write with its time, actor, operation, tracker and ids or "
      "counts");
  cmd->add_option("--since", f->since,
                  "only entries at or after this RFC 3339 time");
  cmd->add_option("--tracker", f->tracker, "only this tracker's entries");
  cmd->add_option("--set-retention", f->retention,
                  "keep entries this long (90d, 12h, 30m, 45s; 0: forever, "
                  "the default) and drop the older ones now, instead of "
                  "printing");
  cmd->callback(
      [&s, action, f] { *action = [&s, f] { return RunAuditLog(s, *f); }; });
}

}  // namespace libexport::app
