// The pieces of exportctl: each command group adds its subcommands (flags,
// help) to the one CLI11 parser and, when chosen, leaves the action that
// runs it. exportctl.cpp puts them together.
#ifndef LIBEXPORT_APP_EXPORTCTL_COMMANDS_H_
#define LIBEXPORT_APP_EXPORTCTL_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "libexport/store.h"

namespace libexport::app {

// One run of exportctl: its streams and the store it works on.
class Session {
 public:
  Session(std::istream& in, std::ostream& out, std::ostream& err)
      : in(in), out(out), err(err) {}

  // Opens the store at `store_dir`; `create` only for commands that make
  // data. Throws Failure.
  std::shared_ptr<Store> OpenStore(bool create) const;

  // Throws Failure with the status' text when it is not ok.
  static void Check(const Status& status);

  // The whole of `file` ("-": stdin). Throws Failure naming the cause
  // ("cannot read x.json: No such file or directory").
  std::string ReadInput(const std::string& file) const;

  // Throws Failure ("write error: ...") when `out` failed.
  void CheckOutput() const;

  // Who writes, for the store's audit log: --actor, else the OS user name
  // (of the effective uid; "uid N" when it has none).
  std::string Actor() const;

  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  std::string store_dir = "./data/store";
  std::string actor;  // --actor
};

// What the chosen subcommand does; returns the exit code.
using Action = std::function<int()>;

// Each adds its subcommands to `app`; the chosen one sets `*action`.
// `session` and `action` outlive the parse and the action.
void AddTrackerCommands(CLI::App& app, Session& session, Action* action);
void AddDataCommands(CLI::App& app, Session& session, Action* action);
void AddStoreCommands(CLI::App& app, Session& session, Action* action);
void AddRequestCommand(CLI::App& app, Session& session, Action* action);
// The verbs of `exportctl request` other than the export (create, get,
// update, delete, list, summary, bulk, catalog add|remove, restore), added
// under it by AddRequestCommand.
void AddRequestVerbs(CLI::App& request, Session& session, Action* action);
// `exportctl restore TRACKER FILE --url URL`: a backup sent to a running
// server as one bulk request with conflict_strategy=replace (also
// `exportctl request restore`).
void AddRestoreCommand(CLI::App& app, Session& session, Action* action);
// After AddTrackerCommands and AddDataCommands: adds to their groups.
void AddTrackerFileCommands(CLI::App& app, Session& session, Action* action);
void AddBackupCommands(CLI::App& app, Session& session, Action* action);
void AddDiffCommand(CLI::App& app, Session& session, Action* action);
void AddAuditLogCommand(CLI::App& app, Session& session, Action* action);

// `exportctl import`: one document into a tracker, all or nothing; prints
// what was imported, or the bad records on stderr. Returns the exit code.
// `base` holds what the flags do not set (ImportOptions::catalog_add,
// create_tracker: `tracker import`); `report`, when given, receives the
// report.
struct ImportFlags {
  std::string tracker;
  std::string file;
  std::string format;  // json, ndjson or empty (detected)
  std::string on_conflict = "raise";
  bool replace = false;
  bool dry_run = false;
  bool verbose = false;
};
int RunImport(Session& session, const ImportFlags& flags,
              ImportOptions base = {}, ImportReport* report = nullptr);
void AddSyncCommand(CLI::App& app, Session& session, Action* action);

// A private key from --key KEY (seen by `ps` and the shell's history:
// prefer the others), --key-file FILE or the environment variables
// ENV (the key) and ENV_FILE (a file holding it).
struct KeyFlags {
  std::string key;
  std::string key_file;
  std::string env;  // EXPORTCTL_KEY, ...
  // The key, nullopt when none was given. A file's one trailing newline is
  // not part of the key. Throws Failure (unreadable or empty file).
  std::optional<std::string> Get(const Session& session) const;
  // The key; throws UsageError naming where to give it when none was.
  std::string Require(const Session& session) const;
};
// Their group starts with kOwnEnvGroup: SetEnvNames leaves them alone.
void AddKeyFlags(CLI::App& command, KeyFlags* flags, const std::string& env,
                 const std::string& what);

// Keys shorter than this are refused when a tracker gets one, unless
// --allow-short-key (for tests).
inline constexpr size_t kMinKeyBytes = 16;
// Throws UsageError for a key shorter than kMinKeyBytes unless `allow`.
void CheckKeyLength(const std::string& key, bool allow);

// The filter and pruning flags of `export` and `request`: the export
// endpoint's query parameters. The filters may repeat.
struct ExportFlags {
  std::vector<std::string> model, tag, target_type, target_identity;
  bool remove_expired_pins = false;
  bool remove_nonexisting_item_pins = false;

  // (name, value) query parameters in a fixed order: model, tag,
  // target_type, target_identity, then the switches.
  std::vector<std::pair<std::string, std::string>> Params() const;
};
void AddExportFlags(CLI::App& command, ExportFlags* flags);
// The four filters alone (`request list` takes no pruning switch).
void AddFilterFlags(CLI::App& command, ExportFlags* flags);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_EXPORTCTL_COMMANDS_H_
