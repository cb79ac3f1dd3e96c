// A request body as the routes read it: in memory while it is small, past
// a threshold in a spool file, so that a bulk or restore body larger than
// memory is never held whole in the heap.
//
// The spool file is created in the store's directory with O_TMPFILE (or,
// where the file system lacks it, mkstemp and an immediate unlink): it has
// no name, mode 0600, and disappears when the RequestBody is destroyed or
// the process dies (with the fallback, a crash between mkstemp and unlink
// can leave a `.spool-XXXXXX` file behind). Once the last byte is in, Finish
// maps it read-only and view() points into the mapping.
//
// Thread-safety: one request's, used by one thread.
#ifndef LIBEXPORT_SRC_HTTP_REQUEST_BODY_H_
#define LIBEXPORT_SRC_HTTP_REQUEST_BODY_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "libexport/status.h"

namespace libexport::http {

class RequestBody {
 public:
  // Bodies over `spool_threshold` bytes go to a file in `spool_dir`.
  RequestBody(std::string spool_dir, size_t spool_threshold);
  ~RequestBody();
  RequestBody(const RequestBody&) = delete;
  RequestBody& operator=(const RequestBody&) = delete;

  // Appends the next bytes. Errors: IOError ("spool: write: No space left
  // on device"); the body is then unusable.
  Status Append(std::string_view bytes);
  // The last byte is in: maps a spooled body. Errors: IOError.
  Status Finish();

  // The whole body, valid until destruction. Call after Finish.
  std::string_view view() const;
  size_t size() const { return size_; }
  bool spooled() const { return fd_ >= 0; }

 private:
  Status Spool();  // opens the file and moves the memory body into it
  Status Flush();  // writes buffer_ to the file

  std::string spool_dir_;
  size_t spool_threshold_;
  size_t size_ = 0;
  std::string buffer_;  // the body, or (spooled) bytes not yet written
  int fd_ = -1;
  void* map_ = nullptr;
};

}  // namespace libexport::http

#endif  // LIBEXPORT_SRC_HTTP_REQUEST_BODY_H_
