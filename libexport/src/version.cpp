#include "libexport/version.h"

namespace libexport {

std::string VersionLine(std::string_view program) {
  std::string line(program);
  line += ' ';
  line += kVersion;
  if (!kGitCommit.empty()) {
    line += " (git ";
    line += kGitCommit;
    line += ')';
  }
  return line;
}

}  // namespace libexport
