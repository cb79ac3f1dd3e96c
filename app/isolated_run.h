// A check that may crash run in a child process, so that the crash becomes
// a report. LMDB 0.9 has no page checksums and asserts (then aborts) on
// some damaged pages; `exportctl verify` reads every page, so it runs there.
#ifndef LIBEXPORT_APP_ISOLATED_RUN_H_
#define LIBEXPORT_APP_ISOLATED_RUN_H_

#include <functional>
#include <string>
#include <string_view>

#include "exportctl_commands.h"

namespace libexport::app {

// Tells the parent where the child is ("tracker shop"); the last note names
// where a crash happened.
using Note = std::function<void(std::string_view where)>;

struct IsolatedResult {
  int exit_code = 0;  // the child's, when it exited
  int signal = 0;     // the signal that ended it (SIGABRT for an assertion)
  std::string last_note;
};

// Runs `body` in a forked child with no core dump; the child writes to the
// same stdout and stderr (s.out and s.err are flushed first). A Failure the
// body throws is thrown again here, in the parent. Nothing the child opens
// (the store: LMDB forbids sharing an environment across fork) is open in
// the parent. Throws Failure when the child cannot be started.
IsolatedResult RunIsolated(Session& s,
                           const std::function<int(const Note&)>& body);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_ISOLATED_RUN_H_
