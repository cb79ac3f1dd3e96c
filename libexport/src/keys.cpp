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

ChangeKey MakeChangeKey(uint32_t tracker, uint64_t seq) {
  ChangeKey k;
  PutBE32(k.data(), tracker);
  PutBE64(k.data() + 4, seq);
  return k;
}

GraveKey MakeGraveKey(uint32_t tracker, uint8_t kind, uint64_t hash) {
  GraveKey k;
  PutBE32(k.data(), tracker);
  k[4] = static_cast<char>(kind);
  PutBE64(k.data() + 5, hash);
  return k;
}

BoundaryKey MakeBoundaryKey(uint32_t tracker, int64_t micros) {
  BoundaryKey k;
  PutBE32(k.data(), tracker);
  PutBE64(k.data() + 4, static_cast<uint64_t>(micros) ^ (uint64_t{1} << 63));
  return k;
}

int64_t BoundaryOf(std::string_view key) {
  return static_cast<int64_t>(LoadBE64(key.data() + 4) ^ (uint64_t{1} << 63));
}

}  // namespace libexport::internal
