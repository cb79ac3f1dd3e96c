// The index table: the entries of a record, writing, deleting and counting
// them.
#include "index.h"

#include <algorithm>

namespace libexport {

using internal::Cursor;
using internal::LmdbStatus;
using internal::ToVal;
using internal::ToView;

namespace internal {

std::vector<IndexKey> IndexKeysOf(uint32_t tracker, const RecordView& r) {
  std::vector<IndexKey> keys;
  keys.reserve(3 + r.tag_count() + r.pin_count());
  keys.push_back(MakeIndexKey(tracker, IndexKind::kModel, r.model_ref().hash));
  keys.push_back(MakeIndexKey(tracker, IndexKind::kTargetType,
                              static_cast<uint64_t>(r.target_type())));
  if (r.has_target_identity()) {
    keys.push_back(MakeIndexKey(tracker, IndexKind::kTargetIdentity,
                                r.target_identity_ref().hash));
  }
  for (size_t i = 0; i < r.tag_count(); ++i) {
    keys.push_back(MakeIndexKey(tracker, IndexKind::kTag, r.tag_ref(i).hash));
  }
  for (size_t i = 0; i < r.pin_count(); ++i) {
    PinEntry p = r.pin(i);
    if (p.type == PinType::kItem) {
      keys.push_back(
          MakeIndexKey(tracker, IndexKind::kPinItem, p.identity.hash));
    }
  }
  // Two values with one hash (or a pin repeated) make one entry.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

Status DeleteIndexEntries(MDB_txn* txn, MDB_dbi dbi,
                          const std::vector<internal::IndexKey>& keys,
                          const internal::Uuid& id) {
  MDB_val v{id.size(), const_cast<uint8_t*>(id.data())};
  for (const auto& key : keys) {
    MDB_val k = ToVal(internal::KeyView(key));
    int rc = mdb_del(txn, dbi, &k, &v);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return LmdbStatus("mdb_del(index)", rc);
  }
  return Status::Ok();
}

Status AppendIndexEntries(MDB_txn* txn, MDB_dbi dbi,
                          const Store::Impl::IndexEntries& entries,
                          bool* appended) {
  *appended = false;
  if (entries.empty()) return Status::Ok();
  Cursor c;
  int rc = c.Open(txn, dbi);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k, v;
  rc = c.Get(&k, &v, MDB_LAST);
  if (rc == MDB_SUCCESS) {
    if (!(ToView(k) < KeyView(entries.front().first))) {
      return Status::Ok();
    }
  } else if (rc != MDB_NOTFOUND) {
    return LmdbStatus("mdb_cursor_get(index)", rc);
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, id] = entries[i];
    unsigned flags = MDB_APPEND;
    if (i > 0 && entries[i - 1].first == key) {
      if (entries[i - 1].second == id) continue;
      flags = MDB_APPENDDUP;
    }
    k = ToVal(KeyView(key));
    v = MDB_val{id.size(), const_cast<uint8_t*>(id.data())};
    rc = mdb_cursor_put(c.get(), &k, &v, flags);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_put(index)", rc);
  }
  *appended = true;
  return Status::Ok();
}

}  // namespace internal

Status Store::Impl::PutIndexEntries(MDB_txn* txn, const IndexEntries& entries) {
  for (const auto& [key, id] : entries) {
    MDB_val k = ToVal(internal::KeyView(key));
    MDB_val v{id.size(), const_cast<uint8_t*>(id.data())};
    int rc = mdb_put(txn, index, &k, &v, MDB_NODUPDATA);
    if (rc != MDB_SUCCESS && rc != MDB_KEYEXIST)
      return LmdbStatus("mdb_put(index)", rc);
  }
  return Status::Ok();
}

Status Store::Impl::CountIndex(MDB_txn* txn, const internal::IndexKey& key,
                               uint64_t* count) const {
  *count = 0;
  Cursor c;
  int rc = c.Open(txn, index);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
  MDB_val k = ToVal(internal::KeyView(key)), v;
  rc = c.Get(&k, &v, MDB_SET);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get", rc);
  size_t n = 0;
  rc = mdb_cursor_count(c.get(), &n);
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_count", rc);
  *count = n;
  return Status::Ok();
}

Status Store::Impl::CountRecords(MDB_txn* txn, uint32_t tracker,
                                 uint64_t* count) const {
  *count = 0;
  for (TargetType t :
       {TargetType::kItem, TargetType::kCriteria, TargetType::kAll}) {
    uint64_t n = 0;
    LIBEXPORT_RETURN_IF_ERROR(CountIndex(
        txn,
        internal::MakeIndexKey(tracker, internal::IndexKind::kTargetType,
                               static_cast<uint64_t>(t)),
        &n));
    *count += n;
  }
  return Status::Ok();
}

}  // namespace libexport
