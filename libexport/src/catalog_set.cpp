#include "catalog_set.h"

#include "identity_list.h"
#include "keys.h"
#include "lmdb_env.h"

namespace libexport::internal {

Status CatalogSet::Prepare(uint64_t catalog_items, uint64_t records_to_read) {
  if (catalog_items > records_to_read * 16) return Status::Ok();
  return Load(catalog_items);
}

Status CatalogSet::Contains(const StrRef& ref, std::string_view identity,
                            bool* found) {
  if (loaded_) {
    *found = false;
    for (size_t i = Slot(ref.hash); table_[i].offset != kEmpty;
         i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.hash == ref.hash && e.length == identity.size() &&
          std::string_view(arena_).substr(e.offset, e.length) == identity) {
        *found = true;
        break;
      }
    }
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
  if (memo_.size() < (1u << 20)) memo_.emplace(identity, *found);
  return Status::Ok();
}

bool CatalogSet::Insert(uint64_t hash, std::string_view identity) {
  if (++used_ * 2 > table_.size() || arena_.size() > UINT32_MAX / 2) {
    return false;
  }
  size_t i = Slot(hash);
  while (table_[i].offset != kEmpty) i = (i + 1) & mask_;
  table_[i] = Entry{hash, static_cast<uint32_t>(arena_.size()),
                    static_cast<uint32_t>(identity.size())};
  arena_.append(identity);
  return true;
}

Status CatalogSet::Load(uint64_t catalog_items) {
  int bits = 4;
  while ((uint64_t{1} << bits) < catalog_items * 2 + 2) ++bits;
  table_.assign(size_t{1} << bits, Entry{});
  mask_ = table_.size() - 1;
  shift_ = 64 - bits;
  bool full = false;
  const auto prefix = TrackerPrefix(tracker_);
  LIBEXPORT_RETURN_IF_ERROR(
      ForEachWithPrefix(txn_, dbi_, PrefixView(prefix),
                        [&](std::string_view key, std::string_view list) {
                          if (key.size() != kCatalogKeySize) return true;
                          uint64_t hash = 0;
                          for (size_t i = 4; i < kCatalogKeySize; ++i) {
                            hash = hash << 8 | static_cast<uint8_t>(key[i]);
                          }
                          // Normally one identity per key; more share a hash.
                          ForEachIdentity(list, [&](std::string_view identity) {
                            if (!Insert(hash, identity)) full = true;
                            return !full;
                          });
                          return !full;
                        }));
  if (full) {
    table_.clear();
    arena_.clear();
    return Status::Ok();
  }
  loaded_ = true;
  return Status::Ok();
}

}  // namespace libexport::internal
