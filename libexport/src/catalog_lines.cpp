// ParseCatalogLines: the one reader of "one identity per line" text (the
// catalog files of exportctl and the body of the HTTP catalog bulk route).
#include "guard.h"
#include "libexport/store.h"

namespace libexport {

Status ParseCatalogLines(std::string_view text,
                         std::vector<std::string>* identities) try {
  identities->clear();
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.find_first_not_of(" \t\r\f\v") == std::string_view::npos) {
      identities->clear();
      return Status::InvalidArgument("line " + std::to_string(line_no) +
                                         ": the identity is only whitespace",
                                     "line " + std::to_string(line_no));
    }
    identities->emplace_back(line);
  }
  return Status::Ok();
} catch (...) {
  identities->clear();
  return internal::CurrentExceptionStatus();
}

}  // namespace libexport
