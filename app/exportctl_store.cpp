// exportctl verify, audit, demo: the store as a whole.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli.h"
#include "demo_data.h"
#include "exportctl_commands.h"
#include "isolated_run.h"

namespace libexport::app {

namespace {

struct VerifyFlags {
  std::string tracker;
  bool all = false;
};

// The check itself, run in a child process (isolated_run.h).
int Verify(Session& s, const VerifyFlags& vf, const Note& note) {
  note("opening the store");
  auto store = s.OpenStore(false);
  std::vector<std::string> ids = {vf.tracker};
  if (vf.all) {
    auto trackers = store->ListTrackers();
    Session::Check(trackers.status());
    ids.clear();
    for (const TrackerInfo& t : *trackers) ids.push_back(t.tracker_id);
  }
  bool healthy = true;
  for (const std::string& id : ids) {
    note("tracker " + id);
    VerifyReport report;
    Session::Check(store->Verify(id, &report));
    if (vf.all) s.out << id << ": ";
    s.out << "records=" << report.records
          << " index_entries=" << report.index_entries
          << " catalog_items=" << report.catalog_items << "\n";
    for (const auto& p : report.problems) {
      s.err << "problem: " << (vf.all ? id + ": " : "") << p << "\n";
    }
    healthy = healthy && report.problems.empty();
  }
  if (vf.all) {  // the store-wide audit log: every entry decodes
    note("audit log");
    uint64_t entries = 0, corrupt = 0;
    Session::Check(store->ReadAuditLog(
        {},
        [&](const AuditLogEntry&) {
          ++entries;
          return true;
        },
        &corrupt));
    s.out << "audit log: entries=" << entries << "\n";
    if (corrupt > 0) {
      s.err << "problem: audit log: " << corrupt << " entries do not decode\n";
      healthy = false;
    }
  }
  if (!healthy) return kExitFailure;
  s.out << "ok\n";
  return kExitOk;
}

}  // namespace

void AddStoreCommands(CLI::App& app, Session& s, Action* action) {
  auto vf = std::make_shared<VerifyFlags>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "check that a tracker's records and indexes agree (with --all, every "
      "tracker and the audit log)");
  CLI::Option* verify_id =
      verify->add_option("TRACKER", vf->tracker, "the tracker id");
  CLI::Option* verify_all = verify->add_flag(
      "--all", vf->all, "every tracker of the store, one line each");
  verify_id->excludes(verify_all);
  verify->callback([&s, action, vf] {
    *action = [&s, vf] {
      if (vf->tracker.empty() && !vf->all) {
        throw UsageError{"verify: give a TRACKER or --all"};
      }
      const IsolatedResult r = RunIsolated(
          s, [&s, vf](const Note& note) { return Verify(s, *vf, note); });
      if (r.signal == 0) return r.exit_code;
      // An assertion (abort) or a bad pointer inside LMDB: a damaged page.
      const bool damage =
          r.signal == SIGABRT || r.signal == SIGSEGV || r.signal == SIGBUS;
      if (r.signal == SIGPIPE) return kExitFailure;  // stdout went away
      s.err << "problem: " << (r.last_note.empty() ? "" : r.last_note + ": ");
      if (damage) {
        s.err << "the store has a damaged LMDB page: reading it stopped the "
                 "check (signal "
              << r.signal << ", " << strsignal(r.signal)
              << "; LMDB's assertion is above). Do not write to this store; "
                 "restore it from a backup (docs/operations.md, \"A damaged "
                 "record, and a damaged page\")\n";
      } else {
        s.err << "the check was stopped by signal " << r.signal << " ("
              << strsignal(r.signal) << ") before it finished\n";
      }
      return kExitFailure;
    };
  });

  struct AuditFlags {
    std::string tracker;
    std::string as_of;
    size_t worst = 10;
  };
  auto af = std::make_shared<AuditFlags>();
  CLI::App* audit = app.add_subcommand(
      "audit",
      "for people: expired, dangling (item not in the catalog) and not yet "
      "active pins per model, and the worst customizations");
  audit->add_option("TRACKER", af->tracker, "the tracker id")->required();
  audit->add_option("--as-of", af->as_of,
                    "count at this RFC 3339 time (default: now)");
  audit->add_option("--worst", af->worst, "how many customizations to list")
      ->capture_default_str();
  audit->callback([&s, action, af] {
    *action = [&s, af] {
      Timestamp at = SystemNow();
      if (!af->as_of.empty()) {
        auto t = ParseRfc3339(af->as_of);
        if (!t.ok()) throw UsageError{"--as-of: " + t.status().message()};
        at = t->time;
      }
      AuditReport r;
      Session::Check(s.OpenStore(false)->Audit(af->tracker, at, af->worst, &r));
      char line[256];
      auto row = [&](const std::string& name, const AuditReport::Counts& c) {
        std::snprintf(line, sizeof line,
                      "%-28s %14llu %8llu %8llu %9llu %15llu\n", name.c_str(),
                      (unsigned long long)c.customizations,
                      (unsigned long long)c.pins, (unsigned long long)c.expired,
                      (unsigned long long)c.dangling,
                      (unsigned long long)c.not_yet_active);
        s.out << line;
      };
      s.out << "tracker " << af->tracker << " at " << FormatRfc3339(at) << "\n";
      std::snprintf(line, sizeof line, "%-28s %14s %8s %8s %9s %15s\n", "model",
                    "customizations", "pins", "expired", "dangling",
                    "not yet active");
      s.out << line;
      for (const auto& [model, counts] : r.models) row(model, counts);
      row("(all)", r.total);
      if (!r.worst.empty()) {
        s.out << "worst customizations (expired + dangling pins):\n";
        for (const auto& w : r.worst) {
          s.out << "  " << w.id << "  " << w.model << "  expired "
                << w.counts.expired << ", dangling " << w.counts.dangling
                << " of " << w.counts.pins << " pins\n";
        }
      }
      if (r.records_corrupt > 0) {
        s.out << r.records_corrupt
              << " stored records did not decode (run exportctl verify)\n";
      }
      s.CheckOutput();
      return kExitOk;
    };
  });

  struct DemoFlags {
    std::string tracker = "demo";
    demo::DemoOptions options;
  };
  auto df = std::make_shared<DemoFlags>();
  CLI::App* demo_cmd = app.add_subcommand(
      "demo", "create a tracker with seeded synthetic data; prints its key");
  demo_cmd->add_option("--tracker", df->tracker, "the tracker to create")
      ->capture_default_str();
  demo_cmd
      ->add_option("--customizations", df->options.customizations,
                   "how many customizations")
      ->capture_default_str();
  demo_cmd
      ->add_option("--catalog", df->options.catalog, "how many catalog items")
      ->capture_default_str();
  demo_cmd->add_option("--seed", df->options.seed, "the generator's seed")
      ->capture_default_str();
  demo_cmd->callback([&s, action, df] {
    *action = [&s, df] {
      demo::DemoOptions options = df->options;
      options.now = SystemNow();
      auto store = s.OpenStore(true);
      auto key = store->AddTracker(df->tracker, std::nullopt, s.Actor());
      Session::Check(key.status());
      demo::DemoData data = demo::GenerateDemo(options);
      ImportOptions import;
      import.now = options.now;
      import.actor = s.Actor();
      ImportReport report;
      Status st = store->Import(df->tracker, data.ndjson, import, &report);
      if (st.ok())
        st = store->AddCatalogItems(df->tracker, data.catalog, nullptr,
                                    s.Actor());
      if (!st.ok()) {
        (void)store->RemoveTracker(df->tracker,
                                   s.Actor());  // leave nothing half made
        Session::Check(st);
      }
      s.out << "tracker: " << df->tracker << "\nkey: " << *key
            << "\ncustomizations: " << report.inserted
            << "\ncatalog: " << data.catalog.size() << "\n";
      return kExitOk;
    };
  });
}

}  // namespace libexport::app
