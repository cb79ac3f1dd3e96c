#include "keys.h"

namespace libexport::internal {

RecordKey MakeRecordKey(uint32_t tracker, const Uuid& id) {
  RecordKey k;
  PutBE32(k.data(), tracker);
  std::memcpy(k.data() + 4, id.data(), id.size());
  return k;
}

IndexKey MakeIndexKey(uint32_t tracker, IndexKind kind, uint64_t hash) {
  IndexKey k;
  PutBE32(k.data(), tracker);
  k[4] = static_cast<char>(kind);
  PutBE64(k.data() + 5, hash);
  return k;
}

CatalogKey MakeCatalogKey(uint32_t tracker, uint64_t hash) {
  CatalogKey k;
  PutBE32(k.data(), tracker);
  PutBE64(k.data() + 4, hash);
  return k;
}

}  // namespace libexport::internal
