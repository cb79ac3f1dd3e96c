// The filters of an export query (model, tag, target type, target
// identity) over a stored record, and the index keys the planner may walk
// for them.
#ifndef LIBEXPORT_SRC_FILTER_H_
#define LIBEXPORT_SRC_FILTER_H_

#include <cstdint>
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

// The filters of a query, hashed once.
class Filter {
 public:
  explicit Filter(const ExportQuery& q) : q_(q) {
    if (q.model) model_hash_ = Hash64(*q.model);
    if (q.tag) tag_hash_ = Hash64(*q.tag);
    if (q.target_identity) identity_hash_ = Hash64(*q.target_identity);
  }
  bool HasFilters() const {
    return q_.model || q_.tag || q_.target_type || q_.target_identity;
  }

  bool Matches(const RecordView& r) const {
    if (q_.target_type && r.target_type() != *q_.target_type) return false;
    if (q_.model && !RefEquals(r, r.model_ref(), model_hash_, *q_.model))
      return false;
    if (q_.target_identity &&
        !(r.has_target_identity() &&
          RefEquals(r, r.target_identity_ref(), identity_hash_,
                    *q_.target_identity))) {
      return false;
    }
    if (q_.tag) {
      for (size_t i = 0; i < r.tag_count(); ++i) {
        if (RefEquals(r, r.tag_ref(i), tag_hash_, *q_.tag)) return true;
      }
      return false;
    }
    return true;
  }

  // The index keys of the filters present, for the planner.
  std::vector<IndexKey> Keys(uint32_t tracker) const;

 private:
  const ExportQuery& q_;
  uint64_t model_hash_ = 0, tag_hash_ = 0, identity_hash_ = 0;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_FILTER_H_
