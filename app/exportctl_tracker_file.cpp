// exportctl tracker export|import and catalog list: a whole tracker in one
// file (tracker_file.h), for backups of one tracker and moves between stores.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cli.h"
#include "exportctl_commands.h"
#include "tracker_file.h"

namespace libexport::app {
namespace {

struct ExportFileFlags {
  std::string tracker;
  std::string file;
  bool with_key = false;
};

// FILE.tmp (mode 0600: it may hold the key), written and renamed over FILE,
// so FILE is either the old one or complete.
void RunTrackerExport(const Session& s, const ExportFileFlags& f) {
  auto store = s.OpenStore(false);
  const std::string tmp = f.file + ".tmp";
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Failure{FileError("cannot write", tmp, errno)};
  FdOutBuf buf(fd);
  std::ostream out(&buf);
  try {
    WriteTrackerFile(*store, f.tracker, f.with_key, SystemNow(), out);
    if (::fsync(fd) != 0) throw Failure{FileError("cannot sync", tmp, errno)};
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), f.file.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    throw Failure{FileError("cannot rename " + tmp + " to", f.file, error)};
  }
  s.err << "tracker " << f.tracker << " written to " << f.file
        << (f.with_key ? " (with its key: keep the file secret)" : "") << "\n";
}

struct ImportFileFlags {
  std::string file;
  std::string tracker;  // default: the file's
  std::string on_conflict = "raise";
};

// All or nothing: one import that creates the tracker when missing (with
// the file's key), adds the catalog and writes the customizations in one
// transaction (ImportOptions::catalog_add, create_tracker).
int RunTrackerImport(Session& s, const ImportFileFlags& f) {
  const std::string text = s.ReadInput(f.file);
  TrackerFileHead head = ParseTrackerFileHead(text, f.file);
  const std::string tracker = f.tracker.empty() ? head.tracker : f.tracker;
  auto store = s.OpenStore(true);
  const bool exists = store->TrackerKey(tracker).ok();
  if (exists && head.key) {
    s.err << "exportctl: tracker " << tracker
          << " exists: it keeps its own key (the file's is used only for a "
             "new tracker)\n";
  }
  ImportOptions base;
  base.catalog_add = std::move(head.catalog);
  base.create_tracker = true;
  base.tracker_key = head.key;
  const size_t catalog_size = base.catalog_add.size();
  ImportFlags import;
  import.tracker = tracker;
  import.file = f.file;
  import.format = "json";
  import.on_conflict = f.on_conflict;
  ImportReport report;
  const int rc = RunImport(s, import, std::move(base), &report);
  if (rc != kExitOk) {
    s.err << "exportctl: nothing was imported\n";
    return rc;
  }
  if (!report.tracker_key.empty()) {
    s.out << "tracker " << tracker
          << " created; its private key (the file had none):\n"
          << report.tracker_key << "\n";
  }
  s.out << "catalog: " << report.catalog_added << " of " << catalog_size
        << " identities added\n";
  return kExitOk;
}

}  // namespace

void AddTrackerFileCommands(CLI::App& app, Session& s, Action* action) {
  CLI::App* tracker = app.get_subcommand("tracker");
  auto ef = std::make_shared<ExportFileFlags>();
  CLI::App* exp = tracker->add_subcommand(
      "export",
      "write the tracker to FILE: its customizations, its catalog and, with "
      "--with-key, its key (an export document `import` reads too)");
  exp->add_option("TRACKER", ef->tracker, "the tracker id")->required();
  exp->add_option("FILE", ef->file, "the file to write (mode 0600)")
      ->required();
  exp->add_flag("--with-key", ef->with_key,
                "include the tracker's private key (keep the file secret)");
  exp->callback([&s, action, ef] {
    *action = [&s, ef] {
      RunTrackerExport(s, *ef);
      return kExitOk;
    };
  });

  auto imf = std::make_shared<ImportFileFlags>();
  CLI::App* imp = tracker->add_subcommand(
      "import",
      "restore a `tracker export` FILE into a new or existing tracker, all or "
      "nothing");
  imp->add_option("FILE", imf->file, "a tracker export file; - reads stdin")
      ->required();
  imp->add_option("TRACKER", imf->tracker,
                  "the tracker to restore into (default: the file's)");
  imp->add_option("--on-conflict", imf->on_conflict,
                  "what an id the tracker already has does: raise (fail), "
                  "ignore (keep it) or override")
      ->capture_default_str()
      ->check(CLI::IsMember({"raise", "ignore", "override"}));
  imp->callback([&s, action, imf] {
    *action = [&s, imf] { return RunTrackerImport(s, *imf); };
  });

  auto list_id = std::make_shared<std::string>();
  CLI::App* list = app.get_subcommand("catalog")->add_subcommand(
      "list", "print the tracker's catalog, one identity a line, sorted");
  list->add_option("TRACKER", *list_id, "the tracker id")->required();
  list->callback([&s, action, list_id] {
    *action = [&s, list_id] {
      std::vector<std::string> ids;
      Session::Check(s.OpenStore(false)->ListCatalog(*list_id, &ids));
      for (const std::string& id : ids) s.out << id << "\n";
      return kExitOk;
    };
  });
}

}  // namespace libexport::app
