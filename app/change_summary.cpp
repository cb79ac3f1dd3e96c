#include "change_summary.h"

#include <vector>

namespace libexport::app {

std::string ChangeSummary(const ImportReport& report) {
  return "+" + std::to_string(report.inserted) + " ~" +
         std::to_string(report.replaced) + " -" +
         std::to_string(report.removed);
}

void PrintChangedIds(const ImportReport& report, std::ostream& out) {
  const auto print = [&out](char mark, const std::vector<std::string>& ids,
                            size_t count) {
    for (const std::string& id : ids) out << mark << " " << id << "\n";
    if (count > ids.size()) {
      out << "  ... and " << count - ids.size() << " more\n";
    }
  };
  print('+', report.inserted_ids, report.inserted);
  print('~', report.replaced_ids, report.replaced);
  print('-', report.removed_ids, report.removed);
}

}  // namespace libexport::app
