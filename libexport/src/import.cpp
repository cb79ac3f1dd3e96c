// Importing a whole document, all or nothing: validate and encode every
// record first, then write them in one transaction.
#include <simdjson.h>

#include <algorithm>
#include <numeric>

#include "customization.h"
#include "libexport/store.h"
#include "store_impl.h"

namespace libexport {

using internal::EncodedRecord;

namespace {

struct Pending {
  EncodedRecord record;
  std::string location;
};

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

ImportFormat DetectFormat(std::string_view doc) {
  size_t at = doc.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos) return ImportFormat::kNdjson;
  std::string_view rest = doc.substr(at + 1);
  size_t key = rest.find_first_not_of(" \t\r\n");
  bool results = doc[at] == '{' && key != std::string_view::npos &&
                 rest.substr(key).starts_with("\"results\"");
  return results ? ImportFormat::kJson : ImportFormat::kNdjson;
}

void AddError(std::vector<RecordError>* errors, std::string location,
              const Status& st) {
  errors->push_back(RecordError{std::move(location), st.field(), st.message()});
}

void EncodeJsonDocument(std::string_view doc, Timestamp now,
                        std::vector<Pending>* out,
                        std::vector<RecordError>* errors) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(doc);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    errors->push_back(
        {"document", "",
         std::string("invalid JSON: ") + simdjson::error_message(err)});
    return;
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) {
    errors->push_back(
        {"document", "", "the document must be an object {\"results\":[...]}"});
    return;
  }
  simdjson::dom::array results;
  bool have_results = false;
  for (auto field : obj) {
    if (field.key != "results") {
      errors->push_back({"document", std::string(field.key).substr(0, 64),
                         "unknown top-level field; expected only \"results\""});
      continue;
    }
    if (field.value.get_array().get(results)) {
      errors->push_back(
          {"document", "results", "must be an array of customizations"});
      return;
    }
    have_results = true;
  }
  if (!have_results) {
    errors->push_back({"document", "results", "missing"});
    return;
  }
  size_t i = 0;
  for (auto element : results) {
    Pending p;
    p.location = "results[" + std::to_string(i++) + "]";
    Status st = internal::EncodeCustomization(element, now, &p.record);
    if (st.ok()) {
      out->push_back(std::move(p));
    } else {
      AddError(errors, p.location, st);
    }
  }
}

void EncodeNdjson(std::string_view doc, Timestamp now,
                  std::vector<Pending>* out, std::vector<RecordError>* errors) {
  size_t line_no = 0;
  while (!doc.empty()) {
    size_t nl = doc.find('\n');
    std::string_view line = doc.substr(0, nl);
    doc.remove_prefix(nl == std::string_view::npos ? doc.size() : nl + 1);
    ++line_no;
    if (IsBlank(line)) continue;
    Pending p;
    p.location = "line " + std::to_string(line_no);
    Status st = internal::EncodeCustomizationJson(line, now, &p.record);
    if (st.ok()) {
      out->push_back(std::move(p));
    } else {
      AddError(errors, p.location, st);
    }
  }
}

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

}  // namespace

Status Store::Import(std::string_view tracker_id, std::string_view document,
                     const ImportOptions& options, ImportReport* report) {
  ImportReport local;
  if (report == nullptr) report = &local;
  *report = ImportReport{};
  {  // Fail fast on a missing tracker, before the expensive part.
    Impl::ReadTxn txn;
    LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn.get(), tracker_id, &e));
  }

  ImportFormat format = options.format == ImportFormat::kAuto
                            ? DetectFormat(document)
                            : options.format;
  std::vector<Pending> pending;
  if (format == ImportFormat::kJson) {
    EncodeJsonDocument(document, options.now, &pending, &report->errors);
  } else {
    EncodeNdjson(document, options.now, &pending, &report->errors);
  }

  // Ids in order: duplicates become neighbours, and records are written to
  // the B-tree front to back.
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Pending& a, const Pending& b) {
                     return a.record.id < b.record.id;
                   });
  for (size_t i = 1; i < pending.size(); ++i) {
    if (pending[i].record.id == pending[i - 1].record.id) {
      report->errors.push_back(
          {pending[i].location, "id",
           "duplicate id " + internal::UuidToString(pending[i].record.id) +
               ", also at " + pending[i - 1].location});
    }
  }
  if (!report->errors.empty()) {
    return Status::InvalidArgument(std::to_string(report->errors.size()) +
                                   " invalid record(s); nothing was imported");
  }

  size_t total = pending.size();
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    report->inserted = report->replaced = report->skipped = 0;
    report->errors.clear();
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    Impl::IndexEntries index_entries;
    bool append = !pending.empty() &&
                  SortsAfterTable(
                      txn, impl_->records,
                      internal::MakeRecordKey(e.number, pending[0].record.id));
    size_t done = 0;
    for (const Pending& p : pending) {
      if (options.progress && (++done % 4096 == 0))
        options.progress(done, total);
      if (options.on_conflict != OnConflict::kOverride) {
        auto key = internal::MakeRecordKey(e.number, p.record.id);
        MDB_val k = internal::ToVal(internal::KeyView(key)), v;
        int rc = mdb_get(txn, impl_->records, &k, &v);
        if (rc == MDB_SUCCESS) {
          if (options.on_conflict == OnConflict::kIgnore) {
            ++report->skipped;
          } else {
            report->errors.push_back(
                {p.location, "id",
                 "customization " + internal::UuidToString(p.record.id) +
                     " already exists (on_conflict=raise)"});
          }
          continue;
        }
        if (rc != MDB_NOTFOUND)
          return internal::LmdbStatus("mdb_get(records)", rc);
      }
      if (!report->errors.empty()) continue;  // raise: only collect the rest
      bool replaced = false;
      LIBEXPORT_RETURN_IF_ERROR(impl_->PutRecord(txn, e.number, p.record.id,
                                                 p.record.value, &replaced,
                                                 &index_entries, append));
      ++(replaced ? report->replaced : report->inserted);
    }
    if (!report->errors.empty()) {
      return Status::AlreadyExists(
          std::to_string(report->errors.size()) +
          " customization id(s) already exist; nothing was imported");
    }
    std::sort(index_entries.begin(), index_entries.end());
    LIBEXPORT_RETURN_IF_ERROR(impl_->PutIndexEntries(txn, index_entries));
    if (options.progress) options.progress(total, total);
    return Status::Ok();
  });
  if (!st.ok()) report->inserted = report->replaced = report->skipped = 0;
  return st;
}

}  // namespace libexport
