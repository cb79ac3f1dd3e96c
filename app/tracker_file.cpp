#include "tracker_file.h"

#include <simdjson.h>

#include "cli.h"
#include "exportctl_commands.h"
#include "libexport/json_string.h"
#include "libexport/query.h"

namespace libexport::app {
namespace {

// The export's bytes after its opening '{', so they continue our object.
class ContinuingSink : public ExportSink {
 public:
  explicit ContinuingSink(std::ostream& out) : out_(out) {}
  bool Write(std::string_view chunk) override {
    if (first_ && !chunk.empty()) {
      chunk.remove_prefix(1);  // the document's '{'
      first_ = false;
    }
    out_.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    return static_cast<bool>(out_);
  }

 private:
  std::ostream& out_;
  bool first_ = true;
};

}  // namespace

void WriteTrackerFile(const Store& store, const std::string& tracker,
                      bool with_key, Timestamp now, std::ostream& out) {
  std::vector<std::string> catalog;
  Session::Check(store.ListCatalog(tracker, &catalog));
  std::string head = "{\"libexport_tracker\":1,\"tracker\":";
  AppendJsonString(&head, tracker);
  head += ",\"exported_at\":";
  AppendJsonString(&head, FormatRfc3339(now, 9));
  if (with_key) {
    Result<std::string> key = store.TrackerKey(tracker);
    Session::Check(key.status());
    head += ",\"key\":";
    AppendJsonString(&head, *key);
  }
  head += ",\"catalog\":[";
  for (size_t i = 0; i < catalog.size(); ++i) {
    if (i > 0) head += ',';
    AppendJsonString(&head, catalog[i]);
  }
  head += "],";
  out << head;
  Result<ExportQuery> query = ParseExportQuery(tracker, {}, now, {});
  Session::Check(query.status());
  ContinuingSink sink(out);
  const Status st = store.Export(*query, sink);
  out.flush();
  if (!out) throw Failure{WriteError(out)};
  Session::Check(st);
}

TrackerFileHead ParseTrackerFileHead(std::string_view document,
                                     const std::string& name) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(document);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) {
    throw Failure{name + ": not JSON (" +
                  std::string(simdjson::error_message(error)) + ")"};
  }
  int64_t version = 0;
  if (root["libexport_tracker"].get(version) != simdjson::SUCCESS ||
      version != 1) {
    throw Failure{name +
                  ": not a tracker export file (no \"libexport_tracker\": 1; "
                  "an export document is read by `exportctl import`)"};
  }
  TrackerFileHead head;
  std::string_view text;
  if (root["tracker"].get(text) != simdjson::SUCCESS) {
    throw Failure{name + ": \"tracker\" must be a string"};
  }
  head.tracker = std::string(text);
  auto key = root["key"];
  if (key.error() != simdjson::NO_SUCH_FIELD) {
    if (key.get(text) != simdjson::SUCCESS) {
      throw Failure{name + ": \"key\" must be a string"};
    }
    head.key = std::string(text);
  }
  simdjson::dom::array catalog;
  if (root["catalog"].get(catalog) != simdjson::SUCCESS) {
    throw Failure{name + ": \"catalog\" must be an array of strings"};
  }
  size_t i = 0;
  for (simdjson::dom::element item : catalog) {
    const std::string where = name + ": catalog[" + std::to_string(i++) + "]";
    if (item.get(text) != simdjson::SUCCESS) {
      throw Failure{where + " must be a string"};
    }
    head.catalog.emplace_back(text);
  }
  return head;
}

}  // namespace libexport::app
