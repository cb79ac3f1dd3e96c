// Applying the changes feed (Store::Changes' document) to a copy of a
// tracker: every batch read and validated first, then applied in order in
// one write transaction with the sync state, or, for the feed from the
// beginning, as a replace of the customizations and the catalog.
#include <algorithm>
#include <set>

#include "customization.h"
#include "guard.h"
#include "identity_list.h"
#include "import_document.h"
#include "libexport/store.h"
#include "raw_json.h"
#include "store_impl.h"

namespace libexport {

using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;

namespace {

// One change of a batch, ready to write. `value` lives in the arena.
struct Change {
  enum class Op { kUpsert, kDelete, kCatalogAdd, kCatalogRemove } op;
  internal::Uuid id{};     // upsert, delete
  std::string_view value;  // upsert: the encoded record
  std::string identity;    // catalog_add, catalog_remove
};

// Reads one batch: {"changes":[...],"cursor":"...","more":bool}, members in
// any order, others ignored. Errors name the change and its field:
// InvalidArgument with field "changes[3].customization.model".
class BatchReader {
 public:
  BatchReader(std::string_view body, Timestamp now, internal::ValueArena* arena,
              std::vector<Change>* out)
      : body_(body), r_(body), now_(now), arena_(arena), out_(out) {}

  Status Read(ChangesResult* result) {
    if (!r_.Consume('{')) return Syntax("the body must be an object");
    bool have_changes = false, have_cursor = false, have_more = false;
    if (!r_.Consume('}')) {
      std::string name;
      while (true) {
        name.clear();
        if (r_.Peek() != '"' || !r_.String(nullptr, &name) ||
            !r_.Consume(':')) {
          return Syntax("expected a member name");
        }
        if (name == "changes") {
          have_changes = true;
          LIBEXPORT_RETURN_IF_ERROR(Changes(&result->changes));
        } else if (name == "cursor") {
          have_cursor = true;
          if (r_.Peek() != '"' || !r_.String(nullptr, &result->cursor)) {
            return Status::InvalidArgument("must be a string", "cursor");
          }
        } else if (name == "more") {
          have_more = true;
          const size_t at = r_.pos();
          if (!r_.Value(nullptr, 1)) return Syntax(r_.error());
          const std::string_view v = body_.substr(at, r_.pos() - at);
          result->more = v.ends_with("true");
          if (!result->more && !v.ends_with("false")) {
            return Status::InvalidArgument("must be true or false", "more");
          }
        } else if (!r_.Value(nullptr, 1)) {
          return Syntax(r_.error());
        }
        if (r_.Consume('}')) break;
        if (!r_.Consume(',')) return Syntax("expected ',' or '}'");
      }
    }
    r_.SkipSpace();
    if (!r_.AtEnd()) return Syntax("unexpected text after the body");
    if (!have_changes) return Status::InvalidArgument("missing", "changes");
    if (!have_cursor) return Status::InvalidArgument("missing", "cursor");
    if (!have_more) return Status::InvalidArgument("missing", "more");
    return Status::Ok();
  }

 private:
  Status Syntax(std::string_view why) {
    return Status::InvalidArgument("not a changes document: " +
                                   std::string(why));
  }

  Status Changes(size_t* count) {
    if (!r_.Consume('[')) {
      return Status::InvalidArgument("must be an array", "changes");
    }
    if (r_.Consume(']')) return Status::Ok();
    for (size_t i = 0;; ++i) {
      LIBEXPORT_RETURN_IF_ERROR(One("changes[" + std::to_string(i) + "]"));
      ++*count;
      if (r_.Consume(']')) return Status::Ok();
      if (!r_.Consume(',')) return Syntax("expected ',' or ']'");
    }
  }

  // {"seq":"..","op":"..", and "customization":{..}, "id":".." or
  // "identity":".."}
  Status One(const std::string& where) {
    if (!r_.Consume('{')) {
      return Status::InvalidArgument("must be an object", where);
    }
    std::string op, id, identity, name;
    std::string_view customization;
    bool have_identity = false;
    if (!r_.Consume('}')) {
      while (true) {
        name.clear();
        if (r_.Peek() != '"' || !r_.String(nullptr, &name) ||
            !r_.Consume(':')) {
          return Syntax("expected a member name in " + where);
        }
        std::string* text = name == "op"         ? &op
                            : name == "id"       ? &id
                            : name == "identity" ? &identity
                                                 : nullptr;
        if (text != nullptr) {
          if (r_.Peek() != '"' || !r_.String(nullptr, text)) {
            return Status::InvalidArgument("must be a string",
                                           where + "." + name);
          }
          have_identity |= text == &identity;
        } else {
          r_.SkipSpace();
          const size_t at = r_.pos();
          if (!r_.Value(nullptr, 2)) return Syntax(r_.error());
          if (name == "customization") {
            customization = body_.substr(at, r_.pos() - at);
          }
        }
        if (r_.Consume('}')) break;
        if (!r_.Consume(',')) return Syntax("expected ',' or '}'");
      }
    }
    Change c;
    if (op == "upsert") {
      if (customization.empty()) {
        return Status::InvalidArgument("missing", where + ".customization");
      }
      Status st = internal::EncodeCustomizationJson(customization, now_, &rec_);
      if (!st.ok()) {
        const std::string field = where + ".customization" +
                                  (st.field().empty() ? "" : "." + st.field());
        return Status::InvalidArgument(st.message(), field);
      }
      c.op = Change::Op::kUpsert;
      c.id = rec_.id;
      c.value = arena_->Add(rec_.value);
    } else if (op == "delete") {
      c.op = Change::Op::kDelete;
      if (!internal::ParseUuid(id, &c.id)) {
        return Status::InvalidArgument("must be a UUID", where + ".id");
      }
    } else if (op == "catalog_add" || op == "catalog_remove") {
      c.op = op == "catalog_add" ? Change::Op::kCatalogAdd
                                 : Change::Op::kCatalogRemove;
      if (!have_identity || identity.empty() ||
          identity.size() > internal::kMaxIdentitySize) {
        return Status::InvalidArgument("must be 1 byte to 1 KiB",
                                       where + ".identity");
      }
      c.identity = std::move(identity);
    } else {
      return Status::InvalidArgument(
          "must be upsert, delete, catalog_add or catalog_remove",
          where + ".op");
    }
    out_->push_back(std::move(c));
    return Status::Ok();
  }

  std::string_view body_;
  internal::RawJsonReader r_;
  Timestamp now_;
  internal::ValueArena* arena_;
  std::vector<Change>* out_;
  internal::EncodedRecord rec_;
};

void Count(ImportReport* r, Store::Impl::PutOutcome outcome,
           const internal::Uuid& id) {
  using Outcome = Store::Impl::PutOutcome;
  std::vector<std::string>* ids = nullptr;
  if (outcome == Outcome::kInserted) {
    ++r->inserted;
    ids = &r->inserted_ids;
  } else if (outcome == Outcome::kReplaced) {
    ++r->replaced;
    ids = &r->replaced_ids;
  } else {
    ++r->unchanged;
  }
  if (ids != nullptr && ids->size() < kMaxReportedIds) {
    ids->push_back(internal::UuidToString(id));
  }
}

void CountRemoved(ImportReport* r, const internal::Uuid& id) {
  ++r->removed;
  if (r->removed_ids.size() < kMaxReportedIds) {
    r->removed_ids.push_back(internal::UuidToString(id));
  }
}

}  // namespace

Status ReadChangesBatch(std::string_view body, ChangesResult* result) {
  *result = ChangesResult{};
  internal::ValueArena arena;
  std::vector<Change> changes;
  return BatchReader(body, Timestamp{}, &arena, &changes).Read(result);
}

Status Store::ApplyChanges(std::string_view tracker_id,
                           const std::vector<std::string_view>& batches,
                           const ApplyChangesOptions& options,
                           ApplyChangesReport* report) try {
  ApplyChangesReport local;
  if (report == nullptr) report = &local;
  *report = ApplyChangesReport{};
  LIBEXPORT_RETURN_IF_ERROR(internal::CheckActor(options.actor));
  internal::ValueArena arena;
  std::vector<Change> changes;
  for (size_t i = 0; i < batches.size(); ++i) {
    ChangesResult result;
    Status st =
        BatchReader(batches[i], SystemNow(), &arena, &changes).Read(&result);
    if (!st.ok()) {
      if (batches.size() == 1) return st;
      return Status::InvalidArgument(
          "batch " + std::to_string(i + 1) + ": " + st.message(), st.field());
    }
    report->cursor = std::move(result.cursor);
    report->more = result.more;
  }

  ApplyChangesReport counts;
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    counts = ApplyChangesReport{};
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    internal::History history = impl_->MakeHistory(txn, &e);
    std::set<internal::Uuid> upserted;  // replace: what stays
    std::set<std::string_view> listed;
    for (const Change& c : changes) {
      switch (c.op) {
        case Change::Op::kUpsert: {
          Impl::PutOutcome outcome;
          LIBEXPORT_RETURN_IF_ERROR(
              impl_->PutRecord(txn, &history, c.id, c.value, &outcome));
          Count(&counts.records, outcome, c.id);
          if (options.replace) upserted.insert(c.id);
          break;
        }
        case Change::Op::kDelete: {
          // The feed may delete what this copy never had (created and
          // deleted upstream after its cursor).
          Status del = impl_->DeleteRecord(txn, &history, c.id);
          if (del.ok()) {
            CountRemoved(&counts.records, c.id);
          } else if (del.code() != Status::Code::kNotFound) {
            return del;
          }
          if (options.replace) upserted.erase(c.id);
          break;
        }
        case Change::Op::kCatalogAdd: {
          bool added = false;
          LIBEXPORT_RETURN_IF_ERROR(
              impl_->AddIdentity(txn, &history, c.identity, &added));
          counts.catalog_added += added;
          if (options.replace) listed.insert(c.identity);
          break;
        }
        case Change::Op::kCatalogRemove: {
          bool removed = false;
          LIBEXPORT_RETURN_IF_ERROR(
              impl_->RemoveIdentity(txn, &history, c.identity, &removed));
          counts.catalog_removed += removed;
          if (options.replace) listed.erase(c.identity);
          break;
        }
      }
    }
    if (options.replace) {
      // Everything the feed from the beginning did not give goes.
      const auto prefix = internal::TrackerPrefix(e.number);
      std::vector<internal::Uuid> stale;
      LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
          txn, impl_->records, internal::PrefixView(prefix),
          [&](std::string_view key, std::string_view) {
            internal::Uuid id;
            std::copy_n(key.data() + internal::kTrackerPrefixSize, id.size(),
                        id.begin());
            if (!upserted.contains(id)) stale.push_back(id);
            return true;
          }));
      for (const internal::Uuid& id : stale) {
        LIBEXPORT_RETURN_IF_ERROR(impl_->DeleteRecord(txn, &history, id));
        CountRemoved(&counts.records, id);
      }
      std::vector<std::string> unlisted;
      LIBEXPORT_RETURN_IF_ERROR(internal::ForEachWithPrefix(
          txn, impl_->catalog, internal::PrefixView(prefix),
          [&](std::string_view, std::string_view list) {
            internal::ForEachIdentity(list, [&](std::string_view identity) {
              if (!listed.contains(identity)) unlisted.emplace_back(identity);
              return true;
            });
            return true;
          }));
      for (const std::string& identity : unlisted) {
        bool removed = false;
        LIBEXPORT_RETURN_IF_ERROR(
            impl_->RemoveIdentity(txn, &history, identity, &removed));
        counts.catalog_removed += removed;
      }
    }
    if (options.sync_state) {
      LIBEXPORT_RETURN_IF_ERROR(
          impl_->PutSyncState(txn, e.number, *options.sync_state));
    }
    internal::AuditRecord audit("apply_changes", tracker_id, options.actor);
    audit.Count("inserted", counts.records.inserted)
        .Count("replaced", counts.records.replaced)
        .Count("unchanged", counts.records.unchanged)
        .Count("removed", counts.records.removed)
        .Count("catalog_added", counts.catalog_added)
        .Count("catalog_removed", counts.catalog_removed);
    if (options.replace) audit.Text("mode", "replace");
    LIBEXPORT_RETURN_IF_ERROR(impl_->AppendAudit(txn, audit));
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
  if (!st.ok()) return st;
  counts.cursor = std::move(report->cursor);
  counts.more = report->more;
  *report = std::move(counts);
  return Status::Ok();
} catch (...) {
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
