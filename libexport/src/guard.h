// No exception leaves libexport: every public Store and Snapshot method is a
// function-try-block whose handler returns CurrentExceptionStatus(), turning
// an exception (from the standard library, from simdjson, or from a
// caller's ExportSink) into a Status. RAII has aborted any LMDB transaction
// by then, so nothing is half written.
#ifndef LIBEXPORT_SRC_GUARD_H_
#define LIBEXPORT_SRC_GUARD_H_

#include <exception>
#include <new>
#include <string>

#include "libexport/status.h"

namespace libexport::internal {

// The Status of the exception being handled: bad_alloc is
// ResourceExhausted("out of memory"), anything else Internal with its
// what(). Built without allocating when memory is what ran out. Call only
// from a catch handler.
inline Status CurrentExceptionStatus() noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("out of memory");
  } catch (const std::exception& e) {
    try {
      return Status::Internal(std::string("exception: ") + e.what());
    } catch (...) {
      return Status::Internal("exception");
    }
  } catch (...) {
    return Status::Internal("exception");
  }
}

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_GUARD_H_
