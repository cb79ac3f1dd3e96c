#include "exportctl.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "cli.h"
#include "exportctl_commands.h"
#include "libexport/version.h"

namespace libexport::app {

std::shared_ptr<Store> Session::OpenStore(bool create) const {
  StoreOptions options;
  options.create_if_missing = create;
  auto store = Store::Open(store_dir, options);
  if (!store.ok()) {
    throw Failure{store.status().code() == Status::Code::kNotFound
                      ? "no store at " + store_dir +
                            " (create one with `exportctl tracker add` or "
                            "`exportctl demo`)"
                      : store.status().ToString()};
  }
  return *store;
}

void Session::Check(const Status& st) {
  if (!st.ok()) throw Failure{st.ToString()};
}

std::string Session::ReadInput(const std::string& file) const {
  std::string data;
  if (file == "-") {
    std::vector<char> block(1 << 20);
    while (in.read(block.data(), static_cast<std::streamsize>(block.size())) ||
           in.gcount() > 0) {
      data.append(block.data(), static_cast<size_t>(in.gcount()));
    }
    if (in.bad()) throw Failure{"cannot read stdin"};
    return data;
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Failure{FileError("cannot read", file, errno)};
  char block[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, block, sizeof(block));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw Failure{FileError("cannot read", file, error)};
    }
    if (n == 0) break;
    data.append(block, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

std::string Session::Actor() const {
  if (!actor.empty()) return actor;
  const uid_t uid = ::geteuid();
  struct passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 &&
      found != nullptr && found->pw_name != nullptr && *found->pw_name) {
    return found->pw_name;
  }
  return "uid " + std::to_string(uid);
}

void Session::CheckOutput() const {
  out.flush();
  if (!out) throw Failure{WriteError(out)};
}

std::optional<std::string> KeyFlags::Get(const Session& s) const {
  if (!key.empty() && !key_file.empty()) {
    throw UsageError{"give --key or --key-file, not both"};
  }
  std::string file = key_file;
  if (key.empty() && file.empty()) {
    // The command line wins over the environment, the key over a file.
    if (const char* v = std::getenv(env.c_str()); v != nullptr && *v) {
      return std::string(v);
    }
    if (const char* v = std::getenv((env + "_FILE").c_str());
        v != nullptr && *v) {
      file = v;
    }
  }
  if (!key.empty()) return key;
  if (file.empty()) return std::nullopt;
  std::string text = s.ReadInput(file);
  if (text.ends_with("\n")) text.pop_back();
  if (text.ends_with("\r")) text.pop_back();
  if (text.empty()) throw Failure{"the key file " + file + " is empty"};
  return text;
}

std::string KeyFlags::Require(const Session& s) const {
  std::optional<std::string> got = Get(s);
  if (!got) {
    throw UsageError{"no key: give --key-file FILE, or set " + env + " (or " +
                     env + "_FILE)"};
  }
  return std::move(*got);
}

void AddKeyFlags(CLI::App& command, KeyFlags* flags, const std::string& env,
                 const std::string& what) {
  flags->env = env;
  const std::string group =
      std::string(kOwnEnvGroup) + "(else " + env + ", else " + env + "_FILE)";
  command
      .add_option("--key", flags->key,
                  what + " (visible to ps: prefer --key-file or " + env + ")")
      ->group(group);
  command
      .add_option("--key-file", flags->key_file,
                  "read " + what + " from FILE (one line)")
      ->group(group);
}

void CheckKeyLength(const std::string& key, bool allow) {
  if (key.size() >= kMinKeyBytes || allow) return;
  throw UsageError{"the key is " + std::to_string(key.size()) +
                   " bytes, a key has at least " +
                   std::to_string(kMinKeyBytes) +
                   " (leave the key out to get a generated one)"};
}

std::vector<std::pair<std::string, std::string>> ExportFlags::Params() const {
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& v : model) params.emplace_back("model", v);
  for (const auto& v : tag) params.emplace_back("tag", v);
  for (const auto& v : target_type) params.emplace_back("target_type", v);
  for (const auto& v : target_identity) {
    params.emplace_back("target_identity", v);
  }
  if (remove_expired_pins) params.emplace_back("remove_expired_pins", "true");
  if (remove_nonexisting_item_pins) {
    params.emplace_back("remove_nonexisting_item_pins", "true");
  }
  return params;
}

void AddFilterFlags(CLI::App& command, ExportFlags* f) {
  // One value per occurrence, so `--model basket TRACKER` keeps TRACKER.
  command.add_option("--model", f->model, "only this model (repeatable)")
      ->allow_extra_args(false);
  command.add_option("--tag", f->tag, "only customizations with this tag")
      ->allow_extra_args(false);
  command
      .add_option("--target-type", f->target_type,
                  "only this target type: item, criteria or all")
      ->allow_extra_args(false);
  command
      .add_option("--target-identity", f->target_identity,
                  "only this target identity")
      ->allow_extra_args(false);
}

void AddExportFlags(CLI::App& command, ExportFlags* f) {
  AddFilterFlags(command, f);
  command.add_flag("--remove-expired-pins", f->remove_expired_pins,
                   "drop pins whose active_to has passed");
  command.add_flag("--remove-nonexisting-item-pins",
                   f->remove_nonexisting_item_pins,
                   "drop item pins whose item is not in the catalog");
}

int RunExportctl(const std::vector<std::string>& args, std::istream& in,
                 std::ostream& out, std::ostream& err) {
  Session session(in, out, err);
  Action action;
  CLI::App app(
      "exportctl: trackers, import, catalog, local export, verify, backup "
      "and signed HTTP requests over a libexport store.",
      "exportctl");
  // Options of the program (--store) may follow the command too.
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", libexport::VersionLine("exportctl"));
  app.add_option("--store", session.store_dir, "the store directory")
      ->capture_default_str();
  app.add_option("--actor", session.actor,
                 "who writes, as the store's audit log records it (default: "
                 "the OS user name)");
  // Subcommands inherit this footer when they are added.
  app.footer(ExitCodesHelp(false));
  AddTrackerCommands(app, session, &action);
  AddDataCommands(app, session, &action);
  AddStoreCommands(app, session, &action);
  AddRequestCommand(app, session, &action);
  AddTrackerFileCommands(app, session, &action);
  AddBackupCommands(app, session, &action);
  AddDiffCommand(app, session, &action);
  AddAuditLogCommand(app, session, &action);
  AddSyncCommand(app, session, &action);
  AddRestoreCommand(app, session, &action);
  app.footer(
      ExitCodesHelp(true) +
      "\nEvery flag can come from the environment instead: EXPORTCTL_ and "
      "the flag's name in\nupper snake case (--store: EXPORTCTL_STORE); the "
      "command line wins.\nRun `exportctl COMMAND --help` for a command's "
      "flags.");
  SetEnvNames(app, "EXPORTCTL_");

  if (args.empty()) {
    err << app.help();
    return kExitUsage;
  }
  // `exportctl help [COMMAND...]` is `exportctl [COMMAND...] --help`.
  std::vector<std::string> words = args;
  if (words.front() == "help") {
    words.erase(words.begin());
    words.push_back("--help");
  }
  if (auto code = ParseCommandLine(app, words, "exportctl", out, err)) {
    return *code;
  }
  try {
    const int rc = action();
    session.CheckOutput();
    return rc;
  } catch (const UsageError& e) {
    err << "exportctl: " << e.message
        << "\n(run `exportctl --help` for usage)\n";
    return kExitUsage;
  } catch (const Failure& e) {
    err << "exportctl: " << e.message << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    err << "exportctl: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace libexport::app
