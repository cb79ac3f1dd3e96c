// The verbs of `exportctl request` beyond the export: one per write-side
// route of the API family (docs/http_api.md), each signed and sent by
// RunSignedRequest, each with --print-curl.
//
//   create TRACKER FILE            POST   .../scope          (FILE or -)
//   get TRACKER ID                 GET    .../scope/ID
//   update TRACKER ID FILE         PUT    .../scope/ID
//   delete TRACKER ID              DELETE .../scope/ID
//   list TRACKER [filters]         POST   .../scopes?...
//   summary TRACKER                GET    .../summary
//   bulk TRACKER FILE              POST   .../scopes/_bulk?conflict_strategy=
//   catalog add|remove TRACKER FILE POST  .../catalog/_bulk?op=
//   restore TRACKER FILE           POST   .../scopes/_bulk?conflict_strategy=
//                                         replace (also `exportctl restore`)
#include <cstdint>
#include <functional>
#include <memory>

#include "cli.h"
#include "exportctl_commands.h"
#include "request_sender.h"

namespace libexport::app {
namespace {

constexpr const char* kNdjsonType = "application/x-ndjson";
constexpr const char* kTextType = "text/plain; charset=utf-8";

// Every flag any verb has; each verb adds the ones it takes.
struct Verb {
  RequestFlags request;
  std::string id;
  std::string file;
  ExportFlags filters;
  int64_t limit = -1;   // -1: not sent
  int64_t offset = -1;  // -1: not sent
  std::vector<std::string> sort;
  std::string conflict_strategy = "raise";
  std::string format = "auto";
};

// "scope/<id>". The id goes into the path and the signed string as is, so
// it may only hold what a UUID can (the server answers 404 to any other).
std::string ScopeRoute(const std::string& id) {
  const bool plain =
      !id.empty() &&
      id.find_first_not_of("0123456789abcdefABCDEF-") == std::string::npos;
  if (!plain) {
    throw UsageError{"ID '" + id +
                     "' is not a customization id (a UUID such as "
                     "00000000-0000-4000-8000-000000000001)"};
  }
  return "scope/" + id;
}

// A verb `name` under `parent`: the request flags, TRACKER, then what `add`
// adds; when chosen, its action sends what `spec` makes of the flags.
void AddVerb(CLI::App& parent, const std::string& name, const std::string& help,
             Session& s, Action* action,
             const std::function<void(CLI::App&, Verb*)>& add,
             std::function<RequestSpec(const Verb&)> spec) {
  auto v = std::make_shared<Verb>();
  CLI::App* verb = parent.add_subcommand(name, help);
  // A flag of another verb (or of the export) is an error here, not one
  // that is silently given to `request`.
  verb->fallthrough(false);
  verb->add_option("TRACKER", v->request.tracker, "the tracker id")->required();
  add(*verb, v.get());
  AddRequestFlags(*verb, &v->request);
  verb->callback([&s, action, v, spec = std::move(spec)] {
    *action = [&s, v, spec] {
      return RunSignedRequest(s, v->request, spec(*v));
    };
  });
}

void AddId(CLI::App& verb, Verb* v) {
  verb.add_option("ID", v->id, "the customization id")->required();
}

void AddFile(CLI::App& verb, Verb* v, const std::string& what) {
  verb.add_option("FILE", v->file, what + " (- for stdin)")->required();
}

RequestSpec Spec(std::string method, std::string route,
                 std::string content_type, std::string body_file = {}) {
  RequestSpec spec;
  spec.method = std::move(method);
  spec.route = std::move(route);
  spec.content_type = std::move(content_type);
  spec.body_file = std::move(body_file);
  spec.end_with_newline = true;
  return spec;
}

void AddCatalogVerbs(CLI::App& request, Session& s, Action* action) {
  CLI::App* catalog = request.add_subcommand(
      "catalog", "add or remove catalog identities (POST .../catalog/_bulk)");
  catalog->require_subcommand(1);
  for (const std::string op : {"add", "remove"}) {
    AddVerb(
        *catalog, op,
        op + " the identities of FILE, one a line, in one transaction; "
             "prints {\"changed\":N}",
        s, action,
        [](CLI::App& c, Verb* v) {
          AddFile(c, v, "the identities, one a line");
        },
        [op](const Verb& v) {
          RequestSpec spec = Spec("POST", "catalog/_bulk", kTextType, v.file);
          spec.query = {{"op", op}};
          return spec;
        });
  }
}

// A backup sent as it is: an export document (application/json) or NDJSON,
// gzip-coded when its name ends .gz (the server decodes it, under its cap).
RequestSpec RestoreSpec(const Verb& v) {
  std::string_view name = v.file;
  const bool gzip = name.ends_with(".gz");
  if (gzip) name.remove_suffix(3);
  if (name.ends_with(".zst")) {
    throw UsageError{"FILE '" + v.file +
                     "' is zstd-coded; the server decodes gzip request "
                     "bodies only: decompress it first (zstd -d), or use "
                     "gzip"};
  }
  const bool ndjson = v.format == "ndjson" ||
                      (v.format == "auto" &&
                       (name.ends_with(".ndjson") || name.ends_with(".jsonl")));
  RequestSpec spec = Spec("POST", "scopes/_bulk",
                          ndjson ? kNdjsonType : kRequestContentType, v.file);
  spec.query = {{"conflict_strategy", "replace"}};
  spec.body_required = true;
  if (gzip) spec.headers.emplace_back("Content-Encoding", "gzip");
  return spec;
}

void AddRestoreVerb(CLI::App& parent, Session& s, Action* action) {
  AddVerb(
      parent, "restore",
      "make the tracker's customizations on the server exactly those of "
      "FILE, a backup (the output of exportctl export or request export), in "
      "one transaction, all or nothing; the body is streamed from disk",
      s, action,
      [](CLI::App& c, Verb* v) {
        AddFile(c, v,
                "the backup: an export document or NDJSON, .gz sent as it is");
        c.add_option("--format", v->format,
                     "json (an export document) or ndjson; auto: ndjson when "
                     "FILE's name ends .ndjson or .jsonl (before .gz), else "
                     "json")
            ->check(CLI::IsMember({"auto", "json", "ndjson"}))
            ->capture_default_str();
      },
      RestoreSpec);
}

}  // namespace

void AddRestoreCommand(CLI::App& app, Session& s, Action* action) {
  AddRestoreVerb(app, s, action);
}

void AddRequestVerbs(CLI::App& request, Session& s, Action* action) {
  const auto none = [](CLI::App&, Verb*) {};
  AddVerb(
      request, "create",
      "create the customization of FILE (a JSON object; the id is generated "
      "when it has none); prints it as stored",
      s, action,
      [](CLI::App& c, Verb* v) { AddFile(c, v, "the customization"); },
      [](const Verb& v) {
        return Spec("POST", "scope", kRequestContentType, v.file);
      });
  AddVerb(request, "get", "print customization ID", s, action, AddId,
          [](const Verb& v) { return Spec("GET", ScopeRoute(v.id), ""); });
  AddVerb(
      request, "update",
      "replace customization ID by the one of FILE (created_at is kept)", s,
      action,
      [](CLI::App& c, Verb* v) {
        AddId(c, v);
        AddFile(c, v, "the customization");
      },
      [](const Verb& v) {
        return Spec("PUT", ScopeRoute(v.id), kRequestContentType, v.file);
      });
  AddVerb(request, "delete", "delete customization ID", s, action, AddId,
          [](const Verb& v) { return Spec("DELETE", ScopeRoute(v.id), ""); });
  AddVerb(
      request, "list",
      "print one page of the customizations that match the filters, and "
      "their total",
      s, action,
      [](CLI::App& c, Verb* v) {
        AddFilterFlags(c, &v->filters);
        c.add_option("--limit", v->limit,
                     "at most this many (0 to 1000; the server's default 50)")
            ->check(CLI::NonNegativeNumber);
        c.add_option("--offset", v->offset, "skip this many first")
            ->check(CLI::NonNegativeNumber);
        c.add_option("--sort", v->sort,
                     "order by id, model, created_at or updated_at, each "
                     "optionally :asc or :desc; repeat for tie-breaks "
                     "(default id)")
            ->allow_extra_args(false);
      },
      [](const Verb& v) {
        RequestSpec spec = Spec("POST", "scopes", kRequestContentType);
        spec.query = v.filters.Params();
        if (v.limit >= 0)
          spec.query.emplace_back("limit", std::to_string(v.limit));
        if (v.offset >= 0) {
          spec.query.emplace_back("offset", std::to_string(v.offset));
        }
        for (const std::string& key : v.sort)
          spec.query.emplace_back("sort", key);
        return spec;
      });
  AddVerb(request, "summary",
          "print the number of customizations per model and the tags in use", s,
          action, none, [](const Verb&) { return Spec("GET", "summary", ""); });
  AddVerb(
      request, "bulk",
      "import the NDJSON of FILE (one customization a line) in one "
      "transaction, all or nothing",
      s, action,
      [](CLI::App& c, Verb* v) {
        AddFile(c, v, "the customizations, one JSON object a line");
        c.add_option("--conflict-strategy", v->conflict_strategy,
                     "for an id that exists: raise (fail, listing every such "
                     "id), ignore (keep the stored one), override (replace "
                     "it), replace (the tracker's customizations become "
                     "exactly FILE's)")
            ->check(CLI::IsMember({"raise", "ignore", "override", "replace"}))
            ->capture_default_str();
      },
      [](const Verb& v) {
        RequestSpec spec = Spec("POST", "scopes/_bulk", kNdjsonType, v.file);
        spec.query = {{"conflict_strategy", v.conflict_strategy}};
        return spec;
      });
  AddCatalogVerbs(request, s, action);
  AddRestoreVerb(request, s, action);
}

}  // namespace libexport::app
