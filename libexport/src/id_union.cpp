#include "id_union.h"

#include <algorithm>
#include <cstring>

namespace libexport::internal {

bool IdUnion::Less(size_t a, size_t b) const {
  // std::*_heap keep the greatest element on top; inverted, the smallest.
  return std::memcmp(sources_[a]->page.data(), sources_[b]->page.data(), 16) >
         0;
}

Result<bool> IdUnion::Advance(Source* s) {
  if (s->page.size() > 16) {
    s->page.remove_prefix(16);
    return true;
  }
  MDB_val k, v;
  int rc = s->cursor.Get(&k, &v, MDB_NEXT_MULTIPLE);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get", rc);
  s->page = ToView(v);
  if (s->page.size() < 16 || s->page.size() % 16 != 0) {
    return Status::Corruption("bad index entry");
  }
  return true;
}

Status IdUnion::Open(MDB_txn* txn, MDB_dbi index,
                     const std::vector<IndexKey>& keys) {
  for (const IndexKey& key : keys) {
    auto s = std::make_unique<Source>();
    int rc = s->cursor.Open(txn, index);
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_open", rc);
    MDB_val k = ToVal(KeyView(key)), v;
    rc = s->cursor.Get(&k, &v, MDB_SET);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get", rc);
    rc = s->cursor.Get(&k, &v, MDB_GET_MULTIPLE);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != MDB_SUCCESS) return LmdbStatus("mdb_cursor_get", rc);
    s->page = ToView(v);
    if (s->page.size() < 16 || s->page.size() % 16 != 0) {
      return Status::Corruption("bad index entry");
    }
    sources_.push_back(std::move(s));
    heap_.push_back(sources_.size() - 1);
  }
  auto less = [this](size_t a, size_t b) { return Less(a, b); };
  std::make_heap(heap_.begin(), heap_.end(), less);
  return Status::Ok();
}

Result<bool> IdUnion::Next(Uuid* id) {
  auto less = [this](size_t a, size_t b) { return Less(a, b); };
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), less);
    Source* s = sources_[heap_.back()].get();
    std::memcpy(id->data(), s->page.data(), 16);
    Result<bool> more = Advance(s);
    if (!more.ok()) return more.status();
    if (*more) {
      std::push_heap(heap_.begin(), heap_.end(), less);
    } else {
      heap_.pop_back();
    }
    // An id under two of the keys (a customization with two of the tags)
    // comes out of two sources, one after the other.
    if (have_last_ && *id == last_) continue;
    last_ = *id;
    have_last_ = true;
    return true;
  }
  return false;
}

}  // namespace libexport::internal
