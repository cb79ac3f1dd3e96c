// What a write did to a tracker, the way `exportctl import --replace`,
// `import --dry-run` and `exportctl sync` print it: "+12 ~3 -5" (inserted,
// changed, removed) and, on request, one line per id.
#ifndef LIBEXPORT_APP_CHANGE_SUMMARY_H_
#define LIBEXPORT_APP_CHANGE_SUMMARY_H_

#include <ostream>
#include <string>

#include "libexport/store.h"

namespace libexport::app {

// "+12 ~3 -5" from report.inserted, replaced and removed.
std::string ChangeSummary(const ImportReport& report);

// "+ <id>", "~ <id>", "- <id>" lines, each list in id order, each followed
// by "  ... and N more" when the report kept only the first ids.
void PrintChangedIds(const ImportReport& report, std::ostream& out);

}  // namespace libexport::app

#endif  // LIBEXPORT_APP_CHANGE_SUMMARY_H_
