#include "migrate.h"

#include <string>
#include <utility>
#include <vector>

#include "identity_list.h"
#include "keys.h"

namespace libexport::internal {

namespace {

// Every key of `dbi` under `prefix`, copied (the walk writes the table).
Status KeysWithPrefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix,
                      std::vector<std::string>* keys) {
  return ForEachWithPrefix(txn, dbi, prefix,
                           [&](std::string_view k, std::string_view) {
                             keys->emplace_back(k);
                             return true;
                           });
}

Status MigrateRecords(Store::Impl& impl, MDB_txn* txn, History* history) {
  const auto prefix = TrackerPrefix(history->tracker().number);
  std::vector<std::string> keys;
  LIBEXPORT_RETURN_IF_ERROR(
      KeysWithPrefix(txn, impl.records, PrefixView(prefix), &keys));
  std::string body;
  for (const std::string& key : keys) {
    MDB_val k = ToVal(key), v;
    int rc = mdb_get(txn, impl.records, &k, &v);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(records)", rc);
    body.assign(ToView(v));
    if (body.empty() || body[0] != 1 || key.size() != kRecordKeySize) continue;
    body[0] = static_cast<char>(kRecordVersion);  // the body is unchanged
    RecordView view;
    if (!RecordView::ParseBody(body, &view).ok()) continue;
    const uint64_t seq = history->Next();
    MDB_val sealed{body.size() + kRecordTrailerSize, nullptr};
    rc = mdb_put(txn, impl.records, &k, &sealed, MDB_RESERVE);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(records)", rc);
    SealRecord(body, seq, static_cast<char*>(sealed.mv_data));
    Uuid id;
    std::memcpy(id.data(), key.data() + 4, id.size());
    LIBEXPORT_RETURN_IF_ERROR(history->RecordPut(id, 0, seq));
    history->Windows(view, +1);
  }
  return Status::Ok();
}

Status MigrateCatalog(Store::Impl& impl, MDB_txn* txn, History* history) {
  const auto prefix = TrackerPrefix(history->tracker().number);
  std::vector<std::string> keys;
  LIBEXPORT_RETURN_IF_ERROR(
      KeysWithPrefix(txn, impl.catalog, PrefixView(prefix), &keys));
  for (const std::string& key : keys) {
    MDB_val k = ToVal(key), v;
    int rc = mdb_get(txn, impl.catalog, &k, &v);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_get(catalog)", rc);
    std::vector<std::string> identities;
    ForEachIdentityEntry(
        ToView(v),
        [&](std::string_view identity, uint64_t) {
          identities.emplace_back(identity);
          return true;
        },
        /*format_version=*/1);
    std::string list;
    for (const std::string& identity : identities) {
      const uint64_t seq = history->Next();
      IdentityListAppend(&list, identity, seq);
      LIBEXPORT_RETURN_IF_ERROR(history->IdentityAdded(identity, seq));
    }
    MDB_val nv = ToVal(list);
    rc = mdb_put(txn, impl.catalog, &k, &nv, 0);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(catalog)", rc);
  }
  return Status::Ok();
}

}  // namespace

Status MigrateFormat1(Store::Impl& impl, MDB_txn* txn) {
  std::vector<std::pair<std::string, TrackerEntry>> trackers;
  Status decoded;
  LIBEXPORT_RETURN_IF_ERROR(ForEachWithPrefix(
      txn, impl.trackers, "", [&](std::string_view k, std::string_view v) {
        TrackerEntry e;
        decoded = DecodeTrackerEntry(v, &e);
        if (!decoded.ok()) return false;
        trackers.emplace_back(std::string(k), std::move(e));
        return true;
      }));
  LIBEXPORT_RETURN_IF_ERROR(decoded);
  for (auto& [id, e] : trackers) {
    e.generation = NewGeneration();
    e.seq = e.compacted_through = e.compact_from = 0;
    History history = impl.MakeHistory(txn, &e);
    LIBEXPORT_RETURN_IF_ERROR(MigrateRecords(impl, txn, &history));
    LIBEXPORT_RETURN_IF_ERROR(MigrateCatalog(impl, txn, &history));
    LIBEXPORT_RETURN_IF_ERROR(impl.FinishHistory(txn, &history, id));
  }
  return Status::Ok();
}

}  // namespace libexport::internal
