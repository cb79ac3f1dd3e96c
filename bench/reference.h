// The reference answer of an export, computed from the NDJSON the store was
// loaded from, without the engine: simdjson DOM, a hash set for the catalog
// and our own RFC 3339 parser. Also the normalizer that makes any
// implementation's output comparable with it.
#ifndef LIBEXPORT_BENCH_REFERENCE_H_
#define LIBEXPORT_BENCH_REFERENCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench_cases.h"
#include "libexport/time.h"

namespace libexport::bench {

class Reference {
 public:
  // Parses every line once. Returns false and sets `error` on bad input.
  bool Build(std::string_view ndjson, const std::vector<std::string>& catalog,
             std::string* error);

  // The expected records of a case, normalized (NormalizeExport's form),
  // ordered by id.
  std::vector<std::string> Expected(const Filters& f, const Pruning& p,
                                    Timestamp now) const;

 private:
  struct Pin {
    std::string normalized;
    bool is_item = false;
    bool in_catalog = false;
    int64_t from_us = INT64_MIN;
    int64_t to_us = INT64_MAX;
  };
  struct Record {
    std::string id, model, target_type, target_identity;
    std::vector<std::string> tags;
    std::string head;  // normalized text up to `"pin_definitions":`
    std::string tail;  // normalized text after the pins, without the `}`
    std::vector<Pin> pins;
  };
  std::vector<Record> records_;  // ordered by id
};

// Parses an export document {"results":[...]} and re-serializes each result
// in one fixed form (keys in document order, compact, our escaping and
// shortest numbers), so byte-different but equal JSON compares equal.
bool NormalizeExport(std::string_view document,
                     std::vector<std::string>* records, std::string* error);

// "" when equal; else a short description of the first difference.
std::string Compare(const std::vector<std::string>& expected,
                    const std::vector<std::string>& actual);

// Checks `document` against `expected`: "" when it matches.
std::string CheckExport(std::string_view document,
                        const std::vector<std::string>& expected);

}  // namespace libexport::bench

#endif  // LIBEXPORT_BENCH_REFERENCE_H_
