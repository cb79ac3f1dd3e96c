// exportctl diff A B: two exports (documents or NDJSON) compared by
// customization id and by top-level field, for audits.
#include <simdjson.h>

#include <map>
#include <set>

#include "cli.h"
#include "exportctl_commands.h"

namespace libexport::app {
namespace {

// id -> field -> the field's value as minified JSON.
using Customizations =
    std::map<std::string, std::map<std::string, std::string>>;

void Add(const std::string& name, const std::string& where,
         simdjson::dom::element record, Customizations* out) {
  simdjson::dom::object object;
  std::string_view id;
  if (record.get(object) != simdjson::SUCCESS ||
      object["id"].get(id) != simdjson::SUCCESS) {
    throw Failure{name + ": " + where + " is not an object with a string id"};
  }
  auto& fields = (*out)[std::string(id)];
  if (!fields.empty()) {
    throw Failure{name + ": " + where + ": id " + std::string(id) +
                  " appears twice"};
  }
  for (auto [key, value] : object) {
    fields.emplace(std::string(key), simdjson::minify(value));
  }
}

// The customizations of an export document ({"results":[...]}) or of NDJSON
// (one a line).
Customizations Load(const Session& s, const std::string& name) {
  const simdjson::padded_string text(s.ReadInput(name));
  Customizations out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array results;
  if (parser.parse(text).get(root) == simdjson::SUCCESS &&
      root["results"].get(results) == simdjson::SUCCESS) {
    size_t i = 0;
    for (simdjson::dom::element r : results) {
      Add(name, "results[" + std::to_string(i++) + "]", r, &out);
    }
    return out;
  }
  simdjson::dom::document_stream lines;
  if (parser.parse_many(text).get(lines) != simdjson::SUCCESS) {
    throw Failure{name + ": neither an export document nor NDJSON"};
  }
  size_t line = 0;
  for (auto r : lines) {
    simdjson::dom::element e;
    ++line;
    if (r.get(e) != simdjson::SUCCESS) {
      throw Failure{name + ": record " + std::to_string(line) +
                    " is not JSON (" + simdjson::error_message(r.error()) +
                    ")"};
    }
    Add(name, "record " + std::to_string(line), e, &out);
  }
  return out;
}

struct DiffFlags {
  std::string a, b;
  std::vector<std::string> ignore;
};

int RunDiff(const Session& s, const DiffFlags& f) {
  const Customizations a = Load(s, f.a), b = Load(s, f.b);
  const std::set<std::string> ignored(f.ignore.begin(), f.ignore.end());
  size_t added = 0, removed = 0, changed = 0, same = 0;
  auto ai = a.begin();
  auto bi = b.begin();
  while (ai != a.end() || bi != b.end()) {
    if (bi == b.end() || (ai != a.end() && ai->first < bi->first)) {
      s.out << "removed " << (ai++)->first << "\n";
      ++removed;
      continue;
    }
    if (ai == a.end() || bi->first < ai->first) {
      s.out << "added   " << (bi++)->first << "\n";
      ++added;
      continue;
    }
    // The same id: the fields whose values differ, or that one side lacks.
    std::set<std::string> names;
    for (const auto& [k, v] : ai->second) names.insert(k);
    for (const auto& [k, v] : bi->second) names.insert(k);
    std::string fields;
    for (const std::string& k : names) {
      if (ignored.count(k) != 0) continue;
      auto x = ai->second.find(k);
      auto y = bi->second.find(k);
      if (x == ai->second.end() || y == bi->second.end() ||
          x->second != y->second) {
        fields += (fields.empty() ? "" : ", ") + k;
      }
    }
    if (fields.empty()) {
      ++same;
    } else {
      s.out << "changed " << ai->first << ": " << fields << "\n";
      ++changed;
    }
    ++ai;
    ++bi;
  }
  s.out << added << " added, " << removed << " removed, " << changed
        << " changed, " << same << " unchanged\n";
  return kExitOk;
}

}  // namespace

void AddDiffCommand(CLI::App& app, Session& s, Action* action) {
  auto df = std::make_shared<DiffFlags>();
  CLI::App* diff = app.add_subcommand(
      "diff",
      "compare two exports by customization id: added, removed, and changed "
      "with the names of the fields that differ (stdout; exit 0)");
  diff->add_option("A", df->a, "the older export (document or NDJSON; - stdin)")
      ->required();
  diff->add_option("B", df->b, "the newer export")->required();
  diff->add_option("--ignore", df->ignore,
                   "a field not to compare, e.g. available or updated_at "
                   "(repeatable)")
      ->allow_extra_args(false);
  diff->callback(
      [&s, action, df] { *action = [&s, df] { return RunDiff(s, *df); }; });
}

}  // namespace libexport::app
