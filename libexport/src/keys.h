// The key layout of the store's tables (docs/store_format.md, "Keys") and
// the byte encodings it uses: big-endian integers in keys (memcmp order is
// numeric order), little-endian integers in values.
#ifndef LIBEXPORT_SRC_KEYS_H_
#define LIBEXPORT_SRC_KEYS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "record.h"

namespace libexport::internal {

// Big-endian fixed-width integers in keys, so memcmp order is numeric order.
inline void PutBE32(char* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}
inline void PutBE64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}
inline uint64_t LoadBE64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}
// The key prefix of everything a tracker owns (its number, big-endian).
inline std::array<char, 4> TrackerPrefix(uint32_t tracker) {
  std::array<char, 4> p;
  PutBE32(p.data(), tracker);
  return p;
}
inline std::string_view PrefixView(const std::array<char, 4>& p) {
  return {p.data(), p.size()};
}

template <typename T>
inline T LoadLE(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // values are only 2-byte aligned
  return v;
}
template <typename T>
inline void AppendLE(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Index kinds (docs/store_format.md, "Index kinds").
enum class IndexKind : uint8_t {
  kModel = 1,
  kTag = 2,
  kTargetType = 3,
  kTargetIdentity = 4,
  kPinItem = 5,
};

inline constexpr size_t kTrackerPrefixSize = 4;
inline constexpr size_t kRecordKeySize = 4 + 16;
inline constexpr size_t kIndexKeySize = 4 + 1 + 8;
inline constexpr size_t kCatalogKeySize = 4 + 8;
inline constexpr size_t kChangeKeySize = 4 + 8;
inline constexpr size_t kGraveKeySize = 4 + 1 + 8;
inline constexpr size_t kBoundaryKeySize = 4 + 8;
// Identities (items, targets) are opaque strings of 1 byte to 1 KiB.
inline constexpr size_t kMaxIdentitySize = 1024;

using RecordKey = std::array<char, kRecordKeySize>;
using IndexKey = std::array<char, kIndexKeySize>;
using CatalogKey = std::array<char, kCatalogKeySize>;
using ChangeKey = std::array<char, kChangeKeySize>;
using GraveKey = std::array<char, kGraveKeySize>;
using BoundaryKey = std::array<char, kBoundaryKeySize>;

RecordKey MakeRecordKey(uint32_t tracker, const Uuid& id);
IndexKey MakeIndexKey(uint32_t tracker, IndexKind kind, uint64_t hash);
CatalogKey MakeCatalogKey(uint32_t tracker, uint64_t hash);
// tracker + seq (BE): a tracker's changes in seq order.
ChangeKey MakeChangeKey(uint32_t tracker, uint64_t seq);
// tracker + kind (1 record, 2 identity) + hash of the subject (BE).
GraveKey MakeGraveKey(uint32_t tracker, uint8_t kind, uint64_t hash);
// tracker + microseconds with the sign bit flipped (BE): signed order.
BoundaryKey MakeBoundaryKey(uint32_t tracker, int64_t micros);
int64_t BoundaryOf(std::string_view key);
inline std::string_view KeyView(const auto& key) {
  return {key.data(), key.size()};
}

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_KEYS_H_
