#include "identity_list.h"

namespace libexport::internal {

bool IdentityListContains(std::string_view list, std::string_view identity) {
  bool found = false;
  ForEachIdentity(list, [&](std::string_view item) {
    found = item == identity;
    return !found;
  });
  return found;
}

void IdentityListAppend(std::string* list, std::string_view identity,
                        uint64_t seq) {
  AppendLE<uint32_t>(list, static_cast<uint32_t>(identity.size()));
  AppendLE<uint64_t>(list, seq);
  list->append(identity);
}

bool IdentityListRemove(std::string_view list, std::string_view identity,
                        std::string* kept, uint64_t* seq) {
  kept->clear();
  bool found = false;
  ForEachIdentityEntry(list, [&](std::string_view item, uint64_t item_seq) {
    if (!found && item == identity) {
      found = true;
      *seq = item_seq;
    } else {
      IdentityListAppend(kept, item, item_seq);
    }
    return true;
  });
  return found;
}

}  // namespace libexport::internal
