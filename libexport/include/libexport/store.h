// Store: customizations and catalogs of many trackers in one LMDB
// environment, and the export engine over them.
//
// Thread safety: a Store is safe to use from any number of threads at once.
// Exports run concurrently, each in its own read transaction (a consistent
// snapshot); writes are serialized by LMDB and never block exports. No read
// ever waits on another transaction: the map is StoreOptions::max_map_size
// from the open on and never grows under a reader. An ExportSink may call
// back into the same Store (even write to it) without deadlock.
//
// One environment per path per process: Open() on a path that is already
// open in this process returns the same Store (LMDB forbids opening one
// environment twice in a process; see lmdb.h "Caveats"), provided the
// options are the same; options that differ cannot take effect, so that
// Open is InvalidArgument naming the first differing option.
//
// Errors: no exception leaves a Store or Snapshot method. One thrown inside
// (std::bad_alloc, or one from a caller's ExportSink) becomes
// ResourceExhausted ("out of memory") or Internal, and any transaction it
// was in is aborted whole.
//
// Never use a Store in a child after fork(); exec is fine.
#ifndef LIBEXPORT_STORE_H_
#define LIBEXPORT_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/options.h"
#include "libexport/query.h"
#include "libexport/status.h"
#include "libexport/sync_state.h"
#include "libexport/time.h"

namespace libexport {

// Receives an export's response bytes, in order, in chunks of about 64 KiB;
// a stored record of 64 KiB or more comes as a chunk of its own, straight
// from the store's memory map (however large: a sink that sends to a slow
// peer should send it in slices and check its own deadlines between them).
//
// IMPORTANT (lifetime): `chunk` is valid only until Write returns; copy what
// you keep. Write runs inside the export's read transaction, so a slow sink
// holds an LMDB reader slot (and old pages) for as long as it blocks.
class ExportSink {
 public:
  virtual ~ExportSink() = default;
  // Returns false to stop the export at once: Export then returns Aborted
  // and releases its transaction. Use it for a client that went away or a
  // time cap. An exception thrown from Write stops it too: Export returns
  // ResourceExhausted ("out of memory") for std::bad_alloc, Internal
  // ("exception: " + what()) for anything else.
  virtual bool Write(std::string_view chunk) = 0;
};

// What one export did.
struct ExportStats {
  uint64_t records_scanned = 0;      // records read and checked
  uint64_t records_matched = 0;      // records written to the sink
  uint64_t pins_pruned_expired = 0;  // dropped by remove_expired_pins
  uint64_t pins_pruned_missing = 0;  // dropped by remove_nonexisting_item_pins
  uint64_t bytes_written = 0;        // bytes handed to the sink (coded)
  uint64_t bytes_before_coding = 0;  // the same bytes before content coding
  uint64_t records_corrupt = 0;  // stored records that did not decode; skipped
  // The bytes of the shared catalog table the export pruned with; 0 when it
  // looked identities up in the store (StoreOptions::catalog_memory_budget).
  uint64_t catalog_table_bytes = 0;
};

// How many errors an ImportReport keeps by default: a huge bad file cannot
// exhaust memory; error_count still counts every one.
inline constexpr size_t kMaxReportedErrors = 1000;

enum class OnConflict { kRaise, kIgnore, kOverride };
enum class ImportFormat { kAuto, kJson, kNdjson };

struct ImportOptions {
  // kJson: the export document {"results":[...]}. kNdjson: one customization
  // per line (blank lines skipped). kAuto: kJson when the first non-blank
  // byte starts `{"results"`, else kNdjson.
  ImportFormat format = ImportFormat::kAuto;
  // What an id that already exists in the store does: kRaise fails the whole
  // import (AlreadyExists, every conflicting id reported), kIgnore keeps the
  // stored one, kOverride replaces it. An id repeated inside one document is
  // always an error.
  OnConflict on_conflict = OnConflict::kRaise;
  // created_at / updated_at for records that lack them. Required: there is
  // no default instant (an unset one would silently date records 1970); an
  // import without it is InvalidArgument with field "now", and changes
  // nothing.
  std::optional<Timestamp> now;
  // Called now and then while records are written (done, total). Optional.
  std::function<void(size_t done, size_t total)> progress;
  // Replace: after the import the tracker's customizations are exactly the
  // document's. Every id of the document is written whatever on_conflict
  // says, and every stored id the document lacks is deleted, in the same
  // transaction (a restore, or a mirror applying a full export).
  bool replace = false;
  // Dry run: change nothing; the report says what the import would insert,
  // replace, leave unchanged, remove and reject (with the ids), and Import
  // returns the status the import would return.
  bool dry_run = false;
  // When set, the tracker's sync state (SyncState) becomes this in the
  // import's own transaction: a mirror's data and the state it came from
  // commit together or not at all. Not written by a dry run or a failure.
  std::optional<SyncState> sync_state;
  // Who imports, for the audit log (Store "Audit log").
  std::string actor;
  // How many bad records ImportReport::errors keeps (error_count counts
  // them all). A caller that must name every conflicting id of a capped
  // document (the HTTP bulk route) raises it to that cap.
  size_t max_reported_errors = kMaxReportedErrors;
  // The most records the document may hold (valid or not); past it the
  // import is InvalidArgument, changes nothing, and ImportReport::records
  // says how many there were. 0 (default): no cap. The HTTP bulk route's
  // record cap.
  size_t max_records = 0;
  // Catalog identities added in the import's own transaction (as
  // Store::AddCatalogItems; each checked before anything is read: an empty
  // or over-1-KiB one is InvalidArgument, field "catalog"). For a restore
  // of a whole tracker (`exportctl tracker import`): records and catalog
  // commit together or not at all.
  std::vector<std::string> catalog_add;
  // When the tracker does not exist: create it in the import's own
  // transaction (with `tracker_key`, else a generated key, given back in
  // ImportReport::tracker_key) instead of failing with NotFound. A failed
  // import then leaves no tracker behind.
  bool create_tracker = false;
  std::optional<std::string> tracker_key;
};

// One bad record of an import.
struct RecordError {
  // "results[12]" (JSON document, 0-based) or "line 13" (NDJSON, 1-based).
  std::string location;
  std::string field;  // "pin_definitions[2].active_to"; empty for syntax errors
  std::string message;  // for people
};

// How many ids each id list of an ImportReport keeps.
inline constexpr size_t kMaxReportedIds = 1000;

// What an import did (or, for a dry run, would do). A record byte-identical
// to the stored one (created_at and updated_at included) is "unchanged": it
// is not rewritten. On failure the counts are zero, except for a dry run.
struct ImportReport {
  // The records of the document, valid or not (also on failure).
  size_t records = 0;
  size_t inserted = 0;
  size_t replaced = 0;   // stored and different: rewritten (override, replace)
  size_t skipped = 0;    // stored, kept as it is (on_conflict=ignore)
  size_t unchanged = 0;  // stored and byte-identical (override, replace)
  size_t removed = 0;    // replace: stored, not in the document: deleted
  // The first kMaxReportedIds ids of each kind, ascending.
  std::vector<std::string> inserted_ids, replaced_ids, removed_ids;
  // The first kMaxReportedErrors bad records, in document order (duplicate
  // ids and conflicts after the records they follow); empty on success.
  std::vector<RecordError> errors;
  size_t error_count = 0;  // every bad record, kept in `errors` or not
  // How many `errors` keeps: ImportOptions::max_reported_errors.
  size_t max_errors = kMaxReportedErrors;
  // ImportOptions::catalog_add: the identities that were not there yet.
  uint64_t catalog_added = 0;
  // ImportOptions::create_tracker: whether the import created the tracker
  // (a dry run: would create it), and its key when it was generated (a
  // secret: show it once, as AddTracker's result).
  bool tracker_created = false;
  std::string tracker_key;
};

struct TrackerInfo {
  std::string tracker_id;
  uint64_t customizations = 0;
  uint64_t catalog_items = 0;
};

// What Audit() found: the pins an export with both prunings would drop, and
// those not active yet, at one instant.
struct AuditReport {
  struct Counts {
    uint64_t customizations = 0;
    uint64_t pins = 0;
    uint64_t expired = 0;         // active_to <= the instant
    uint64_t dangling = 0;        // item pins whose item is not in the catalog
    uint64_t not_yet_active = 0;  // active_from > the instant
  };
  // Per model, ordered by model name (bytes); `total` sums them.
  std::vector<std::pair<std::string, Counts>> models;
  Counts total;
  // The customizations with the most expired + dangling pins (most first,
  // then by id), at most the number asked for; none with zero.
  struct Customization {
    std::string id, model;
    Counts counts;  // customizations = 1
  };
  std::vector<Customization> worst;
  uint64_t records_corrupt = 0;  // skipped
};

// What Summary() found: the reference service's customizations summary.
struct CustomizationSummary {
  // Customizations per model, ordered by model name (bytes).
  std::vector<std::pair<std::string, uint64_t>> scope_counts;
  // Every distinct tag in use, ordered (bytes).
  std::vector<std::string> user_tags;
};

// What Stats() found: the size of the store and its reader table, for
// monitoring (exportd's /metrics).
struct StoreStats {
  uint64_t map_size_bytes = 0;  // the map's size (address space, not disk)
  // Pages written so far, up to the last one (the high-water mark of
  // data.mdb; pages freed by deletes are reused, not given back).
  uint64_t used_bytes = 0;
  uint64_t data_file_bytes = 0;  // data.mdb on disk
  // Reader slots held by a read transaction of any process, of the
  // StoreOptions::max_readers slots there are.
  uint32_t reader_slots_used = 0;
  uint32_t reader_slots_max = 0;
  // The store's format line, as in its meta table ("libexport-store 1").
  std::string format;
};

// What Verify() found. A healthy tracker has no problems.
struct VerifyReport {
  uint64_t records = 0;
  uint64_t index_entries = 0;
  uint64_t catalog_items = 0;
  std::vector<std::string> problems;  // one line each, for people
};

// The longest actor an audit log entry keeps (bytes): longer is
// InvalidArgument (field "actor").
inline constexpr size_t kMaxActorSize = 256;

// One committed write, as the audit log keeps it (Store "Audit log").
struct AuditLogEntry {
  Timestamp time;       // the commit's time, by StoreOptions::clock
  std::string actor;    // who, as the writer named it; empty when it did not
  std::string op;       // "put", "delete", "import", ... (docs/operations.md)
  std::string tracker;  // the tracker written; empty for a store-wide write
  // The whole entry as one JSON object (an NDJSON line without its newline):
  // "time" (RFC 3339, microseconds), "actor", "op", "tracker", then the ids
  // or counts of the operation.
  std::string json;
};

// Which entries Store::ReadAuditLog gives.
struct AuditLogQuery {
  std::optional<Timestamp> since;  // at or after this instant; none: all
  std::string tracker;             // this tracker's only; empty: every one
};

// What a conditional export compares: the validator of an export's bytes
// and the history point they are read from.
struct ExportValidator {
  // A strong HTTP entity tag, quotes included: two exports with the same
  // etag have byte-identical bodies. It covers the tracker's generation and
  // change sequence, the whole query (filters, switches, representation) and
  // the latest pin-window boundary at or before query.now, so it changes when
  // time crosses a boundary. It may change when the bytes do not (a write the
  // filters exclude), never the other way round.
  std::string etag;
  // "<generation>-<seq>", lower-case hex: the snapshot, as a changes cursor.
  std::string cursor;
};

// A request for a tracker's changes.
struct ChangesQuery {
  std::string tracker_id;
  // A cursor from an export or an earlier Changes; empty: from the beginning
  // (every live customization and catalog identity, no deletions).
  std::string since;
  // At most this many changes (1 to kMaxChangesLimit).
  size_t limit = 1000;
};
inline constexpr size_t kMaxChangesLimit = 10000;

struct ChangesResult {
  std::string cursor;  // pass as `since` next time
  bool more = false;   // changes after `cursor` were left for the next call
  size_t changes = 0;  // written to the sink
  uint64_t records_corrupt = 0;  // upserts whose record did not decode; skipped
};

// How Store::ApplyChanges applies a changes feed.
struct ApplyChangesOptions {
  // The batches are the feed from the beginning (since empty, for instance
  // after a 410): afterwards the tracker's customizations and catalog are
  // exactly what they give; every other record and identity is deleted.
  bool replace = false;
  // When set, the tracker's sync state becomes this in the same
  // transaction (ImportOptions::sync_state).
  std::optional<SyncState> sync_state;
  // Who applies them, for the audit log (Store "Audit log").
  std::string actor;
};

// What Store::ApplyChanges did.
struct ApplyChangesReport {
  // inserted / replaced / unchanged / removed and their ids; a byte-identical
  // upsert is unchanged and not rewritten.
  ImportReport records;
  uint64_t catalog_added = 0;
  uint64_t catalog_removed = 0;
  std::string cursor;  // the last batch's cursor
  bool more = false;   // the last batch's "more"
};

// Reads "one identity per line" text (a catalog file, the HTTP catalog bulk
// body) into `identities`, in order: a UTF-8 byte order mark and a CRLF's CR
// are not part of an identity, and empty lines are skipped. A line of only
// whitespace is InvalidArgument whose field() is "line N" (1-based) and
// `identities` is left empty.
Status ParseCatalogLines(std::string_view text,
                         std::vector<std::string>* identities);

// Reads one changes document ({"changes":[...],"cursor":"...","more":..}) and
// checks every change as Store::ApplyChanges would, writing nothing: its
// cursor, more and number of changes go into `result`. Errors as
// ApplyChanges'.
Status ReadChangesBatch(std::string_view body, ChangesResult* result);

class Snapshot;

class Store {
 public:
  // Opens (or, with create_if_missing, creates) the store in directory
  // `path`, clears stale reader slots left by dead processes, and opens every
  // table. Errors: NotFound (no store and !create_if_missing), IOError,
  // Corruption (not a libexport store, or an unknown format version),
  // InvalidArgument (the path is already open in this process with other
  // options; field() names the option: "read_only", "max_map_size",
  // "max_readers", "sync", "tombstone_retention", "clock").
  static Result<std::shared_ptr<Store>> Open(const std::string& path,
                                             const StoreOptions& options = {});

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---------------------------------------------------------------- export

  // Writes the export of `query` to `sink`: the customizations that match
  // every filter, ordered by id, pins pruned as asked, each with `available`
  // (true when at least one of its exported pins is active at query.now).
  // query.representation decides the bytes: ExportFormat::kJson writes
  // {"results":[...]} (with prune_report, then ,"pruned":[...], written by a
  // second walk of the same snapshot, so memory stays bounded);
  // ExportFormat::kNdjson writes one object per line. A coding other than
  // identity streams those bytes gzip- or zstd-compressed
  // (libexport/compression.h for levels and memory). One read transaction:
  // a consistent snapshot.
  // Errors: InvalidArgument (ValidateExportQuery; field() = parameter),
  // NotFound (no such tracker), Aborted (sink returned false), IOError,
  // Internal (the compressor failed). A stored record that does not decode,
  // or whose key was damaged (its id is not the record's, or it left the
  // tracker's range), is skipped and counted in stats->records_corrupt: one
  // bad record never fails the others.
  // Memory: with query.remove_nonexisting_item_pins the export may share
  // the tracker's catalog table with concurrent exports of the same catalog
  // version, within StoreOptions::catalog_memory_budget; past it, it looks
  // identities up in the store (stats->catalog_table_bytes says which).
  Status Export(const ExportQuery& query, ExportSink& sink,
                ExportStats* stats = nullptr) const;

  // The validator of the export of `query`, read from the tracker's entry
  // and one lookup in the pin-window boundaries: no customization is read,
  // so its cost does not grow with the tracker. Same errors as Export,
  // except Aborted and Internal.
  Result<ExportValidator> ExportEtag(const ExportQuery& query) const;

  // A consistent read of the whole store (see Snapshot), for a caller that
  // needs several answers from one instant: a server checks the signing key,
  // the validator and then exports, all from the same data.
  // Errors: IOError.
  Result<Snapshot> OpenSnapshot() const;

  // The tracker's current cursor. Errors: NotFound (tracker).
  Result<std::string> LatestCursor(std::string_view tracker_id) const;

  // Writes the tracker's changes after query.since to `sink` as one JSON
  // document, from one snapshot:
  //   {"changes":[{"seq":"1a","op":"upsert","customization":{...}},
  //               {"seq":"1b","op":"delete","id":"..."},
  //               {"seq":"1c","op":"catalog_add","identity":"/p/1/"},
  //               {"seq":"1d","op":"catalog_remove","identity":"/p/2/"}],
  //    "cursor":"...","more":false}
  // in ascending seq, each customization and identity at most once (at its
  // latest change); a customization as stored (unpruned, no "available").
  // Applying them in order to a copy of the data at `since` gives the data
  // at the returned cursor.
  // Errors: NotFound (tracker), InvalidArgument (field "since" for a
  // malformed cursor, "limit" outside 1..kMaxChangesLimit), Gone (field
  // "since": a cursor of another generation, from the future, or older than
  // the oldest tombstone still kept: start again from the beginning),
  // Aborted (the sink stopped), IOError.
  Status Changes(const ChangesQuery& query, ExportSink& sink,
                 ChangesResult* result) const;

  // Blocks until the tracker changes after `since` (a cursor), or `timeout`
  // passes, or the tracker is gone; for long polling. Returns at once when
  // it has already changed. A write from this process wakes it at once, one
  // from another process within about 100 ms.
  // Errors: InvalidArgument (since), IOError.
  Status WaitForChanges(std::string_view tracker_id, std::string_view since,
                        std::chrono::milliseconds timeout) const;

  // Export into a string. For tests and small results.
  Result<std::string> ExportToString(const ExportQuery& query,
                                     ExportStats* stats = nullptr) const;

  // The canonical JSON of one customization, with `available` at `now`.
  // Errors: NotFound (tracker or id), InvalidArgument (id not a UUID).
  Result<std::string> Get(std::string_view tracker_id, std::string_view id,
                          Timestamp now) const;

  // The customizations per model and the distinct tags of the tracker, from
  // the model and tag indexes (one index key and one record read per
  // distinct model or tag: its cost grows with the number of models and
  // tags, not of customizations), one snapshot.
  // Errors: NotFound (tracker), IOError.
  Status Summary(std::string_view tracker_id,
                 CustomizationSummary* summary) const;

  // The ids of the customizations that pin item `identity`, ordered.
  Result<std::vector<std::string>> FindPinning(std::string_view tracker_id,
                                               std::string_view identity) const;

  // ---------------------------------------------------------------- writes

  enum class PutMode { kCreate, kReplace, kUpsert };
  // Validates one customization (a JSON object, docs/format.md) and
  // writes it. kCreate fails with AlreadyExists on an existing id, kReplace
  // with NotFound on a missing one. Replacing a stored customization
  // (kReplace, or kUpsert of an existing id) keeps its created_at whatever
  // `json` says; updated_at is `json`'s, or `now` when it has none. `now`
  // also dates a new customization that lacks the two. Returns the
  // (possibly generated) id.
  // Errors: InvalidArgument (field() names the field), NotFound (tracker).
  Result<std::string> Put(std::string_view tracker_id, std::string_view json,
                          PutMode mode, Timestamp now,
                          std::string_view actor = {});

  // Full replacement of the stored customization `id` (the HTTP PUT):
  // `json` is validated as Put does; its id must be absent or `id`; its
  // created_at and updated_at are not used: created_at stays the stored one
  // and updated_at becomes `now`. Takes a change seq (shows in Changes and
  // in the export's validator) unless the result is byte-identical.
  // Errors: InvalidArgument (field() names the field; "id" for an id that
  // is not a UUID or differs), NotFound (tracker or id), Corruption (the
  // stored record does not decode).
  Status Update(std::string_view tracker_id, std::string_view id,
                std::string_view json, Timestamp now,
                std::string_view actor = {});

  // Errors: NotFound (tracker or id), InvalidArgument (id not a UUID).
  Status Delete(std::string_view tracker_id, std::string_view id,
                std::string_view actor = {});

  // Imports a whole document in one transaction: all or nothing. Every record
  // is validated first; any bad record fails the import with InvalidArgument
  // (report->errors holds the first kMaxReportedErrors, error_count all of
  // them), and nothing changes. A record byte-identical to the stored one is
  // not rewritten. options.replace deletes the stored records the document
  // lacks; options.dry_run only reports (ImportOptions). A JSON document has
  // exactly one "results" member (a second one is an InvalidArgument at
  // "document"); its other top-level members are ignored. Errors:
  // InvalidArgument, AlreadyExists (on_conflict=raise), NotFound (tracker),
  // ResourceExhausted (map at max_map_size or disk full).
  Status Import(std::string_view tracker_id, std::string_view document,
                const ImportOptions& options, ImportReport* report);

  // Applies changes documents, as Store::Changes writes them and the
  // changes endpoint sends them, in order, in ONE write transaction with
  // options.sync_state: all of them or nothing. Upserts keep the
  // customization's bytes as sent (its times included), deletes of ids this
  // copy does not hold are no error, catalog_add / catalog_remove change the
  // catalog. Every batch is read and checked before anything is written.
  // Errors: InvalidArgument naming the change and its field
  // (field() "changes[3].customization.model"; the message starts with
  // "batch 2: " when several were given), NotFound (tracker),
  // ResourceExhausted, IOError.
  Status ApplyChanges(std::string_view tracker_id,
                      const std::vector<std::string_view>& batches,
                      const ApplyChangesOptions& options,
                      ApplyChangesReport* report);

  // --------------------------------------------------------------- catalog

  // Adds / removes item identities (1 byte to 1 KiB each) to / from the
  // tracker's catalog in one transaction. Adding an existing identity or
  // removing a missing one is not an error. `changed` (optional) receives how
  // many identities were actually added / removed.
  // Errors: InvalidArgument (empty or too long identity; nothing changes),
  // NotFound (tracker).
  Status AddCatalogItems(std::string_view tracker_id,
                         const std::vector<std::string>& identities,
                         uint64_t* changed = nullptr,
                         std::string_view actor = {});
  Status RemoveCatalogItems(std::string_view tracker_id,
                            const std::vector<std::string>& identities,
                            uint64_t* changed = nullptr,
                            std::string_view actor = {});
  Result<bool> CatalogContains(std::string_view tracker_id,
                               std::string_view identity) const;
  // Every identity of the tracker's catalog, sorted bytewise, from one
  // snapshot. Memory: the whole catalog. Errors: NotFound (tracker),
  // Corruption (a catalog value that does not decode), IOError.
  Status ListCatalog(std::string_view tracker_id,
                     std::vector<std::string>* identities) const;

  // -------------------------------------------------------------- trackers

  // Creates a tracker. Without `key`, generates a 32-byte random key
  // (OpenSSL CSPRNG), hex-encoded. Returns the key.
  // Errors: InvalidArgument (tracker id or empty key), AlreadyExists.
  Result<std::string> AddTracker(std::string_view tracker_id,
                                 std::optional<std::string> key = std::nullopt,
                                 std::string_view actor = {});
  // Removes a tracker with all its customizations and catalog (its audit
  // log entries stay).
  Status RemoveTracker(std::string_view tracker_id,
                       std::string_view actor = {});
  Result<std::vector<TrackerInfo>> ListTrackers() const;
  // The tracker's private key (the HMAC secret). NotFound when none.
  Result<std::string> TrackerKey(std::string_view tracker_id) const;
  // Replaces the tracker's key with `key` (default: a generated one, as
  // AddTracker) and returns it. The key it replaces stays a valid signing key
  // until `previous_valid_until` (pass a time at or before now for none), so
  // clients can move to the new key without an outage; a key replaced before
  // is forgotten. Errors: InvalidArgument (empty key), NotFound (tracker).
  Result<std::string> RotateTrackerKey(std::string_view tracker_id,
                                       std::optional<std::string> key,
                                       Timestamp previous_valid_until,
                                       std::string_view actor = {});
  // The keys a request signed at `now` may use: the current key first, then
  // the previous one while now < its previous_valid_until.
  // Errors: NotFound (tracker), InvalidArgument (tracker id).
  Result<std::vector<std::string>> SigningKeys(std::string_view tracker_id,
                                               Timestamp now) const;

  // ------------------------------------------------------------ sync state

  // The tracker's sync state: what `exportctl sync` (or a host's own
  // mirror) last applied. An empty SyncState when none was ever written.
  // Removing the tracker removes it. Errors: NotFound (tracker), IOError,
  // Corruption (an undecodable state).
  Result<SyncState> SyncStateOf(std::string_view tracker_id) const;
  // Writes it alone (an import writes it with its data:
  // ImportOptions::sync_state). Errors: NotFound (tracker), IOError.
  Status SetSyncState(std::string_view tracker_id, const SyncState& state,
                      std::string_view actor = {});

  // ------------------------------------------------------------- audit log
  //
  // Every write above (Put, Update, Delete, Import, ApplyChanges, the catalog
  // changes, AddTracker, RemoveTracker, RotateTrackerKey, SetSyncState,
  // SetAuditLogRetention) appends one entry to the store's audit log in its
  // own transaction: a write that fails, or rolls back, leaves none; a dry
  // run writes none. Each takes `actor` (ImportOptions::actor,
  // ApplyChangesOptions::actor): who writes, as free text of at most
  // kMaxActorSize bytes of UTF-8 (else InvalidArgument, field "actor", and
  // nothing changes). exportctl passes --actor or the OS user name, exportd
  // "tracker@address" of the signed request. Entries are dated by
  // StoreOptions::clock; no secret (no key) is ever written into one.

  // Calls fn(entry) for each entry that matches `query`, oldest first, from
  // one snapshot, until fn returns false. `entry` is valid only during the
  // call. An entry that does not decode is skipped and counted in
  // `corrupt` (optional). A store opened read-only whose writer predates the
  // audit log has none: no entries. Errors: IOError.
  Status ReadAuditLog(const AuditLogQuery& query,
                      const std::function<bool(const AuditLogEntry&)>& fn,
                      uint64_t* corrupt = nullptr) const;

  // How long entries are kept: a setting of the store itself, so every
  // process that writes to it applies the same one. Zero (the default):
  // forever. Each commit drops at most 256 entries older than that.
  Result<std::chrono::seconds> AuditLogRetention() const;
  // Sets it and at once drops every entry older than now - retention
  // (`removed`, optional, says how many); zero keeps everything from now on.
  // Errors: InvalidArgument (negative retention, field "retention"; actor).
  Status SetAuditLogRetention(std::chrono::seconds retention,
                              std::string_view actor = {},
                              uint64_t* removed = nullptr);

  // ----------------------------------------------------------- maintenance

  // Checks that every record decodes and that the indexes and the records
  // agree. Errors: NotFound (tracker); problems go into the report.
  Status Verify(std::string_view tracker_id, VerifyReport* report) const;

  // Counts, over one snapshot of the tracker's customizations, the pins that
  // are expired, dangling (an item pin whose item is not in the catalog; an
  // expired pin is counted as expired only) and not yet active at `at`, per
  // model, and keeps the `worst_count` customizations with the most
  // expired + dangling pins. Memory: one entry per model plus `worst_count`.
  // Errors: NotFound (tracker), IOError.
  Status Audit(std::string_view tracker_id, Timestamp at, size_t worst_count,
               AuditReport* report) const;

  // Writes a consistent, compacted copy of the whole store into `dir`
  // (created if missing; must hold no store). Safe while the store is in use.
  Status Backup(const std::string& dir) const;

  // Sizes of the map, the data file and the reader table, and the format
  // (one short read transaction: cheap enough for every /metrics scrape).
  // Errors: IOError.
  Status Stats(StoreStats* stats) const;

  // The directory this store lives in.
  const std::string& path() const;
  // The map size in bytes (StoreOptions::max_map_size, or a larger size
  // another process mapped).
  uint64_t map_size() const;

  class Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One consistent read of a store: an LMDB read transaction. Every answer it
// gives is of the same instant, whatever commits meanwhile.
//
// IMPORTANT (lifetime): a Snapshot must not outlive its Store. It holds an
// LMDB reader slot and keeps the pages of its instant from being reused until
// it is destroyed: keep it as short as one export.
//
// Thread safety: use it from one thread (the one that opened it).
class Snapshot {
 public:
  Snapshot(Snapshot&&) noexcept;
  Snapshot& operator=(Snapshot&&) noexcept;
  ~Snapshot();

  // As Store::Export, Store::ExportEtag, Store::SigningKeys and
  // Store::LatestCursor, read from this snapshot.
  Status Export(const ExportQuery& query, ExportSink& sink,
                ExportStats* stats = nullptr) const;
  Result<ExportValidator> ExportEtag(const ExportQuery& query) const;
  Result<std::vector<std::string>> SigningKeys(std::string_view tracker_id,
                                               Timestamp now) const;
  Result<std::string> LatestCursor(std::string_view tracker_id) const;

  struct State;

 private:
  friend class Store;
  explicit Snapshot(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace libexport

#endif  // LIBEXPORT_STORE_H_
