// exportctl sync: keeps a local tracker equal to a remote one. From a
// libexport upstream it pulls the changes feed after the cursor it keeps,
// each batch applied in one transaction with the new cursor (the feed from
// the beginning, first or after a 410, as one replace). From an upstream
// that has only the export endpoint, each run is a full unpruned export,
// conditional on the last ETag, applied as a replace. The sync state
// (upstream, remote tracker, ETag, cursor) always commits with the data.
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
  size_t limit = 1000;  // changes per request
  bool verbose = false;
};

// How long a --follow long poll waits for the next change (the most the
// changes endpoint allows is 60).
constexpr int kWaitSeconds = 30;

// What a changes request answered that says the upstream has no feed: the
// reference service and other export-only servers.
bool NoChangesFeed(const httplib::Response& res) {
  if (res.status == 405 || res.status == 501) return true;
  return res.status == 404 &&
         res.body.find("\"tracker_not_found\"") == std::string::npos;
}

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
    // Known to have only the export endpoint: an ETag and no cursor.
    if (!from.etag.empty() && from.cursor.empty()) {
      return FullExport(client, store, from);
    }
    bool no_feed = false;
    const int rc = FollowChanges(client, store, from, &no_feed);
    return no_feed ? FullExport(client, store, from) : rc;
  }

 private:
  // The local store, opened once; the tracker created when missing, with
  // the upstream's key so that clients of the replica sign alike.
  Store* Local() {
    if (store_ != nullptr) return store_.get();
    store_ = s_.OpenStore(true);
    Result<std::string> key = store_->TrackerKey(f_.tracker);
    if (key.status().code() == Status::Code::kNotFound) {
      Session::Check(store_->AddTracker(f_.tracker, key_, s_.Actor()).status());
      s_.out << "sync " << f_.tracker << ": created the tracker (with "
             << f_.remote_tracker << "'s key)\n";
    } else {
      Session::Check(key.status());
    }
    return store_.get();
  }

  // Batches until "more" is false (and, with --follow, on and on). The
  // feed from the beginning is kept until its last batch and applied as one
  // replace; later batches are applied one by one.
  int FollowChanges(httplib::Client& client, Store& store,
                    const SyncState& state, bool* no_feed) {
    const std::string path = http::ChangesPath(f_.remote_tracker);
    std::vector<std::string> beginning;  // batches of the feed from the start
    bool from_start = state.cursor.empty();
    std::string since = state.cursor;
    bool wait = false;
    while (true) {
      std::string query = "?limit=" + std::to_string(f_.limit);
      if (!since.empty()) query += "&since=" + http::PercentEncode(since);
      if (wait) query += "&wait=" + std::to_string(kWaitSeconds);
      httplib::Request req = SignedPost(f_.remote_tracker, key_, path, query);
      httplib::Response res;
      if (!Send(client, req, &res)) return kExitUnreachable;
      if (res.status == 410) {
        s_.out << "sync " << f_.tracker
               << ": the upstream no longer has cursor " << since
               << " (HTTP 410 cursor_expired): starting again from the "
                  "beginning\n"
               << std::flush;
        since.clear();
        from_start = true;
        beginning.clear();
        wait = false;
        continue;
      }
      if (res.status != 200) {
        if (from_start && beginning.empty() && NoChangesFeed(res)) {
          *no_feed = true;
          return kExitOk;
        }
        return HttpFailure(res);
      }
      ChangesResult batch;
      Status st = ReadChangesBatch(res.body, &batch);
      if (!st.ok()) return BadData(st);
      if (from_start) {
        beginning.push_back(std::move(res.body));
        if (batch.more) {
          since = batch.cursor;  // the next batch of the same feed
          continue;
        }
      }
      std::vector<std::string_view> batches;
      if (from_start) {
        batches.assign(beginning.begin(), beginning.end());
      } else {
        batches.push_back(res.body);
      }
      ApplyChangesOptions options;
      options.replace = from_start;
      options.actor = s_.Actor();
      options.sync_state =
          SyncState{state.upstream, state.remote_tracker, "", batch.cursor};
      ApplyChangesReport report;
      st = store.ApplyChanges(f_.tracker, batches, options, &report);
      if (!st.ok()) return BadData(st);
      beginning.clear();
      if (batch.changes > 0 || from_start || !f_.follow) {
        PrintApplied(report, from_start);
      }
      since = batch.cursor;
      from_start = false;
      if (batch.more) continue;
      if (!f_.follow) return kExitOk;
      wait = true;
    }
  }

  void PrintApplied(const ApplyChangesReport& r, bool from_start) {
    s_.out << "sync " << f_.tracker << ": " << ChangeSummary(r.records)
           << ", catalog +" << r.catalog_added << " -" << r.catalog_removed
           << " (" << (from_start ? "from the beginning, " : "") << "to cursor "
           << r.cursor << ")\n";
    if (f_.verbose) PrintChangedIds(r.records, s_.out);
    s_.out << std::flush;
  }

  int BadData(const Status& st) {
    s_.err << "exportctl sync: the upstream's changes did not apply: "
           << st.message() << (st.field().empty() ? "" : " at " + st.field())
           << "; nothing changed\n";
    return kExitFailure;
  }

  // False (having said why) when no answer came.
  bool Send(httplib::Client& client, httplib::Request& req,
            httplib::Response* res) {
    httplib::Error e = httplib::Error::Success;
    if (client.send(req, *res, e)) return true;
    s_.err << "exportctl sync: " << f_.client.url << ": " << Describe(e)
           << "\n";
    return false;
  }

  int FullExport(httplib::Client& client, Store& store, const SyncState& from) {
    httplib::Request req = SignedPost(f_.remote_tracker, key_,
                                      http::ExportPath(f_.remote_tracker), "");
    if (!from.etag.empty()) req.set_header("If-None-Match", from.etag);
    httplib::Response res;
    if (!Send(client, req, &res)) return kExitUnreachable;
    if (res.status == 304) {
      s_.out << "sync " << f_.tracker << ": +0 ~0 -0 (not modified)\n";
      return kExitOk;
    }
    if (res.status != 200) return HttpFailure(res);
    ImportOptions options;
    options.format = ImportFormat::kJson;
    options.replace = true;
    options.now = SystemNow();
    options.actor = s_.Actor();
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
                 "keep syncing until stopped (a libexport upstream is "
                 "long-polled); a failure is printed and retried");
  sync->add_option("--interval", f->interval_s,
                   "seconds between two full exports with --follow, and "
                   "before a retry")
      ->capture_default_str();
  sync->add_option("--limit", f->limit,
                   "changes per request from a libexport upstream")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, kMaxChangesLimit));
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
