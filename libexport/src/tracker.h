// A tracker's entry in the trackers table (docs/store_format.md,
// "Trackers"): its number (the key prefix of everything it owns), the size
// of its catalog, its signing key and, after a rotation with a grace period,
// the previous key and until when it is still accepted.
#ifndef LIBEXPORT_SRC_TRACKER_H_
#define LIBEXPORT_SRC_TRACKER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "libexport/status.h"
#include "libexport/time.h"

namespace libexport::internal {

struct TrackerEntry {
  uint32_t number = 0;
  uint64_t catalog_items = 0;
  std::string key;
  // Empty unless a rotation kept the old key valid for a while.
  std::string previous_key;
  Timestamp previous_valid_until;
};
// Entry version 1 without a previous key (as older libexport wrote it),
// version 2 with one.
std::string EncodeTrackerEntry(const TrackerEntry& e);
// Corruption("bad tracker entry") when `v` is not one.
Status DecodeTrackerEntry(std::string_view v, TrackerEntry* out);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_TRACKER_H_
