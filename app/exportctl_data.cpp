// exportctl import, catalog add|remove, export, pinned-by: the data of one
// tracker.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "change_summary.h"
#include "cli.h"
#include "exportctl_commands.h"
#include "libexport/compression.h"

namespace libexport::app {
namespace {

// An import document. A regular file is mapped read-only: no copy, and no
// fresh memory to fault in and zero (that costs more than the parse on
// some VMs). Stdin and anything that cannot be mapped are read whole.
// (Truncating the file while it is imported kills the process with SIGBUS;
// it does not corrupt the store: nothing is committed.)
class Input {
 public:
  Input(const Session& s, const std::string& file) {
    if (file == "-" || !Map(file)) data_ = s.ReadInput(file);
    // A .gz / .zst file, or a stream that starts with their magic number,
    // is decompressed first.
    ContentCoding coding = CodingOfFileName(file);
    if (coding == ContentCoding::kIdentity) coding = CodingOfData(view());
    if (coding != ContentCoding::kIdentity) {
      std::string plain;
      Status st = Decompress(coding, view(), &plain);
      if (!st.ok()) throw Failure{file + ": " + st.message()};
      Unmap();
      data_ = std::move(plain);
    }
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input() { Unmap(); }
  std::string_view view() const {
    return map_ != nullptr
               ? std::string_view(static_cast<const char*>(map_), size_)
               : std::string_view(data_);
  }

 private:
  bool Map(const std::string& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      const size_t size = static_cast<size_t>(st.st_size);
      void* p =
          ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p != MAP_FAILED) {
        map_ = p;
        size_ = size;
      }
    }
    ::close(fd);
    return map_ != nullptr;
  }

  void Unmap() {
    if (map_ != nullptr) ::munmap(map_, size_);
    map_ = nullptr;
  }

  std::string data_;
  void* map_ = nullptr;
  size_t size_ = 0;
};

// One identity per line: a UTF-8 byte order mark before the first and the
// CR of a CRLF line end are not part of it; empty lines are skipped; a line
// of only whitespace is an error naming it (an identity is never blank).
std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  const Status st = ParseCatalogLines(text, &lines);
  if (!st.ok()) throw Failure{st.message() + "; nothing changed"};
  return lines;
}

std::string Dashed(std::string s) {
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

// "imported: +12 ~3 -5 (7 unchanged, 0 skipped)"; a dry run says what it
// would do and counts the rejected records too.
void PrintImportReport(Session& s, const ImportFlags& f,
                       const ImportReport& report) {
  s.out << (f.dry_run ? "dry run: " : "imported: ") << ChangeSummary(report)
        << " (" << report.unchanged << " unchanged, " << report.skipped
        << " skipped";
  if (f.dry_run) s.out << ", " << report.error_count << " rejected";
  s.out << ")" << (f.dry_run ? "; nothing changed" : "") << "\n";
  if (f.verbose) PrintChangedIds(report, s.out);
}

}  // namespace

int RunImport(Session& s, const ImportFlags& f, ImportOptions base,
              ImportReport* out) {
  ImportOptions options = std::move(base);
  options.now = SystemNow();
  if (f.format == "json") options.format = ImportFormat::kJson;
  if (f.format == "ndjson") options.format = ImportFormat::kNdjson;
  if (f.on_conflict == "ignore") options.on_conflict = OnConflict::kIgnore;
  if (f.on_conflict == "override") options.on_conflict = OnConflict::kOverride;
  options.replace = f.replace;
  options.dry_run = f.dry_run;
  options.actor = s.Actor();
  Input input(s, f.file);
  auto store = s.OpenStore(false);
  const bool tty = &s.err == &std::cerr && isatty(STDERR_FILENO);
  if (tty && !f.dry_run) {
    options.progress = [&s](size_t done, size_t total) {
      int pct = total ? static_cast<int>(done * 100 / total) : 100;
      std::string bar(pct / 4, '#');
      bar.resize(25, ' ');
      s.err << "\rimporting [" << bar << "] " << pct << "% (" << done << "/"
            << total << ")" << std::flush;
    };
  }
  ImportReport report;
  Status st = store->Import(f.tracker, input.view(), options, &report);
  if (tty && !f.dry_run) s.err << "\n";
  if (!st.ok()) {
    s.err << "exportctl: import " << (f.dry_run ? "would fail" : "failed")
          << ": " << st.message() << "\n";
    size_t shown = 0;
    for (const auto& e : report.errors) {
      if (++shown > 100) {
        s.err << "  ... and " << report.error_count - 100 << " more\n";
        break;
      }
      s.err << "  " << e.location << ": "
            << (e.field.empty() ? "" : e.field + ": ") << e.message << "\n";
    }
    if (f.dry_run && report.error_count > 0) PrintImportReport(s, f, report);
    return kExitFailure;
  }
  PrintImportReport(s, f, report);
  if (out != nullptr) *out = std::move(report);
  return kExitOk;
}

namespace {

struct ExportCommandFlags {
  std::string tracker;
  ExportFlags filters;
  std::string now;
  bool prune_report = false;
  std::string format = "json";  // or ndjson
  std::string compress;         // gzip, zstd or empty
};

int RunExport(Session& s, const ExportCommandFlags& f) {
  Timestamp now = SystemNow();
  if (!f.now.empty()) {
    auto t = ParseRfc3339(f.now);
    if (!t.ok()) throw UsageError{"--now: " + t.status().message()};
    now = t->time;
  }
  // The flags become the endpoint's query parameters, so the command line
  // and HTTP validate alike.
  Representation representation;
  if (f.format == "ndjson") representation.format = ExportFormat::kNdjson;
  if (f.compress == "gzip") representation.coding = ContentCoding::kGzip;
  if (f.compress == "zstd") representation.coding = ContentCoding::kZstd;
  auto params = f.filters.Params();
  if (f.prune_report) params.emplace_back("prune_report", "true");
  auto query = ParseExportQuery(f.tracker, params, now, representation);
  if (!query.ok()) {
    const std::string field = Dashed(query.status().field());
    throw UsageError{"--" + field + ": " + query.status().message() +
                     (field == "prune-report" ? " (--format ndjson)" : "")};
  }
  auto store = s.OpenStore(false);
  class OstreamSink : public ExportSink {
   public:
    explicit OstreamSink(std::ostream& o) : o_(o) {}
    bool Write(std::string_view chunk) override {
      o_.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      return static_cast<bool>(o_);
    }

   private:
    std::ostream& o_;
  } sink(s.out);
  ExportStats stats;
  Status st = store->Export(*query, sink, &stats);
  // A sink stops only when stdout failed: say why.
  s.CheckOutput();
  Session::Check(st);
  // The document holds every intact record; a damaged one was left out.
  // That is never a success: a script that keeps the output must know.
  if (stats.records_corrupt > 0) {
    s.err << "exportctl: " << stats.records_corrupt
          << " stored record(s) are damaged and were left out of the export "
             "(the output is valid and holds every intact record); run "
             "`exportctl verify "
          << f.tracker
          << "` for details and restore from a backup (docs/operations.md)\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void AddDataCommands(CLI::App& app, Session& s, Action* action) {
  auto imp = std::make_shared<ImportFlags>();
  CLI::App* import = app.add_subcommand(
      "import", "load customizations into a tracker, all or nothing");
  import->add_option("TRACKER", imp->tracker, "the tracker id")->required();
  import
      ->add_option("FILE", imp->file,
                   "an export document or NDJSON file, maybe .gz or .zst; - "
                   "reads stdin")
      ->required();
  import
      ->add_option("--format", imp->format,
                   "json ({\"results\":[...]}) or ndjson (default: detected)")
      ->check(CLI::IsMember({"json", "ndjson"}));
  import
      ->add_option("--on-conflict", imp->on_conflict,
                   "what an id already stored does: raise (fail), ignore "
                   "(keep it) or override")
      ->capture_default_str()
      ->check(CLI::IsMember({"raise", "ignore", "override"}));
  import->add_flag("--replace", imp->replace,
                   "make the tracker's customizations exactly the file's: "
                   "every id in FILE is written (whatever --on-conflict says), "
                   "every stored id FILE lacks is deleted; one transaction");
  import->add_flag("--dry-run", imp->dry_run,
                   "change nothing; print what the import would do (+new "
                   "~changed -removed) and the records it would reject");
  import->add_flag("--verbose", imp->verbose,
                   "also print the ids: + new, ~ changed, - removed");
  import->callback([&s, action, imp] {
    *action = [&s, imp] { return RunImport(s, *imp);
};
}  // namespace libexport::app
);

CLI::App* catalog = app.add_subcommand(
    "catalog", "add or remove item identities of a tracker's catalog");
catalog->require_subcommand(1);
for (const bool add : {true, false}) {
  struct CatalogFlags {
    std::string tracker;
    std::string file;
  };
  auto cf = std::make_shared<CatalogFlags>();
  CLI::App* sub = catalog->add_subcommand(
      add ? "add" : "remove",
      add ? "add the identities in FILE (one per line)"
          : "remove the identities in FILE (one per line)");
  sub->add_option("TRACKER", cf->tracker, "the tracker id")->required();
  sub->add_option("FILE", cf->file, "one identity per line; - reads stdin")
      ->required();
  sub->callback([&s, action, cf, add] {
    *action = [&s, cf, add] {
      std::vector<std::string> ids = Lines(s.ReadInput(cf->file));
      auto store = s.OpenStore(false);
      uint64_t changed = 0;
      Session::Check(
          add ? store->AddCatalogItems(cf->tracker, ids, &changed, s.Actor())
              : store->RemoveCatalogItems(cf->tracker, ids, &changed,
                                          s.Actor()));
      s.out << (add ? "added " : "removed ") << changed << " of " << ids.size()
            << " identities\n";
      return kExitOk;
    };
  });
}

auto ex = std::make_shared<ExportCommandFlags>();
CLI::App* exp = app.add_subcommand(
    "export",
    "write a tracker's export document to stdout (the endpoint's bytes)");
exp->add_option("TRACKER", ex->tracker, "the tracker id")->required();
AddExportFlags(*exp, &ex->filters);
exp->add_option("--now", ex->now,
                "evaluate expiry and `available` at this RFC 3339 time "
                "(default: now; the endpoint's as_of)");
exp->add_flag("--prune-report", ex->prune_report,
              "add \"pruned\":[...] after the results: each pruned pin with "
              "its customization id and reason (JSON only)");
exp->add_option("--format", ex->format,
                "json (the document) or ndjson (one customization a line)")
    ->capture_default_str()
    ->check(CLI::IsMember({"json", "ndjson"}));
exp->add_option("--compress", ex->compress,
                "gzip or zstd the output (import reads .gz and .zst back)")
    ->check(CLI::IsMember({"gzip", "zstd"}));
exp->callback([&s, action, ex] {
  *action = [&s, ex] { return RunExport(s, *ex); };
});

struct PinnedFlags {
  std::string tracker;
  std::string item;
};
auto pf = std::make_shared<PinnedFlags>();
CLI::App* pinned =
    app.add_subcommand("pinned-by", "ids of the customizations that pin ITEM");
pinned->add_option("TRACKER", pf->tracker, "the tracker id")->required();
pinned->add_option("ITEM", pf->item, "an item identity")->required();
pinned->callback([&s, action, pf] {
  *action = [&s, pf] {
    auto ids = s.OpenStore(false)->FindPinning(pf->tracker, pf->item);
    Session::Check(ids.status());
    for (const auto& id : *ids) s.out << id << "\n";
    return kExitOk;
  };
});
}

}  // namespace libexport::app
