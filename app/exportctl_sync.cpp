// exportctl sync: keeps a local tracker equal to a remote one. Against an
// upstream that has only the export endpoint, each run is a full unpruned
// export, conditional on the last ETag, applied as a replace; the sync state
// (upstream, remote tracker, ETag, cursor) commits with the data.
#include <chrono>
#include <iostream>
#include <thread>

#include "change_summary.h"
#include "cli.h"
#include "exportctl_commands.h"
#include "http_client.h"
#include "libexport/http/signed_client.h"

namespace libexport::app {
namespace {

struct SyncFlags {
  std::string tracker;
  ClientFlags client;  // --from
  std::string remote_tracker;
  KeyFlags key_flags;
  bool follow = false;
  double interval_s = 5;
  bool verbose = false;
};

// The body's first line, at most 300 bytes: an error body is one JSON line.
std::string Excerpt(std::string_view body) {
  body = body.substr(0, std::min(body.find('\n'), size_t{300}));
  return std::string(body);
}

// One mirror: a local tracker, the upstream it copies.
class Mirror {
 public:
  Mirror(Session& s, const SyncFlags& f, std::string key)
      : s_(s), f_(f), key_(std::move(key)) {}

  // One sync; the exit code of a run that stopped there.
  int RunOnce(httplib::Client& client) {
    Store& store = *Local();
    Result<SyncState> state = store.SyncStateOf(f_.tracker);
    Session::Check(state.status());
    // Another upstream or remote tracker: nothing known about it is used.
    SyncState from{f_.client.url, f_.remote_tracker, "", ""};
    if (state->upstream == from.upstream &&
        state->remote_tracker == from.remote_tracker) {
      from = *state;
    }
    return FullExport(client, store, from);
  }

 private:
  // The local store, opened once; the tracker created when missing, with
  // the upstream's key so that clients of the replica sign alike.
  Store* Local() {
    if (store_ != nullptr) return store_.get();
    store_ = s_.OpenStore(true);
    Result<std::string> key = store_->TrackerKey(f_.tracker);
    if (key.status().code() == Status::Code::kNotFound) {
      Session::Check(store_->AddTracker(f_.tracker, key_).status());
      s_.out << "sync " << f_.tracker << ": created the tracker (with "
             << f_.remote_tracker << "'s key)\n";
    } else {
      Session::Check(key.status());
    }
    return store_.get();
  }

  int FullExport(httplib::Client& client, Store& store, const SyncState& from) {
    httplib::Request req = SignedPost(f_.remote_tracker, key_,
                                      http::ExportPath(f_.remote_tracker), "");
    if (!from.etag.empty()) req.set_header("If-None-Match", from.etag);
    httplib::Response res;
    httplib::Error e = httplib::Error::Success;
    if (!client.send(req, res, e)) {
      s_.err << "exportctl sync: " << f_.client.url << ": " << Describe(e)
             << "\n";
      return kExitUnreachable;
    }
    if (res.status == 304) {
      s_.out << "sync " << f_.tracker << ": +0 ~0 -0 (not modified)\n";
      return kExitOk;
    }
    if (res.status != 200) return HttpFailure(res);
    ImportOptions options;
    options.format = ImportFormat::kJson;
    options.replace = true;
    options.now = SystemNow();
    options.sync_state = SyncState{from.upstream, from.remote_tracker,
                                   res.get_header_value("ETag"),
                                   res.get_header_value("X-Libexport-Cursor")};
    ImportReport report;
    Status st = store.Import(f_.tracker, res.body, options, &report);
    if (!st.ok()) {
      s_.err << "exportctl sync: the upstream's export did not apply: "
             << st.message();
      if (!report.errors.empty()) {
        const RecordError& first = report.errors[0];
        s_.err << " (" << first.location << ": "
               << (first.field.empty() ? "" : first.field + ": ")
               << first.message << ")";
      }
      s_.err << "; nothing changed\n";
      return kExitFailure;
    }
    s_.out << "sync " << f_.tracker << ": " << ChangeSummary(report)
           << " (full export, " << report.unchanged << " unchanged)\n";
    if (f_.verbose) PrintChangedIds(report, s_.out);
    return kExitOk;
  }

  int HttpFailure(const httplib::Response& res) {
    s_.err << "exportctl sync: " << f_.client.url << ": HTTP " << res.status
           << ": " << Excerpt(res.body);
    if (res.status == 401) s_.err << " (is the key right?)";
    if (res.status == 404) s_.err << " (is the remote tracker right?)";
    s_.err << "\n";
    return kExitFailure;
  }

  Session& s_;
  const SyncFlags& f_;
  const std::string key_;
  std::shared_ptr<Store> store_;
};

int RunSync(Session& s, SyncFlags& f) {
  if (f.remote_tracker.empty()) f.remote_tracker = f.tracker;
  if (!(f.interval_s > 0)) throw UsageError{"--interval: must be positive"};
  std::unique_ptr<httplib::Client> client =
      MakeClient(&f.client, "--from", /*read_timeout_s=*/300);
  Mirror mirror(s, f, f.key_flags.Require(s));
  while (true) {
    int rc = kExitFailure;
    try {
      rc = mirror.RunOnce(*client);
    } catch (const Failure& failure) {
      if (!f.follow) throw;
      s.err << "exportctl sync: " << failure.message << "\n";
    }
    s.CheckOutput();
    if (!f.follow) return rc;
    if (rc != kExitOk) {
      s.err << "exportctl sync: retrying in " << f.interval_s << " s\n";
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(f.interval_s));
  }
}

}  // namespace

void AddSyncCommand(CLI::App& app, Session& s, Action* action) {
  auto f = std::make_shared<SyncFlags>();
  CLI::App* sync = app.add_subcommand(
      "sync",
      "make a local tracker equal to a tracker of another server (created "
      "when missing); prints what changed: +new ~changed -removed");
  sync->add_option("TRACKER", f->tracker, "the local tracker id")->required();
  sync->add_option("--from", f->client.url,
                   "the upstream's base URL (http or https)")
      ->required();
  sync->add_option("--remote-tracker", f->remote_tracker,
                   "the tracker id upstream (default: TRACKER)");
  AddKeyFlags(*sync, &f->key_flags, "EXPORTCTL_KEY",
              "the remote tracker's private key");
  sync->add_flag("--follow", f->follow,
                 "keep syncing until stopped; a failure is printed and "
                 "retried");
  sync->add_option("--interval", f->interval_s,
                   "seconds between two syncs with --follow")
      ->capture_default_str();
  sync->add_flag("--verbose", f->verbose,
                 "also print the ids: + new, ~ changed, - removed");
  AddTlsFlags(*sync, &f->client, "the upstream's");
  sync->footer(
      "\nExit codes: 0 synced, 1 the upstream refused or its data did not "
      "apply,\n2 usage error, 3 the upstream could not be reached.");
  sync->callback(
      [&s, action, f] { *action = [&s, f] { return RunSync(s, *f); }; });
}

}  // namespace libexport::app
