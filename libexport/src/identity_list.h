// The catalog value format (docs/store_format.md, "Catalog"): the item
// identities that share one 64-bit hash, each as a u32 little-endian length
// followed by its bytes. The one reader and writer of that format.
#ifndef LIBEXPORT_SRC_IDENTITY_LIST_H_
#define LIBEXPORT_SRC_IDENTITY_LIST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "keys.h"

namespace libexport::internal {

// Calls fn(identity) for each identity of `list`, in order, until fn returns
// false. Returns false when the list is malformed (a length runs past the
// end; the identities before it were visited), true otherwise, also when fn
// stopped the walk. Trailing bytes too short for a length are ignored.
template <typename Fn>
bool ForEachIdentity(std::string_view list, Fn&& fn) {
  while (list.size() >= 4) {
    uint32_t n = LoadLE<uint32_t>(list.data());
    if (list.size() - 4 < n) return false;
    if (!fn(list.substr(4, n))) return true;
    list.remove_prefix(4 + n);
  }
  return true;
}

// Whether `list` holds `identity`.
bool IdentityListContains(std::string_view list, std::string_view identity);

// Appends `identity` to `list` (the caller checks it is not there yet).
void IdentityListAppend(std::string* list, std::string_view identity);

// Writes `list` without `identity` to `*kept`. False when `list` does not
// hold it (then `*kept` is meaningless).
bool IdentityListRemove(std::string_view list, std::string_view identity,
                        std::string* kept);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_IDENTITY_LIST_H_
