// A tracker's entry in the trackers table (docs/store_format.md,
// "Trackers"): its number (the key prefix of everything it owns), the size
// of its catalog, its signing key and, after a rotation with a grace period,
// the previous key and until when it is still accepted.
#ifndef LIBEXPORT_SRC_TRACKER_H_
#define LIBEXPORT_SRC_TRACKER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libexport/status.h"
#include "libexport/time.h"

namespace libexport::internal {

struct TrackerEntry {
  uint32_t number = 0;
  uint64_t catalog_items = 0;
  // The history (docs/store_format.md, "History"): a random id chosen when
  // the tracker is created, the last change sequence given out, the highest
  // sequence of a tombstone compaction deleted (a cursor before it is gone),
  // and where the next compaction step resumes.
  uint64_t generation = 0;
  uint64_t seq = 0;
  uint64_t compacted_through = 0;
  uint64_t compact_from = 0;
  std::string key;
  // Empty unless a rotation kept the old key valid for a while.
  std::string previous_key;
  Timestamp previous_valid_until;
};
// A random non-zero generation (OpenSSL's CSPRNG).
uint64_t NewGeneration();
// The key a caller gave (InvalidArgument, field "key", when empty), or a
// new random one: 32 bytes of OpenSSL's CSPRNG, hex-encoded.
Result<std::string> ChosenOrGeneratedKey(std::optional<std::string> key);

// Entry version 3 (store format 2).
std::string EncodeTrackerEntry(const TrackerEntry& e);
// Reads versions 1 and 2 (store format 1, for the migration; their history
// fields are 0) and 3. Corruption("bad tracker entry") when `v` is none.
Status DecodeTrackerEntry(std::string_view v, TrackerEntry* out);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_TRACKER_H_
