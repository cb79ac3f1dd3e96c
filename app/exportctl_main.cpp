#include <iostream>
#include <string>
#include <vector>

#include "exportctl.h"
#ifdef LIBEXPORT_HAVE_HTTP_CLIENT
#include "signed_client.h"
#endif

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
#ifdef LIBEXPORT_HAVE_HTTP_CLIENT
  if (!args.empty() && args[0] == "request") {
    return RunRequestCommand({args.begin() + 1, args.end()}, std::cout,
                             std::cerr);
  }
#endif
  return libexport::app::RunExportctl(args, std::cin, std::cout, std::cerr);
}
