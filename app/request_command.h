// `exportctl request`: sends a signed export POST and prints the body, or
// prints the equivalent shell (date, printf, openssl, curl) with
// --print-curl.
#ifndef LIBEXPORT_APP_REQUEST_COMMAND_H_
#define LIBEXPORT_APP_REQUEST_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace libexport::app {

// `args` are the words after `request`:
//   TRACKER --url URL --key KEY [--model M] [--tag T] [--target-type X]
//   [--target-identity I] [--remove-expired-pins]
//   [--remove-nonexisting-item-pins] [--print-curl] [--insecure]
//   [--ca-cert FILE]
// The response body goes to `out` for a 2xx, to `err` otherwise. Returns 0
// for a 2xx, 1 for any other status, 2 for bad usage, 3 when the request
// could not be sent.
int RunRequestCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_REQUEST_COMMAND_H_
