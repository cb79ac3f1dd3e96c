// exportctl request: a signed export request over HTTP(S), or with
// --print-curl the public docs' shell example (date, printf, openssl, curl)
// filled in. `exportctl request TRACKER ...` and `exportctl request export
// TRACKER ...` are the export; the other verbs of the API family are in
// exportctl_request_verbs.cpp.
#include <iostream>

#include "cli.h"
#include "exportctl_commands.h"
#include "request_sender.h"

namespace libexport::app {
namespace {

struct ExportRequest {
  RequestFlags request;
  ExportFlags filters;
  std::string accept;           // sent as Accept when given
  std::string accept_encoding;  // sent as Accept-Encoding when given
  bool compressed = false;      // ask for zstd or gzip, write decoded bytes

  RequestSpec Spec() const {
    RequestSpec spec;
    spec.route = "scopes/export";
    spec.query = filters.Params();
    if (!accept.empty()) spec.headers.emplace_back("Accept", accept);
    if (!accept_encoding.empty()) {
      spec.headers.emplace_back("Accept-Encoding", accept_encoding);
    }
    spec.compressed = compressed;
    return spec;
  }
};

// The export's flags, on `request` itself and on `request export`.
void AddExportRequestFlags(CLI::App& command, ExportRequest* r, bool required) {
  CLI::Option* tracker =
      command.add_option("TRACKER", r->request.tracker, "the tracker id");
  if (required) tracker->required();
  AddRequestFlags(command, &r->request, required);
  AddExportFlags(command, &r->filters);
  command.add_option("--accept", r->accept,
                     "send this Accept header, e.g. application/x-ndjson "
                     "(one customization a line)");
  command.add_option("--accept-encoding", r->accept_encoding,
                     "send this Accept-Encoding header, e.g. zstd or gzip; "
                     "the body is written as it arrives, coded (> "
                     "backup.json.zst), unless --compressed");
  command.add_flag("--compressed", r->compressed,
                   "ask for a compressed body (Accept-Encoding: zstd, gzip, "
                   "unless --accept-encoding) and write it decoded");
}

}  // namespace

void AddRequestCommand(CLI::App& app, Session& s, Action* action) {
  // `request TRACKER` is the export: TRACKER and --url are checked below
  // unless a verb was given.
  auto r = std::make_shared<ExportRequest>();
  CLI::App* request = app.add_subcommand(
      "request",
      "send a signed request to exportd and print the answer's body (or, "
      "with --print-curl, the shell that does it): TRACKER alone is the "
      "export; the verbs below are the other routes");
  AddExportRequestFlags(*request, r.get(), /*required=*/false);
  request->require_subcommand(0, 1);
  request->footer(
      "\nExit codes: 0 a 2xx answer (body on stdout), 1 another status (body "
      "on stderr),\n2 usage error, 3 the request could not be sent or "
      "answered.");
  request->callback([&s, action, r, request] {
    if (!request->get_subcommands().empty()) return;  // a verb's own
    if (r->request.tracker.empty()) throw CLI::RequiredError("TRACKER");
    if (r->request.client.url.empty()) throw CLI::RequiredError("--url");
    *action = [&s, r] { return RunSignedRequest(s, r->request, r->Spec()); };
  });

  auto e = std::make_shared<ExportRequest>();
  CLI::App* verb = request->add_subcommand(
      "export",
      "the export (the same as `exportctl request TRACKER`; for a tracker "
      "named like a verb)");
  verb->fallthrough(false);
  AddExportRequestFlags(*verb, e.get(), /*required=*/true);
  verb->callback([&s, action, e] {
    *action = [&s, e] { return RunSignedRequest(s, e->request, e->Spec()); };
  });
  AddRequestVerbs(*request, s, action);
}

}  // namespace libexport::app
