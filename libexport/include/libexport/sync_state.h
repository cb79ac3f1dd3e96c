// What a mirror remembers about the upstream it copies a tracker from
// (`exportctl sync`): kept in the local store, written in the same
// transaction as the data it describes, so the data and the state that
// produced it never disagree (Store::SyncStateOf, ImportOptions::sync_state,
// docs/store_format.md "Sync state").
#ifndef LIBEXPORT_SYNC_STATE_H_
#define LIBEXPORT_SYNC_STATE_H_

#include <string>

namespace libexport {

struct SyncState {
  std::string upstream;        // the upstream's base URL
  std::string remote_tracker;  // the tracker copied there
  // The ETag of the last full export applied; empty when the upstream sent
  // none. Sent back as If-None-Match.
  std::string etag;
  // The upstream cursor the local data equals; empty when none is known
  // (then the next incremental sync starts from the beginning).
  std::string cursor;

  bool empty() const {
    return upstream.empty() && remote_tracker.empty() && etag.empty() &&
           cursor.empty();
  }
  bool operator==(const SyncState& o) const {
    return upstream == o.upstream && remote_tracker == o.remote_tracker &&
           etag == o.etag && cursor == o.cursor;
  }
};

}  // namespace libexport

#endif  // LIBEXPORT_SYNC_STATE_H_
