// The tracker export file of `exportctl tracker export` / `tracker import`:
// one JSON document with everything a tracker is, so a restored tracker
// exports and prunes as the original did.
//
//   {"libexport_tracker":1,"tracker":"shop","exported_at":"...",
//    ["key":"...",]"catalog":["/p/1/",...],"results":[...]}
//
// "results" comes last and is the tracker's export (no filter, no pruning,
// `available` at exported_at): the file is also an export document, which
// `exportctl import --format json` reads (Store::Import ignores the other
// members). "catalog" is sorted bytewise. "key" only with --with-key.
#ifndef LIBEXPORT_APP_TRACKER_FILE_H_
#define LIBEXPORT_APP_TRACKER_FILE_H_

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/store.h"

namespace libexport::app {

// What a tracker file holds besides its results.
struct TrackerFileHead {
  std::string tracker;
  std::optional<std::string> key;
  std::vector<std::string> catalog;
};

// Writes the file of `tracker` to `out`, exported at `now`. Throws Failure
// (no such tracker, a store error, a failed write).
void WriteTrackerFile(const Store& store, const std::string& tracker,
                      bool with_key, Timestamp now, std::ostream& out);

// The head of a tracker file (`name` is for messages). Throws Failure naming
// the file and the member: not JSON, no "libexport_tracker": 1, a member of
// the wrong type. (The catalog's identities are checked by the import.)
TrackerFileHead ParseTrackerFileHead(std::string_view document,
                                     const std::string& name);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_TRACKER_FILE_H_
