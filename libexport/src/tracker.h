// A tracker's entry in the trackers table (docs/store_format.md,
// "Trackers"): its number (the key prefix of everything it owns), the size
// of its catalog and its signing key.
#ifndef LIBEXPORT_SRC_TRACKER_H_
#define LIBEXPORT_SRC_TRACKER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "libexport/status.h"

namespace libexport::internal {

struct TrackerEntry {
  uint32_t number = 0;
  uint64_t catalog_items = 0;
  std::string key;
};
std::string EncodeTrackerEntry(const TrackerEntry& e);
// Corruption("bad tracker entry") when `v` is not one.
Status DecodeTrackerEntry(std::string_view v, TrackerEntry* out);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_TRACKER_H_
