// The catalog value format (docs/store_format.md, "Catalog"): the item
// identities that share one 64-bit hash, each as a u32 little-endian length,
// the u64 change sequence that added it, and its bytes. The one reader and
// writer of that format (and of version 1's, without the sequence, which
// only the migration reads).
#ifndef LIBEXPORT_SRC_IDENTITY_LIST_H_
#define LIBEXPORT_SRC_IDENTITY_LIST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "keys.h"

namespace libexport::internal {

// Calls fn(identity, seq) for each identity of `list`, in order, until fn
// returns false. Returns false when the list is malformed (a length runs
// past the end; the identities before it were visited), true otherwise, also
// when fn stopped the walk. Trailing bytes too short for an entry are
// ignored. `format_version` 1 lists have no sequence (seq is 0).
template <typename Fn>
bool ForEachIdentityEntry(std::string_view list, Fn&& fn,
                          int format_version = 2) {
  const size_t head = format_version == 1 ? 4 : 12;
  while (list.size() >= head) {
    uint32_t n = LoadLE<uint32_t>(list.data());
    uint64_t seq = head == 12 ? LoadLE<uint64_t>(list.data() + 4) : 0;
    if (list.size() - head < n) return false;
    if (!fn(list.substr(head, n), seq)) return true;
    list.remove_prefix(head + n);
  }
  return true;
}

// ForEachIdentityEntry without the sequence: fn(identity).
template <typename Fn>
bool ForEachIdentity(std::string_view list, Fn&& fn) {
  return ForEachIdentityEntry(
      list, [&](std::string_view identity, uint64_t) { return fn(identity); });
}

// Whether `list` holds `identity`.
bool IdentityListContains(std::string_view list, std::string_view identity);

// Appends `identity`, added by change `seq`, to `list` (the caller checks it
// is not there yet).
void IdentityListAppend(std::string* list, std::string_view identity,
                        uint64_t seq);

// Writes `list` without `identity` to `*kept` and its sequence to `*seq`.
// False when `list` does not hold it (then `*kept` is meaningless).
bool IdentityListRemove(std::string_view list, std::string_view identity,
                        std::string* kept, uint64_t* seq);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_IDENTITY_LIST_H_
