// exportctl: the admin and client command line, as a function so tests can
// run it in-process. exportctl_main.cpp is the tiny main.
#ifndef LIBEXPORT_APP_EXPORTCTL_H_
#define LIBEXPORT_APP_EXPORTCTL_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace libexport::app {

// Runs one command; `args` are the words after the program name. Writes
// results to `out`, messages and errors to `err`. Returns the exit code:
// 0 success, 1 the command failed (bad data, unknown tracker, ...),
// 2 usage error.
int RunExportctl(const std::vector<std::string>& args, std::istream& in,
                 std::ostream& out, std::ostream& err);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_EXPORTCTL_H_
