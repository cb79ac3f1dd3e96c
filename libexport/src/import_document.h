// Reading an import document: the records of a JSON export document or of
// NDJSON, each validated and encoded (customization.h) into a list sorted by
// id, every bad record and every repeated id reported. No store access.
#ifndef LIBEXPORT_SRC_IMPORT_DOCUMENT_H_
#define LIBEXPORT_SRC_IMPORT_DOCUMENT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "huge_page_allocator.h"
#include "libexport/store.h"
#include "record.h"

namespace libexport::internal {

// Where the encoded values of a bulk write are kept until the write
// transaction copies them: 64 MiB blocks of anonymous memory that ask for
// transparent huge pages, filled front to back. One allocation per block
// instead of one per record, and one page fault per 2 MiB.
class ValueArena {
 public:
  ValueArena() = default;
  ValueArena(const ValueArena&) = delete;
  ValueArena& operator=(const ValueArena&) = delete;
  ~ValueArena();

  // A copy of `v` that lives as long as the arena. Throws std::bad_alloc.
  std::string_view Add(std::string_view v);

 private:
  static constexpr size_t kBlockBytes = size_t{64} << 20;
  std::vector<std::pair<char*, size_t>> blocks_;
  char* block_ = nullptr;
  size_t size_ = 0;
  size_t used_ = 0;
};

// A record ready to write: its value lives in a ValueArena. `number` is its
// line (NDJSON) or its index in "results" (JSON); ImportLocation() makes the
// text.
struct PendingRecord {
  Uuid id;
  size_t number = 0;
  std::string_view value;
};
using PendingList =
    std::vector<PendingRecord, HugePageAllocator<PendingRecord>>;

// "results[12]" (JSON, 0-based) or "line 13" (NDJSON, 1-based).
std::string ImportLocation(bool json, size_t number);

// Counts `error` in report->error_count and keeps it while fewer than
// kMaxReportedErrors are kept, so that a huge bad file cannot exhaust memory.
void AddImportError(ImportReport* report, RecordError error);

// Reads `document` (format kAuto: detected from its first bytes) and encodes
// every record with `now` for missing times, values into `arena`, into
// `pending` sorted by id. Bad records and repeated ids go into `report`,
// and every record is counted in report->records (nothing else of it is
// touched). Past `max_records` (0: no cap) records are only counted, not
// encoded: the caller refuses the document. Returns whether the document
// was JSON. Throws std::bad_alloc.
bool ReadImportDocument(std::string_view document, ImportFormat format,
                        Timestamp now, size_t max_records, ValueArena* arena,
                        PendingList* pending, ImportReport* report);

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_IMPORT_DOCUMENT_H_
