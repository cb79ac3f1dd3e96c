// The filters of an export query (model, tag, target type, target
// identity, each a set of values) over a stored record, and the index keys
// the planner may walk for them.
#ifndef LIBEXPORT_SRC_FILTER_H_
#define LIBEXPORT_SRC_FILTER_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "keys.h"
#include "libexport/query.h"
#include "record.h"

namespace libexport::internal {

// Whether a string ref holds `want` (whose hash is `hash`).
inline bool RefEquals(const RecordView& r, const StrRef& ref, uint64_t hash,
                      std::string_view want) {
  return ref.hash == hash && r.str(ref) == want;
}

// The filters of a query, hashed once. Within a filter any value matches;
// across filters all must. Holds views into the query, which must outlive
// it.
class Filter {
 public:
  explicit Filter(const ExportQuery& q);

  bool Matches(const RecordView& r) const {
    if (types_ != 0 &&
        (types_ & (1u << static_cast<unsigned>(r.target_type()))) == 0) {
      return false;
    }
    if (!models_.empty() && !AnyEquals(r, r.model_ref(), models_)) return false;
    if (!identities_.empty() &&
        !(r.has_target_identity() &&
          AnyEquals(r, r.target_identity_ref(), identities_))) {
      return false;
    }
    if (!tags_.empty()) {
      for (size_t i = 0; i < r.tag_count(); ++i) {
        if (AnyEquals(r, r.tag_ref(i), tags_)) return true;
      }
      return false;
    }
    return true;
  }

  // Per filter present, the index keys of its values (one key per value;
  // the filter's candidates are the union of their id lists), for the
  // planner.
  std::vector<std::vector<IndexKey>> Keys(uint32_t tracker) const;

 private:
  struct Value {
    uint64_t hash;
    std::string_view text;  // into the query's set
  };
  static std::vector<Value> Hashed(const std::set<std::string>& values);
  static bool AnyEquals(const RecordView& r, const StrRef& ref,
                        const std::vector<Value>& values) {
    for (const Value& v : values) {
      if (RefEquals(r, ref, v.hash, v.text)) return true;
    }
    return false;
  }

  std::vector<Value> models_, tags_, identities_;
  unsigned types_ = 0;  // a bit per TargetType
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_FILTER_H_
