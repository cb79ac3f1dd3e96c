#include "exportctl.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>

#include "demo_data.h"
#include "libexport/store.h"

namespace libexport::app {

namespace {

constexpr char kUsage[] = R"(usage: exportctl [--store DIR] COMMAND ...
  (--store defaults to ./data/store)

  tracker add TRACKER [--key KEY]    create a tracker; prints the key once when generated
  tracker list                       trackers with their customization and catalog counts
  tracker remove TRACKER             remove a tracker with all its data
  import TRACKER FILE|- [--format json|ndjson] [--on-conflict raise|ignore|override]
                                     load customizations, all or nothing
  catalog add|remove TRACKER FILE|-  one item identity per line
  export TRACKER [--model M] [--tag T] [--target-type X] [--target-identity I]
                 [--remove-expired-pins] [--remove-nonexisting-item-pins] [--now RFC3339]
                                     write the export document to stdout
  pinned-by TRACKER ITEM             ids of the customizations that pin ITEM
  verify TRACKER                     check records and indexes agree
  backup DIR                         consistent compacted copy of the store
  demo [--tracker demo] [--customizations N] [--catalog M] [--seed S]
                                     create a tracker with seeded synthetic data
  request TRACKER --url URL --key KEY [export flags] [--print-curl]
                                     a signed HTTP export request
)";

// A wrong command line: exit code 2.
struct UsageError {
  explicit UsageError(std::string m) : message(std::move(m)) {}
  std::string message;
};

// A command that could not be done: exit code 1.
struct Failure {
  explicit Failure(std::string m) : message(std::move(m)) {}
  std::string message;
};

// Positional words and --flags of one command. Flags in `valued` take a
// value; the others are switches.
struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> flags;

  static Args Parse(const std::vector<std::string>& in, size_t from,
                    const std::vector<std::string>& valued,
                    const std::vector<std::string>& switches) {
    Args a;
    for (size_t i = from; i < in.size(); ++i) {
      const std::string& w = in[i];
      if (w.size() > 2 && w.starts_with("--")) {
        if (std::find(valued.begin(), valued.end(), w) != valued.end()) {
          if (i + 1 >= in.size()) throw UsageError(w + " needs a value");
          a.flags[w] = in[++i];
        } else if (std::find(switches.begin(), switches.end(), w) !=
                   switches.end()) {
          a.flags[w] = "true";
        } else {
          throw UsageError("unknown option " + w);
        }
      } else {
        a.words.push_back(w);
      }
    }
    return a;
  }
  std::optional<std::string> Flag(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end()) return std::nullopt;
    return it->second;
  }
  const std::string& Word(size_t i, const char* what) const {
    if (i >= words.size()) throw UsageError(std::string("missing ") + what);
    return words[i];
  }
  void NoMoreThan(size_t n) const {
    if (words.size() > n) throw UsageError("unexpected argument " + words[n]);
  }
};

uint64_t ParseCount(const std::string& flag, const std::string& v) {
  try {
    size_t used = 0;
    unsigned long long n = std::stoull(v, &used);
    if (used == v.size()) return n;
  } catch (...) {
  }
  throw UsageError(flag + " must be a non-negative integer, got \"" + v + "\"");
}

class Cli {
 public:
  Cli(std::istream& in, std::ostream& out, std::ostream& err)
      : in_(in), out_(out), err_(err) {}

  int Run(std::vector<std::string> args) {
    std::string store_dir = "./data/store";
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--store") {
        if (i + 1 >= args.size()) throw UsageError("--store needs a value");
        store_dir = args[i + 1];
        args.erase(args.begin() + i, args.begin() + i + 2);
        break;
      }
    }
    if (args.empty() || args[0] == "help" || args[0] == "--help" ||
        args[0] == "-h") {
      out_ << kUsage;
      return args.empty() ? 2 : 0;
    }
    store_dir_ = store_dir;
    const std::string& cmd = args[0];
    if (cmd == "tracker") return Tracker(args);
    if (cmd == "import") return Import(args);
    if (cmd == "catalog") return Catalog(args);
    if (cmd == "export") return Export(args);
    if (cmd == "pinned-by") return PinnedBy(args);
    if (cmd == "verify") return Verify(args);
    if (cmd == "backup") return Backup(args);
    if (cmd == "demo") return Demo(args);
    if (cmd == "request")
      throw UsageError("this exportctl was built without the HTTP client");
    throw UsageError("unknown command " + cmd);
  }

 private:
  // Opens the store; `create` only for commands that make data.
  std::shared_ptr<Store> OpenStore(bool create) {
    StoreOptions options;
    options.create_if_missing = create;
    auto store = Store::Open(store_dir_, options);
    if (!store.ok()) {
      throw Failure(store.status().code() == Status::Code::kNotFound
                        ? "no store at " + store_dir_ +
                              " (create one with `exportctl tracker add` or "
                              "`exportctl demo`)"
                        : store.status().ToString());
    }
    return *store;
  }

  static void Check(const Status& st) {
    if (!st.ok()) throw Failure(st.ToString());
  }

  // Reads a whole file (or stdin for "-") in large blocks.
  std::string ReadInput(const std::string& file) {
    std::ifstream f;
    std::istream* src = &in_;
    if (file != "-") {
      f.open(file, std::ios::binary);
      if (!f) throw Failure("cannot read " + file);
      src = &f;
    }
    std::string data;
    std::vector<char> block(1 << 20);
    while (
        src->read(block.data(), static_cast<std::streamsize>(block.size())) ||
        src->gcount() > 0) {
      data.append(block.data(), static_cast<size_t>(src->gcount()));
    }
    if (src->bad()) throw Failure("error reading " + file);
    return data;
  }

  // An import document. A regular file is mapped read-only: no copy, and no
  // fresh memory to fault in and zero (that costs more than the parse on
  // some VMs). Stdin and anything that cannot be mapped go through
  // ReadInput. (Truncating the file while it is imported kills the process
  // with SIGBUS; it does not corrupt the store: nothing is committed.)
  class Input {
   public:
    Input() = default;
    Input(const Input&) = delete;
    Input& operator=(const Input&) = delete;
    ~Input() {
      if (map_ != nullptr) ::munmap(map_, size_);
    }
    std::string_view view() const {
      return map_ != nullptr
                 ? std::string_view(static_cast<const char*>(map_), size_)
                 : std::string_view(data_);
    }
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
    std::string data_;

   private:
    void* map_ = nullptr;
    size_t size_ = 0;
  };

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream s(text);
    std::string line;
    while (std::getline(s, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }

  int Tracker(const std::vector<std::string>& args) {
    Args a = Args::Parse(args, 1, {"--key"}, {});
    const std::string& sub =
        a.Word(0, "tracker subcommand (add, list, remove)");
    if (sub == "list") {
      a.NoMoreThan(1);
      auto store = OpenStore(false);
      auto list = store->ListTrackers();
      Check(list.status());
      for (const auto& t : *list) {
        out_ << t.tracker_id << "\tcustomizations=" << t.customizations
             << "\tcatalog=" << t.catalog_items << "\n";
      }
      return 0;
    }
    const std::string& tracker = a.Word(1, "TRACKER");
    a.NoMoreThan(2);
    if (sub == "add") {
      auto store = OpenStore(true);
      auto key = store->AddTracker(tracker, a.Flag("--key"));
      Check(key.status());
      if (!a.Flag("--key")) {
        out_ << "tracker " << tracker
             << " created; its private key (shown once):\n"
             << *key << "\n";
      } else {
        out_ << "tracker " << tracker << " created\n";
      }
      return 0;
    }
    if (sub == "remove") {
      Check(OpenStore(false)->RemoveTracker(tracker));
      out_ << "tracker " << tracker << " removed\n";
      return 0;
    }
    throw UsageError("unknown tracker subcommand " + sub);
  }

  int Import(const std::vector<std::string>& args) {
    Args a = Args::Parse(args, 1, {"--format", "--on-conflict"}, {});
    const std::string& tracker = a.Word(0, "TRACKER");
    const std::string& file = a.Word(1, "FILE (or - for stdin)");
    a.NoMoreThan(2);
    ImportOptions options;
    options.now = SystemNow();
    if (auto f = a.Flag("--format")) {
      if (*f == "json")
        options.format = ImportFormat::kJson;
      else if (*f == "ndjson")
        options.format = ImportFormat::kNdjson;
      else
        throw UsageError("--format must be json or ndjson");
    }
    if (auto c = a.Flag("--on-conflict")) {
      if (*c == "raise")
        options.on_conflict = OnConflict::kRaise;
      else if (*c == "ignore")
        options.on_conflict = OnConflict::kIgnore;
      else if (*c == "override")
        options.on_conflict = OnConflict::kOverride;
      else
        throw UsageError("--on-conflict must be raise, ignore or override");
    }
    Input input;
    if (file == "-" || !input.Map(file)) input.data_ = ReadInput(file);
    const std::string_view doc = input.view();
    auto store = OpenStore(false);
    bool tty = &err_ == &std::cerr && isatty(STDERR_FILENO);
    if (tty) {
      options.progress = [this](size_t done, size_t total) {
        int pct = total ? static_cast<int>(done * 100 / total) : 100;
        std::string bar(pct / 4, '#');
        bar.resize(25, ' ');
        err_ << "\rimporting [" << bar << "] " << pct << "% (" << done << "/"
             << total << ")" << std::flush;
      };
    }
    ImportReport report;
    Status st = store->Import(tracker, doc, options, &report);
    if (tty && options.progress) err_ << "\n";
    if (!st.ok()) {
      err_ << "exportctl: import failed: " << st.message() << "\n";
      size_t shown = 0;
      for (const auto& e : report.errors) {
        if (++shown > 100) {
          err_ << "  ... and " << report.errors.size() - 100 << " more\n";
          break;
        }
        err_ << "  " << e.location << ": "
             << (e.field.empty() ? "" : e.field + ": ") << e.message << "\n";
      }
      return 1;
    }
    out_ << "imported " << report.inserted << " new, " << report.replaced
         << " replaced, " << report.skipped << " skipped\n";
    return 0;
  }

  int Catalog(const std::vector<std::string>& args) {
    Args a = Args::Parse(args, 1, {}, {});
    const std::string& sub = a.Word(0, "catalog subcommand (add, remove)");
    const std::string& tracker = a.Word(1, "TRACKER");
    const std::string& file = a.Word(2, "FILE (or - for stdin)");
    a.NoMoreThan(3);
    if (sub != "add" && sub != "remove")
      throw UsageError("unknown catalog subcommand " + sub);
    std::vector<std::string> ids = Lines(ReadInput(file));
    auto store = OpenStore(false);
    uint64_t changed = 0;
    Check(sub == "add" ? store->AddCatalogItems(tracker, ids, &changed)
                       : store->RemoveCatalogItems(tracker, ids, &changed));
    out_ << (sub == "add" ? "added " : "removed ") << changed << " of "
         << ids.size() << " identities\n";
    return 0;
  }

  int Export(const std::vector<std::string>& args) {
    Args a = Args::Parse(
        args, 1,
        {"--model", "--tag", "--target-type", "--target-identity", "--now"},
        {"--remove-expired-pins", "--remove-nonexisting-item-pins"});
    const std::string& tracker = a.Word(0, "TRACKER");
    a.NoMoreThan(1);
    Timestamp now = SystemNow();
    if (auto n = a.Flag("--now")) {
      auto t = ParseRfc3339(*n);
      if (!t.ok()) throw UsageError("--now: " + t.status().message());
      now = t->time;
    }
    // The flags become the endpoint's query parameters, so the command line
    // and HTTP validate alike.
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& [flag, value] : a.flags) {
      if (flag == "--now") continue;
      std::string name = flag.substr(2);
      std::replace(name.begin(), name.end(), '-', '_');
      params.emplace_back(name, value);
    }
    auto query = ParseExportQuery(tracker, params, now);
    if (!query.ok()) {
      throw UsageError("--" + Dashed(query.status().field()) + ": " +
                       query.status().message());
    }
    auto store = OpenStore(false);
    class OstreamSink : public ExportSink {
     public:
      explicit OstreamSink(std::ostream& o) : o_(o) {}
      bool Write(std::string_view chunk) override {
        o_.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        return static_cast<bool>(o_);
      }

     private:
      std::ostream& o_;
    } sink(out_);
    Check(store->Export(*query, sink));
    out_.flush();
    return 0;
  }

  static std::string Dashed(std::string s) {
    std::replace(s.begin(), s.end(), '_', '-');
    return s;
  }

  int PinnedBy(const std::vector<std::string>& args) {
    Args a = Args::Parse(args, 1, {}, {});
    const std::string& tracker = a.Word(0, "TRACKER");
    const std::string& item = a.Word(1, "ITEM");
    a.NoMoreThan(2);
    auto ids = OpenStore(false)->FindPinning(tracker, item);
    Check(ids.status());
    for (const auto& id : *ids) out_ << id << "\n";
    return 0;
  }

  int Verify(const std::vector<std::string>& args) {
    Args a = Args::Parse(args, 1, {}, {});
    const std::string& tracker = a.Word(0, "TRACKER");
    a.NoMoreThan(1);
    VerifyReport report;
    Check(OpenStore(false)->Verify(tracker, &report));
    out_ << "records=" << report.records
         << " index_entries=" << report.index_entries
         << " catalog_items=" << report.catalog_items << "\n";
    for (const auto& p : report.problems) err_ << "problem: " << p << "\n";
    if (!report.problems.empty()) return 1;
    out_ << "ok\n";
    return 0;
  }

  int Backup(const std::vector<std::string>& args) {
    Args a = Args::Parse(args, 1, {}, {});
    const std::string& dir = a.Word(0, "DIR");
    a.NoMoreThan(1);
    Check(OpenStore(false)->Backup(dir));
    out_ << "backup written to " << dir << "\n";
    return 0;
  }

  int Demo(const std::vector<std::string>& args) {
    Args a = Args::Parse(
        args, 1, {"--tracker", "--customizations", "--catalog", "--seed"}, {});
    a.NoMoreThan(0);
    std::string tracker = a.Flag("--tracker").value_or("demo");
    demo::DemoOptions options;
    options.now = SystemNow();
    if (auto v = a.Flag("--customizations"))
      options.customizations = ParseCount("--customizations", *v);
    if (auto v = a.Flag("--catalog"))
      options.catalog = ParseCount("--catalog", *v);
    if (auto v = a.Flag("--seed")) options.seed = ParseCount("--seed", *v);
    auto store = OpenStore(true);
    auto key = store->AddTracker(tracker);
    Check(key.status());
    demo::DemoData data = demo::GenerateDemo(options);
    ImportOptions import;
    import.now = options.now;
    ImportReport report;
    Status st = store->Import(tracker, data.ndjson, import, &report);
    if (st.ok()) st = store->AddCatalogItems(tracker, data.catalog);
    if (!st.ok()) {
      (void)store->RemoveTracker(tracker);  // leave nothing half made
      Check(st);
    }
    out_ << "tracker: " << tracker << "\nkey: " << *key
         << "\ncustomizations: " << report.inserted
         << "\ncatalog: " << data.catalog.size() << "\n";
    return 0;
  }

  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::string store_dir_;
};

}  // namespace

int RunExportctl(const std::vector<std::string>& args, std::istream& in,
                 std::ostream& out, std::ostream& err) {
  try {
    return Cli(in, out, err).Run(args);
  } catch (const UsageError& e) {
    err << "exportctl: " << e.message << "\n(run `exportctl help` for usage)\n";
    return 2;
  } catch (const std::exception& e) {
    err << "exportctl: error: " << e.what() << "\n";
    return 1;
  } catch (const Failure& e) {
    err << "exportctl: error: " << e.message << "\n";
    return 1;
  }
}

}  // namespace libexport::app
