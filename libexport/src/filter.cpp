#include "filter.h"

namespace libexport::internal {

Filter::Filter(const ExportQuery& q)
    : models_(Hashed(q.models)),
      tags_(Hashed(q.tags)),
      identities_(Hashed(q.target_identities)) {
  for (TargetType t : q.target_types) {
    types_ |= 1u << static_cast<unsigned>(t);
  }
}

std::vector<Filter::Value> Filter::Hashed(const std::set<std::string>& values) {
  std::vector<Value> out;
  for (const std::string& v : values) out.push_back({Hash64(v), v});
  return out;
}

std::vector<std::vector<IndexKey>> Filter::Keys(uint32_t tracker) const {
  std::vector<std::vector<IndexKey>> keys;
  auto add = [&](IndexKind kind, const std::vector<Value>& values) {
    if (values.empty()) return;
    keys.emplace_back();
    for (const Value& v : values) {
      keys.back().push_back(MakeIndexKey(tracker, kind, v.hash));
    }
  };
  add(IndexKind::kTargetIdentity, identities_);
  add(IndexKind::kTag, tags_);
  add(IndexKind::kModel, models_);
  if (types_ != 0) {
    keys.emplace_back();
    for (TargetType t :
         {TargetType::kItem, TargetType::kCriteria, TargetType::kAll}) {
      if (types_ & (1u << static_cast<unsigned>(t))) {
        keys.back().push_back(MakeIndexKey(tracker, IndexKind::kTargetType,
                                           static_cast<uint64_t>(t)));
      }
    }
  }
  return keys;
}

}  // namespace libexport::internal
