#include "filter.h"

namespace libexport::internal {

std::vector<IndexKey> Filter::Keys(uint32_t tracker) const {
  std::vector<IndexKey> keys;
  if (q_.target_identity)
    keys.push_back(
        MakeIndexKey(tracker, IndexKind::kTargetIdentity, identity_hash_));
  if (q_.tag) keys.push_back(MakeIndexKey(tracker, IndexKind::kTag, tag_hash_));
  if (q_.model)
    keys.push_back(MakeIndexKey(tracker, IndexKind::kModel, model_hash_));
  if (q_.target_type)
    keys.push_back(MakeIndexKey(tracker, IndexKind::kTargetType,
                                static_cast<uint64_t>(*q_.target_type)));
  return keys;
}

}  // namespace libexport::internal
