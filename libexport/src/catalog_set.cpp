#include "catalog_set.h"

#include <algorithm>
#include <optional>

#include "guard.h"
#include "identity_list.h"
#include "keys.h"
#include "lmdb_env.h"

namespace libexport::internal {

namespace {

constexpr size_t kMaxMemo = size_t{1} << 16;

}  // namespace

bool CatalogMemory::Reserve(uint64_t n, uint64_t limit) {
  uint64_t live = live_.load();
  do {
    if (n > limit || live > limit - n) return false;
  } while (!live_.compare_exchange_weak(live, live + n));
  return true;
}

Result<std::shared_ptr<const CatalogTable>> CatalogTable::Build(
    MDB_txn* txn, MDB_dbi dbi, uint32_t tracker, uint64_t items,
    const std::shared_ptr<CatalogMemory>& memory, uint64_t budget_bytes,
    bool* never_fits) {
  *never_fits = false;
  std::unique_ptr<CatalogTable> t(new CatalogTable(memory));
  // Past 2^39 items the slots alone would take 8 TiB (a garbled count).
  constexpr uint64_t kMaxItems = uint64_t{1} << 39;
  int bits = 4;
  while (items < kMaxItems && (uint64_t{1} << bits) < items * 2 + 2) ++bits;
  const uint64_t slots_bytes = (uint64_t{1} << bits) * sizeof(Entry);
  // Every identity takes at least the byte of its length in a block.
  if (items >= kMaxItems || slots_bytes + items > budget_bytes) {
    *never_fits = true;
    return std::shared_ptr<const CatalogTable>();
  }
  if (!memory->Reserve(slots_bytes, budget_bytes)) {
    return std::shared_ptr<const CatalogTable>();
  }
  t->bytes_ = slots_bytes;
  t->table_.assign(size_t{1} << bits, Entry{});
  t->mask_ = t->table_.size() - 1;
  t->shift_ = 64 - bits;
  Added added = Added::kYes;
  // The slots are written at random: each identity waits in a ring of
  // kAhead, its slot prefetched, so that many slot misses overlap instead
  // of one after another. (The identities are views into the map, valid
  // for `txn`.)
  constexpr size_t kAhead = 16;
  std::pair<uint64_t, std::string_view> ring[kAhead];
  size_t pending = 0;
  auto insert = [&](uint64_t hash, std::string_view identity) {
    __builtin_prefetch(&t->table_[t->Slot(hash)], 1);
    auto& next = ring[pending % kAhead];
    if (pending >= kAhead)
      added = t->Insert(next.first, next.second, budget_bytes);
    next = {hash, identity};
    ++pending;
    return added == Added::kYes;
  };
  const auto prefix = TrackerPrefix(tracker);
  LIBEXPORT_RETURN_IF_ERROR(ForEachWithPrefix(
      txn, dbi, PrefixView(prefix),
      [&](std::string_view key, std::string_view list) {
        if (key.size() != kCatalogKeySize) return true;
        const uint64_t hash = LoadBE64(key.data() + kTrackerPrefixSize);
        // Normally one identity per key; more share a hash.
        ForEachIdentity(list, [&](std::string_view identity) {
          return insert(hash, identity);
        });
        return added == Added::kYes;
      }));
  for (size_t i = pending > kAhead ? pending - kAhead : 0;
       i < pending && added == Added::kYes; ++i) {
    added = t->Insert(ring[i % kAhead].first, ring[i % kAhead].second,
                      budget_bytes);
  }
  if (added != Added::kYes) {
    // A table fuller than the count said, or an entry longer than a block
    // (a damaged store either way), is what this catalog version holds: no
    // later build of it can succeed either.
    *never_fits = added == Added::kTableFull || t->over_budget_alone_;
    return std::shared_ptr<const CatalogTable>();
  }
  return std::shared_ptr<const CatalogTable>(std::move(t));
}

CatalogTable::Added CatalogTable::Insert(uint64_t hash,
                                         std::string_view identity,
                                         uint64_t budget) {
  const size_t stored = identity.size() + kMaxLengthBytes;
  if (++used_ * 2 > table_.size() || stored > kBlockSize) {
    return Added::kTableFull;
  }
  if (block_capacity_ - block_used_ < stored) {
    // The first block is sized for the catalog (a small one takes little)
    // and holds at least this identity (`stored` is at most kBlockSize),
    // the next ones are 1 MiB. Offsets are u32: 4,095 blocks at most.
    const uint64_t want =
        blocks_.empty() ? std::clamp<uint64_t>(
                              std::max<uint64_t>(table_.size() * 256, stored),
                              4096, kBlockSize)
                        : kBlockSize;
    if (blocks_.size() >= (uint64_t{1} << (32 - kBlockBits)) - 1) {
      return Added::kOverBudget;
    }
    if (!memory_->Reserve(want, budget)) {
      over_budget_alone_ = bytes_ + want > budget;
      return Added::kOverBudget;
    }
    bytes_ += want;
    blocks_.emplace_back(new char[want]);
    block_capacity_ = static_cast<uint32_t>(want);
    block_used_ = 0;
  }
  size_t i = Slot(hash);
  while (table_[i].offset != kEmpty) i = (i + 1) & mask_;
  const uint32_t block = static_cast<uint32_t>(blocks_.size() - 1);
  table_[i] =
      Entry{static_cast<uint32_t>(hash), block << kBlockBits | block_used_};
  char* out = blocks_.back().get() + block_used_;
  size_t length = identity.size();
  for (; length >= 0x80; length >>= 7) {
    *out++ = static_cast<char>(0x80 | (length & 0x7f));
  }
  *out++ = static_cast<char>(length);
  out = std::copy(identity.begin(), identity.end(), out);
  block_used_ = static_cast<uint32_t>(out - blocks_.back().get());
  return Added::kYes;
}

bool CatalogTable::Contains(uint64_t hash, std::string_view identity) const {
  for (size_t i = Slot(hash); table_[i].offset != kEmpty; i = (i + 1) & mask_) {
    const Entry& e = table_[i];
    if (e.tag == static_cast<uint32_t>(hash) && At(e) == identity) {
      return true;
    }
  }
  return false;
}

Result<std::shared_ptr<const CatalogTable>> CatalogCache::Get(
    MDB_txn* txn, MDB_dbi dbi, const TrackerEntry& e, uint64_t budget_bytes) {
  std::optional<std::promise<Table>> promise;  // when this export builds
  std::shared_future<Table> table;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(cached_.begin(), cached_.end(), [&](const auto& c) {
      return c.number == e.number && c.generation == e.generation &&
             c.seq == e.seq;
    });
    if (it != cached_.end()) {
      it->last_use = ++uses_;
      table = it->table;
    } else {
      // The tracker's other versions: exports that still use one keep it.
      std::erase_if(cached_,
                    [&](const auto& c) { return c.number == e.number; });
      if (cached_.size() >= kMaxTables) {
        cached_.erase(std::min_element(cached_.begin(), cached_.end(),
                                       [](const auto& a, const auto& b) {
                                         return a.last_use < b.last_use;
                                       }));
      }
      promise.emplace();
      cached_.push_back(Cached{e.number, e.generation, e.seq,
                               promise->get_future().share(), ++uses_});
    }
  }
  if (table.valid()) {  // built, or being built, by another export
    try {
      return table.get();
    } catch (const std::future_error&) {  // its builder died: no table
      return Table();
    }
  }
  Result<Table> built = Table();
  bool never_fits = false;
  try {
    built = CatalogTable::Build(txn, dbi, e.number, e.catalog_items, memory_,
                                budget_bytes, &never_fits);
  } catch (...) {
    built = CurrentExceptionStatus();
  }
  Table made = built.ok() ? built.value() : nullptr;
  promise->set_value(made);
  if (made == nullptr && !(built.ok() && never_fits)) {
    // Not kept: a later export tries again (the budget may be free then).
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(cached_, [&](const auto& c) {
      return c.number == e.number && c.generation == e.generation &&
             c.seq == e.seq;
    });
  }
  if (!built.ok()) return built.status();
  return made;
}

Status CatalogSet::Prepare(CatalogCache* cache, const TrackerEntry& e,
                           uint64_t records_to_read, uint64_t budget_bytes) {
  if (cache == nullptr || e.catalog_items > records_to_read * 16) {
    return Status::Ok();
  }
  auto table = cache->Get(txn_, dbi_, e, budget_bytes);
  if (!table.ok()) return table.status();
  table_ = std::move(table).value();
  return Status::Ok();
}

Status CatalogSet::Contains(const StrRef& ref, std::string_view identity,
                            bool* found) {
  if (table_) {
    *found = table_->Contains(ref.hash, identity);
    return Status::Ok();
  }
  auto it = memo_.find(identity);
  if (it != memo_.end()) {
    *found = it->second;
    return Status::Ok();
  }
  auto key = MakeCatalogKey(tracker_, ref.hash);
  MDB_val k = ToVal(KeyView(key)), v;
  int rc = mdb_get(txn_, dbi_, &k, &v);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
    return LmdbStatus("mdb_get(catalog)", rc);
  *found = rc == MDB_SUCCESS && IdentityListContains(ToView(v), identity);
  if (memo_.size() < kMaxMemo) memo_.emplace(identity, *found);
  return Status::Ok();
}

}  // namespace libexport::internal
