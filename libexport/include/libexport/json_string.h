// The one JSON string writer of the project: stored records, error bodies
// and the demo generator all escape strings the same way.
//
// Thread safety: a pure function.
#ifndef LIBEXPORT_JSON_STRING_H_
#define LIBEXPORT_JSON_STRING_H_

#include <string>
#include <string_view>

namespace libexport {

// Appends `s` as a JSON string, quotes included, in the canonical form of
// docs/store_format.md: '"', '\\' and control characters escaped (\b \f \n
// \r \t, else \u00xx with lower-case hex); '/' and non-ASCII bytes copied as
// they are. `s` should be valid UTF-8; other bytes are copied unchanged.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace libexport

#endif  // LIBEXPORT_JSON_STRING_H_
