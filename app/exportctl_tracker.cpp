// exportctl tracker add|list|remove.
#include <iostream>

#include "cli.h"
#include "exportctl_commands.h"

namespace libexport::app {

void AddTrackerCommands(CLI::App& app, Session& s, Action* action) {
  CLI::App* tracker =
      app.add_subcommand("tracker", "create, list and remove trackers");
  tracker->require_subcommand(1);

  struct AddFlags {
    std::string tracker;
    std::optional<std::string> key;
  };
  auto add_flags = std::make_shared<AddFlags>();
  CLI::App* add = tracker->add_subcommand(
      "add", "create a tracker; prints its key once when generated");
  add->add_option("TRACKER", add_flags->tracker, "the tracker id")->required();
  add->add_option("--key", add_flags->key,
                  "the tracker's private key (default: a generated one)")
      ->envname("EXPORTCTL_TRACKER_KEY");
  add->callback([&s, action, add_flags] {
    *action = [&s, add_flags] {
      auto store = s.OpenStore(true);
      auto key = store->AddTracker(add_flags->tracker, add_flags->key);
      Session::Check(key.status());
      if (!add_flags->key) {
        s.out << "tracker " << add_flags->tracker
              << " created; its private key (shown once):\n"
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
      Session::Check(s.OpenStore(false)->RemoveTracker(*remove_id));
      s.out << "tracker " << *remove_id << " removed\n";
      return kExitOk;
    };
  });
}

}  // namespace libexport::app
