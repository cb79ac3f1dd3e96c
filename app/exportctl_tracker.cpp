// exportctl tracker add|list|remove|key|rotate-key.
#include <iostream>

#include "cli.h"
#include "exportctl_commands.h"

namespace libexport::app {
namespace {

// A tracker id and the flags that give it a key.
struct NewKeyFlags {
  std::string tracker;
  KeyFlags key;
  bool allow_short_key = false;
  int64_t grace = 0;  // rotate-key
};

void AddNewKeyFlags(CLI::App& command, NewKeyFlags* f) {
  command.add_option("TRACKER", f->tracker, "the tracker id")->required();
  AddKeyFlags(command, &f->key, "EXPORTCTL_NEW_KEY",
              "the new key (default: 32 random bytes, hex)");
  command.add_flag("--allow-short-key", f->allow_short_key,
                   "accept a key shorter than 16 bytes (tests only)");
}

std::optional<std::string> NewKey(const Session& s, const NewKeyFlags& f) {
  std::optional<std::string> key = f.key.Get(s);
  if (key) CheckKeyLength(*key, f.allow_short_key);
  return key;
}

}  // namespace

void AddTrackerCommands(CLI::App& app, Session& s, Action* action) {
  CLI::App* tracker = app.add_subcommand(
      "tracker", "create, list, remove trackers; show and rotate their keys");
  tracker->require_subcommand(1);

  auto add_flags = std::make_shared<NewKeyFlags>();
  CLI::App* add = tracker->add_subcommand(
      "add", "create a tracker; prints its key when generated");
  AddNewKeyFlags(*add, add_flags.get());
  add->callback([&s, action, add_flags] {
    *action = [&s, add_flags] {
      const std::optional<std::string> given = NewKey(s, *add_flags);
      auto store = s.OpenStore(true);
      auto key = store->AddTracker(add_flags->tracker, given, s.Actor());
      Session::Check(key.status());
      if (!given) {
        s.out << "tracker " << add_flags->tracker
              << " created; its private key (`exportctl tracker key "
              << add_flags->tracker << "` shows it again):\n"
              << *key << "\n";
      } else {
        s.out << "tracker " << add_flags->tracker << " created\n";
      }
      return kExitOk;
    };
  });

  CLI::App* list = tracker->add_subcommand(
      "list", "trackers with their customization and catalog counts");
  list->callback([&s, action] {
    *action = [&s] {
      auto trackers = s.OpenStore(false)->ListTrackers();
      Session::Check(trackers.status());
      for (const auto& t : *trackers) {
        s.out << t.tracker_id << "\tcustomizations=" << t.customizations
              << "\tcatalog=" << t.catalog_items << "\n";
      }
      return kExitOk;
    };
  });

  auto remove_id = std::make_shared<std::string>();
  CLI::App* remove =
      tracker->add_subcommand("remove", "remove a tracker with all its data");
  remove->add_option("TRACKER", *remove_id, "the tracker id")->required();
  remove->callback([&s, action, remove_id] {
    *action = [&s, remove_id] {
      Session::Check(s.OpenStore(false)->RemoveTracker(*remove_id, s.Actor()));
      s.out << "tracker " << *remove_id << " removed\n";
      return kExitOk;
    };
  });

  auto key_id = std::make_shared<std::string>();
  CLI::App* key_cmd = tracker->add_subcommand(
      "key", "print the tracker's private key (the HMAC secret)");
  key_cmd->add_option("TRACKER", *key_id, "the tracker id")->required();
  key_cmd->callback([&s, action, key_id] {
    *action = [&s, key_id] {
      auto key = s.OpenStore(false)->TrackerKey(*key_id);
      Session::Check(key.status());
      s.out << *key << "\n";
      return kExitOk;
    };
  });

  auto rotate_flags = std::make_shared<NewKeyFlags>();
  CLI::App* rotate = tracker->add_subcommand(
      "rotate-key",
      "replace the tracker's key; prints the new one when generated. With "
      "--grace the old key stays valid for that long, so clients can move "
      "over without an outage");
  AddNewKeyFlags(*rotate, rotate_flags.get());
  rotate
      ->add_option("--grace", rotate_flags->grace,
                   "SECONDS the old key stays valid (default 0: refused at "
                   "once; a key replaced earlier is always forgotten)")
      ->check(CLI::NonNegativeNumber);
  rotate->callback([&s, action, rotate_flags] {
    *action = [&s, rotate_flags] {
      const NewKeyFlags& f = *rotate_flags;
      const std::optional<std::string> given = NewKey(s, f);
      Timestamp until = SystemNow();
      until.seconds += f.grace;
      if (f.grace == 0) until = Timestamp{};
      auto key = s.OpenStore(false)->RotateTrackerKey(f.tracker, given, until,
                                                      s.Actor());
      Session::Check(key.status());
      if (!given) s.out << *key << "\n";
      s.err << "tracker " << f.tracker << ": key replaced; the previous key "
            << (f.grace == 0 ? "is no longer valid"
                             : "stays valid until " + FormatRfc3339(until))
            << "\n";
      return kExitOk;
    };
  });
}

}  // namespace libexport::app
