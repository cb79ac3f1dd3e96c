// exportctl backup DIR and backup --verify DIR: a consistent copy of the
// whole store with a manifest beside it (backup_manifest.h).
#include <filesystem>

#include "backup_manifest.h"
#include "cli.h"
#include "exportctl_commands.h"

namespace libexport::app {
namespace {

struct BackupFlags {
  std::string dir;
  bool verify = false;
};

int RunBackup(const Session& s, const BackupFlags& f) {
  namespace fs = std::filesystem;
  fs::path parent = fs::path(f.dir).parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) {
    throw Failure{"backup: the parent directory " + parent.string() +
                  " does not exist (create it first)"};
  }
  Session::Check(s.OpenStore(false)->Backup(f.dir));
  WriteManifest(f.dir, SystemNow());
  s.out << "backup written to " << f.dir << " (manifest: " << f.dir << "/"
        << kManifestName << ")\n";
  return kExitOk;
}

int RunVerify(const Session& s, const BackupFlags& f) {
  std::string summary;
  const std::vector<std::string> problems = VerifyManifest(f.dir, &summary);
  for (const std::string& p : problems) s.err << "problem: " << p << "\n";
  if (!problems.empty()) {
    s.err << "exportctl: backup " << f.dir << " is damaged\n";
    return kExitFailure;
  }
  s.out << "ok: " << summary << "\n";
  return kExitOk;
}

}  // namespace

void AddBackupCommands(CLI::App& app, Session& s, Action* action) {
  auto bf = std::make_shared<BackupFlags>();
  CLI::App* backup = app.add_subcommand(
      "backup",
      "write a consistent, compacted copy of the whole store into DIR with a "
      "manifest (sha256, sizes, version, trackers); safe while exportd "
      "serves");
  backup
      ->add_option("DIR", bf->dir,
                   "a new directory; its parent must exist (with --verify: "
                   "a backup)")
      ->required();
  backup->add_flag("--verify", bf->verify,
                   "check the backup in DIR against its manifest instead "
                   "(exit 1 naming each changed or missing file)");
  backup->callback([&s, action, bf] {
    *action = [&s, bf] {
      return bf->verify ? RunVerify(s, *bf) : RunBackup(s, *bf);
    };
  });
}

}  // namespace libexport::app
