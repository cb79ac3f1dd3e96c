#include "id_union.h"

#include <algorithm>
#include <cstring>

namespace libexport::internal {

namespace {

uint64_t LoadBigEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// std::*_heap keep the greatest element on top; inverted, the smallest.
struct GreaterId {
  template <typename H>
  bool operator()(const H& a, const H& b) const {
    return a.hi != b.hi ? a.hi > b.hi : a.lo > b.lo;
  }
};

}  // namespace

IdUnion::Head IdUnion::HeadOf(std::string_view page, uint32_t source) {
  return {LoadBigEndian64(page.data()), LoadBigEndian64(page.data() + 8),
          source};
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
    heap_.push_back(HeadOf(s->page, static_cast<uint32_t>(sources_.size())));
    sources_.push_back(std::move(s));
  }
  std::make_heap(heap_.begin(), heap_.end(), GreaterId());
  return Status::Ok();
}

Result<bool> IdUnion::Next(Uuid* id) {
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), GreaterId());
    const Head top = heap_.back();
    Source* s = sources_[top.source].get();
    Result<bool> more = Advance(s);
    if (!more.ok()) return more.status();
    if (*more) {
      heap_.back() = HeadOf(s->page, top.source);
      std::push_heap(heap_.begin(), heap_.end(), GreaterId());
    } else {
      heap_.pop_back();
    }
    // An id under two of the keys (a customization with two of the tags)
    // comes out of two sources, one after the other.
    if (have_last_ && top.hi == last_hi_ && top.lo == last_lo_) continue;
    last_hi_ = top.hi;
    last_lo_ = top.lo;
    have_last_ = true;
    const uint64_t hi = __builtin_bswap64(top.hi),
                   lo = __builtin_bswap64(top.lo);
    std::memcpy(id->data(), &hi, 8);
    std::memcpy(id->data() + 8, &lo, 8);
    return true;
  }
  return false;
}

}  // namespace libexport::internal
