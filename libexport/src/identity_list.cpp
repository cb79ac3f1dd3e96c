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

void IdentityListAppend(std::string* list, std::string_view identity) {
  AppendLE<uint32_t>(list, static_cast<uint32_t>(identity.size()));
  list->append(identity);
}

bool IdentityListRemove(std::string_view list, std::string_view identity,
                        std::string* kept) {
  kept->clear();
  bool found = false;
  ForEachIdentity(list, [&](std::string_view item) {
    if (item == identity) {
      found = true;
    } else {
      IdentityListAppend(kept, item);
    }
    return true;
  });
  return found;
}

}  // namespace libexport::internal
