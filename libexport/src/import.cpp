// Importing a whole document, all or nothing: read and encode every record
// first (import_document.h), decide what each one does against the stored
// records (the plan), then write them in one transaction, or, for a dry run,
// only report the plan.
#include <algorithm>
#include <cstring>

#include "guard.h"
#include "import_document.h"
#include "index.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::PendingList;
using internal::PendingRecord;

namespace {

// Whether `key` sorts after every key of the table (then the sorted batch
// can be appended).
bool SortsAfterTable(MDB_txn* txn, MDB_dbi dbi,
                     const internal::RecordKey& key) {
  internal::Cursor c;
  if (c.Open(txn, dbi) != MDB_SUCCESS) return false;
  MDB_val k, v;
  int rc = c.Get(&k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) return true;
  return rc == MDB_SUCCESS && internal::ToView(k) < internal::KeyView(key);
}

// What an import does with one record of the document.
enum class Step : uint8_t {
  kInsert,     // no stored record has its id
  kReplace,    // the stored one differs: rewritten
  kUnchanged,  // the stored one is byte-identical: left alone
  kSkip,       // on_conflict=ignore: the stored one is kept
  kConflict,   // on_conflict=raise: the import fails
};

void AddId(std::vector<std::string>* ids, const internal::Uuid& id) {
  if (ids->size() < kMaxReportedIds) ids->push_back(internal::UuidToString(id));
}

// The plan of an import: a Step per pending record and, for a replace, the
// stored ids the document does not have. Fills the report's counts, ids and
// conflicts. Reads only.
class Plan {
 public:
  Plan(const Store::Impl& impl, const ImportOptions& options, bool json,
       const PendingList& pending, ImportReport* report)
      : impl_(impl),
        options_(options),
        json_(json),
        pending_(pending),
        report_(report) {}

  Status Make(MDB_txn* txn, uint32_t tracker) {
    steps_.assign(pending_.size(), Step::kInsert);
    removed_.clear();
    append_ = !pending_.empty() &&
              SortsAfterTable(txn, impl_.records,
                              internal::MakeRecordKey(tracker, pending_[0].id));
    if (options_.replace) {
      LIBEXPORT_RETURN_IF_ERROR(MergeWithStored(txn, tracker));
    } else if (!append_) {  // appended ids exist nowhere: all inserts
      for (size_t i = 0; i < pending_.size(); ++i) {
        auto key = internal::MakeRecordKey(tracker, pending_[i].id);
        MDB_val k = internal::ToVal(internal::KeyView(key)), v;
        const int rc = mdb_get(txn, impl_.records, &k, &v);
        if (rc == MDB_SUCCESS) {
          steps_[i] = Conflict(i, internal::ToView(v));
        } else if (rc != MDB_NOTFOUND) {
          return internal::LmdbStatus("mdb_get(records)", rc);
        }
      }
    }
    Count();
    return Status::Ok();
  }

  const std::vector<Step>& steps() const { return steps_; }
  const std::vector<internal::Uuid>& removed() const { return removed_; }
  bool append() const { return append_; }

 private:
  // A document record whose id is stored with value `stored`.
  Step Conflict(size_t i, std::string_view stored) const {
    if (options_.replace || options_.on_conflict == OnConflict::kOverride) {
      const bool same = stored.size() >= internal::kRecordTrailerSize &&
                        internal::RecordBody(stored) == pending_[i].value;
      return same ? Step::kUnchanged : Step::kReplace;
    }
    return options_.on_conflict == OnConflict::kIgnore ? Step::kSkip
                                                       : Step::kConflict;
  }

  // One walk of the tracker's records beside the sorted document.
  Status MergeWithStored(MDB_txn* txn, uint32_t tracker) {
    const auto prefix = internal::TrackerPrefix(tracker);
    size_t j = 0;
    Status st = internal::ForEachWithPrefix(
        txn, impl_.records, internal::PrefixView(prefix),
        [&](std::string_view key, std::string_view value) {
          internal::Uuid id;
          std::memcpy(id.data(), key.data() + internal::kTrackerPrefixSize,
                      id.size());
          while (j < pending_.size() && pending_[j].id < id) ++j;
          bool in_document = false;
          for (; j < pending_.size() && pending_[j].id == id; ++j) {
            steps_[j] = Conflict(j, value);
            in_document = true;
          }
          if (!in_document) removed_.push_back(id);
          return true;
        });
    return st;
  }

  void Count() {
    report_->inserted = report_->replaced = report_->skipped = 0;
    report_->unchanged = report_->removed = 0;
    report_->inserted_ids.clear();
    report_->replaced_ids.clear();
    report_->removed_ids.clear();
    for (size_t i = 0; i < pending_.size(); ++i) {
      const internal::Uuid& id = pending_[i].id;
      switch (steps_[i]) {
        case Step::kInsert:
          ++report_->inserted;
          AddId(&report_->inserted_ids, id);
          break;
        case Step::kReplace:
          ++report_->replaced;
          AddId(&report_->replaced_ids, id);
          break;
        case Step::kUnchanged:
          ++report_->unchanged;
          break;
        case Step::kSkip:
          ++report_->skipped;
          break;
        case Step::kConflict:
          internal::AddImportError(
              report_,
              {internal::ImportLocation(json_, pending_[i].number), "id",
               "customization " + internal::UuidToString(id) +
                   " already exists (on_conflict=raise)"});
          break;
      }
    }
    report_->removed = removed_.size();
    for (const internal::Uuid& id : removed_) {
      AddId(&report_->removed_ids, id);
    }
  }

  const Store::Impl& impl_;
  const ImportOptions& options_;
  const bool json_;
  const PendingList& pending_;
  ImportReport* report_;
  std::vector<Step> steps_;
  std::vector<internal::Uuid> removed_;
  bool append_ = false;
};

Status ConflictStatus(const ImportReport& report) {
  return Status::AlreadyExists(
      std::to_string(report.error_count) +
      " customization id(s) already exist; nothing was imported");
}

}  // namespace

Status Store::Import(std::string_view tracker_id, std::string_view document,
                     const ImportOptions& options, ImportReport* report) try {
  ImportReport local;
  if (report == nullptr) report = &local;
  *report = ImportReport{};
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(options.actor));
  if (!options.now) {
    return Status::InvalidArgument(
        "required: the time given to records that lack created_at or "
        "updated_at; there is no default",
        "now");
  }
  report->max_errors = options.max_reported_errors;
  if (Status st = Impl::CheckIdentities(options.catalog_add); !st.ok()) {
    return Status::InvalidArgument("catalog: " + st.message(), "catalog");
  }
  std::optional<std::string> new_key;  // create_tracker: the key to use
  if (options.create_tracker) {
    Result<std::string> key =
        internal::ChosenOrGeneratedKey(options.tracker_key);
    if (!key.ok()) return key.status();
    new_key = std::move(key).value();
  }
  // The tracker an import creates, found missing in a transaction: its
  // number (0, which no tracker has, until it is created: no records).
  const auto find_or_plan_new = [&](MDB_txn* txn, internal::TrackerEntry* e,
                                    bool* missing) -> Status {
    Status found = impl_->FindTracker(txn, tracker_id, e);
    *missing =
        found.code() == Status::Code::kNotFound && options.create_tracker;
    if (*missing) *e = internal::TrackerEntry{};
    return *missing ? Status::Ok() : found;
  };
  {  // Fail fast on a missing tracker, before the expensive part.
    Impl::ReadTxn txn;
    LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
    internal::TrackerEntry e;
    bool missing = false;
    LIBEXPORT_RETURN_IF_ERROR(find_or_plan_new(txn.get(), &e, &missing));
  }

  internal::ValueArena arena;
  PendingList pending;
  const bool json = internal::ReadImportDocument(
      document, options.format, *options.now, options.max_records, &arena,
      &pending, report);
  const size_t invalid = report->error_count;
  if (options.max_records > 0 && report->records > options.max_records) {
    const size_t records = report->records;
    *report = ImportReport{};
    report->records = records;
    report->max_errors = options.max_reported_errors;
    return Status::InvalidArgument(
        "the document has " + std::to_string(records) + " records; at most " +
        std::to_string(options.max_records) +
        " are accepted in one import; nothing was imported");
  }
  const auto invalid_status = [&] {
    return Status::InvalidArgument(std::to_string(invalid) +
                                   " invalid record(s); nothing was imported");
  };
  Plan plan(*impl_, options, json, pending, report);

  if (options.dry_run) {
    // The plan of the valid records, beside the errors of the invalid ones;
    // the status is the one the import would return.
    Impl::ReadTxn txn;
    LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
    internal::TrackerEntry e;
    bool missing = false;
    LIBEXPORT_RETURN_IF_ERROR(find_or_plan_new(txn.get(), &e, &missing));
    report->tracker_created = missing;
    LIBEXPORT_RETURN_IF_ERROR(plan.Make(txn.get(), e.number));
    if (invalid > 0) return invalid_status();
    if (report->error_count > 0) return ConflictStatus(*report);
    return Status::Ok();
  }
  if (invalid > 0) return invalid_status();

  const size_t total = pending.size();
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    report->errors.clear();
    report->error_count = 0;
    internal::TrackerEntry e;
    bool missing = false;
    LIBEXPORT_RETURN_IF_ERROR(find_or_plan_new(txn, &e, &missing));
    if (missing) {
      LIBEXPORT_RETURN_IF_ERROR(
          impl_->CreateTracker(txn, tracker_id, *new_key, &e));
    }
    report->tracker_created = missing;
    LIBEXPORT_RETURN_IF_ERROR(plan.Make(txn, e.number));
    if (report->error_count > 0) return ConflictStatus(*report);
    internal::History history = impl_->MakeHistory(txn, &e);
    for (const internal::Uuid& id : plan.removed()) {
      LIBEXPORT_RETURN_IF_ERROR(impl_->DeleteRecord(txn, &history, id));
    }
    Impl::IndexEntries index_entries;
    // Every record has at most 3 + tags + pins index keys (header u16s at
    // bytes 2 and 4): one allocation for all of them.
    size_t max_entries = 0;
    for (const PendingRecord& p : pending) {
      uint16_t tags, pins;
      std::memcpy(&tags, p.value.data() + 2, sizeof tags);
      std::memcpy(&pins, p.value.data() + 4, sizeof pins);
      max_entries += 3 + size_t{tags} + pins;
    }
    index_entries.reserve(max_entries);
    const std::vector<Step>& steps = plan.steps();
    for (size_t i = 0; i < total; ++i) {
      if (options.progress && ((i + 1) % 4096 == 0))
        options.progress(i + 1, total);
      if (steps[i] != Step::kInsert && steps[i] != Step::kReplace) continue;
      const PendingRecord& p = pending[i];
      Impl::PutOutcome outcome;
      LIBEXPORT_RETURN_IF_ERROR(impl_->PutRecord(txn, &history, p.id, p.value,
                                                 &outcome, &index_entries,
                                                 plan.append()));
    }
    std::sort(index_entries.begin(), index_entries.end(),
              internal::IndexEntryLess{});
    bool appended = false;
    LIBEXPORT_RETURN_IF_ERROR(internal::AppendIndexEntries(
        txn, impl_->index, index_entries, &appended));
    if (!appended) {
      LIBEXPORT_RETURN_IF_ERROR(impl_->PutIndexEntries(txn, index_entries));
    }
    if (options.sync_state) {
      LIBEXPORT_RETURN_IF_ERROR(
          impl_->PutSyncState(txn, e.number, *options.sync_state));
    }
    std::vector<std::string> sample;
    LIBEXPORT_RETURN_IF_ERROR(
        impl_->ChangeIdentities(txn, &history, options.catalog_add, true,
                                &report->catalog_added, &sample));
    if (options.progress) options.progress(total, total);
    internal::AuditRecord audit("import", tracker_id, options.actor);
    audit.Count("inserted", report->inserted)
        .Count("replaced", report->replaced)
        .Count("unchanged", report->unchanged)
        .Count("skipped", report->skipped)
        .Count("removed", report->removed);
    if (options.replace) audit.Text("mode", "replace");
    if (!options.catalog_add.empty()) {
      audit.Count("catalog_added", report->catalog_added);
    }
    if (missing) {
      audit.Text("tracker_key", options.tracker_key ? "given" : "generated");
    }
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(txn, audit));
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
  if (!st.ok()) {
    const std::vector<RecordError> errors = std::move(report->errors);
    const size_t error_count = report->error_count;
    const size_t max_errors = report->max_errors;
    const size_t records = report->records;
    *report = ImportReport{};
    report->records = records;
    report->max_errors = max_errors;
    report->errors = errors;
    report->error_count = error_count;
  } else if (report->tracker_created && !options.tracker_key) {
    report->tracker_key = std::move(*new_key);
  }
  return st;
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
