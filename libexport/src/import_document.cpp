// Reading an import document (import_document.h): the fast split of the
// common export shape, the strict reader for everything else, NDJSON lines.
#include "import_document.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "customization.h"
#include "raw_json.h"

namespace libexport::internal {

ValueArena::~ValueArena() {
  for (const auto& [p, size] : blocks_) ::munmap(p, size);
}

std::string_view ValueArena::Add(std::string_view v) {
  if (v.size() > size_ - used_) {
    const size_t size = std::max(kBlockBytes, v.size());
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::madvise(p, size, MADV_HUGEPAGE);  // a hint; may be refused
    blocks_.emplace_back(static_cast<char*>(p), size);
    block_ = static_cast<char*>(p);
    size_ = size;
    used_ = 0;
  }
  char* at = block_ + used_;
  std::memcpy(at, v.data(), v.size());
  used_ += v.size();
  return {at, v.size()};
}

std::string ImportLocation(bool json, size_t number) {
  return json ? "results[" + std::to_string(number) + "]"
              : "line " + std::to_string(number);
}

void AddImportError(ImportReport* report, RecordError error) {
  ++report->error_count;
  if (report->errors.size() < report->max_errors) {
    report->errors.push_back(std::move(error));
  }
}

namespace {

// Encodes records into `out`, their values into `arena`.
class Encoder {
 public:
  Encoder(Timestamp now, bool json, size_t max_records, ValueArena* arena,
          PendingList* out, ImportReport* report)
      : now_(now),
        json_(json),
        max_records_(max_records),
        arena_(arena),
        out_(out),
        report_(report) {}

  void Text(std::string_view text, size_t number) {
    ++report_->records;
    if (max_records_ > 0 && report_->records > max_records_) return;
    const Status st = EncodeCustomizationJson(text, now_, &scratch_);
    if (!st.ok()) {
      syntax_error_ |= st.message().starts_with("invalid JSON");
      AddImportError(report_, RecordError{ImportLocation(json_, number),
                                          st.field(), st.message()});
      return;
    }
    out_->push_back(
        PendingRecord{scratch_.id, number, arena_->Add(scratch_.value)});
  }
  // Whether a record so far was not JSON at all.
  bool syntax_error() const { return syntax_error_; }

 private:
  bool syntax_error_ = false;
  Timestamp now_;
  bool json_;
  size_t max_records_;
  ValueArena* arena_;
  PendingList* out_;
  ImportReport* report_;
  EncodedRecord scratch_;  // its buffer is reused from record to record
};

bool IsBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

ImportFormat DetectFormat(std::string_view doc) {
  size_t at = doc.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos) return ImportFormat::kNdjson;
  std::string_view rest = doc.substr(at + 1);
  size_t key = rest.find_first_not_of(" \t\r\n");
  bool results = doc[at] == '{' && key != std::string_view::npos &&
                 rest.substr(key).starts_with("\"results\"");
  return results ? ImportFormat::kJson : ImportFormat::kNdjson;
}

constexpr bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The common shape of a JSON document, `{"results":[{...},{...}]}` (maybe
// followed by an export's `"pruned":[...]`) with only whitespace around the
// tokens, split into the elements' texts without
// parsing them. False for anything else (non-object elements, other keys,
// escapes in "results", deep nesting, a syntax error): the caller then
// parses the whole document, which reports exactly what is wrong.
bool SplitResults(std::string_view doc, std::vector<std::string_view>* out) {
  constexpr int kMaxDepth = 1000;  // below simdjson's whole-document limit
  const char* p = doc.data();
  const char* const end = p + doc.size();
  auto skip = [&] {
    while (p < end && IsSpace(*p)) ++p;
  };
  auto take = [&](std::string_view token) {
    skip();
    if (static_cast<size_t>(end - p) < token.size() ||
        std::string_view(p, token.size()) != token) {
      return false;
    }
    p += token.size();
    return true;
  };
  // From the '{' or '[' at p to just past its match, strings skipped.
  auto skip_nested = [&] {
    int depth = 0;
    while (true) {
      if (p == end) return false;
      const char c = *p++;
      if (c == '"') {
        // The closing quote: the next '"' after an even run of
        // backslashes (an odd run escapes it).
        while (true) {
          const char* q = static_cast<const char*>(
              std::memchr(p, '"', static_cast<size_t>(end - p)));
          if (q == nullptr) return false;
          const char* r = q;
          while (r > p && r[-1] == '\\') --r;
          p = q + 1;
          if ((q - r) % 2 == 0) break;
        }
      } else if (c == '{' || c == '[') {
        if (++depth > kMaxDepth) return false;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return true;
      }
    }
  };
  if (!take("{") || !take("\"results\"") || !take(":") || !take("[")) {
    return false;
  }
  skip();
  if (p < end && *p == ']') {
    ++p;
  } else {
    while (true) {
      skip();
      if (p == end || *p != '{') return false;
      const char* begin = p;
      if (!skip_nested()) return false;
      out->emplace_back(begin, static_cast<size_t>(p - begin));
      skip();
      if (p == end) return false;
      if (*p == ']') {
        ++p;
        break;
      }
      if (*p++ != ',') return false;
    }
  }
  // An export's prune report: ignored (it describes, it is not data).
  skip();
  if (p < end && *p == ',') {
    ++p;
    if (!take("\"pruned\"") || !take(":")) return false;
    skip();
    if (p == end || *p != '[' || !skip_nested()) return false;
  }
  if (!take("}")) return false;
  skip();
  return p == end;
}

// Any other document: read strictly (RFC 8259), the elements of its one
// "results" member split out, every other top-level member checked and
// ignored (an export's "pruned" report, for instance). False with `error`
// set when the document is not one.
bool ReadDocument(std::string_view doc, std::vector<std::string_view>* out,
                  RecordError* error) {
  RawJsonReader r(doc);
  auto fail = [&](std::string field, std::string message) {
    *error = RecordError{"document", std::move(field), std::move(message)};
    return false;
  };
  auto syntax = [&] { return fail("", r.error()); };
  if (r.Peek() != '{') {
    if (!r.Value(nullptr)) return syntax();
    return fail("", "the document must be an object {\"results\":[...]}");
  }
  r.Consume('{');
  bool have_results = false;
  if (!r.Consume('}')) {
    std::string name;
    while (true) {
      if (r.Peek() != '"') {
        r.Fail("expected a member name (a string)");
        return syntax();
      }
      name.clear();
      if (!r.String(nullptr, &name)) return syntax();
      if (!r.Consume(':')) {
        r.Fail("expected ':' after a member name");
        return syntax();
      }
      if (name != "results") {
        if (!r.Value(nullptr, 1)) return syntax();
      } else if (have_results) {
        return fail("results",
                    "given more than once; a document has one \"results\" "
                    "member");
      } else if (r.Peek() != '[') {
        return fail("results", "must be an array of customizations");
      } else {
        have_results = true;
        r.Consume('[');
        if (!r.Consume(']')) {
          while (true) {
            r.SkipSpace();
            const size_t begin = r.pos();
            if (!r.Value(nullptr, 2)) return syntax();
            out->push_back(doc.substr(begin, r.pos() - begin));
            if (r.Consume(']')) break;
            if (!r.Consume(',')) {
              r.Fail("expected ',' or ']'");
              return syntax();
            }
          }
        }
      }
      if (r.Consume('}')) break;
      if (!r.Consume(',')) {
        r.Fail("expected ',' or '}'");
        return syntax();
      }
    }
  }
  r.SkipSpace();
  if (!r.AtEnd()) {
    r.Fail("unexpected text after the document");
    return syntax();
  }
  if (!have_results) return fail("results", "missing");
  return true;
}

// The common shape is split without a full read (SplitResults); each
// element is then read strictly when it is encoded.
// When a split element is not JSON, the document is not either: then the
// document's error is the one reported, as when the split is refused.
void EncodeJsonDocument(std::string_view doc, Encoder* encoder,
                        PendingList* pending, ImportReport* report) {
  std::vector<std::string_view> elements;
  RecordError error;
  if (SplitResults(doc, &elements)) {
    for (size_t i = 0; i < elements.size(); ++i) {
      encoder->Text(elements[i], i);
    }
    if (!encoder->syntax_error()) return;
    elements.clear();
    if (ReadDocument(doc, &elements, &error)) return;  // the records' errors
  } else {
    elements.clear();
    if (ReadDocument(doc, &elements, &error)) {
      for (size_t i = 0; i < elements.size(); ++i) {
        encoder->Text(elements[i], i);
      }
      return;
    }
  }
  pending->clear();
  report->records = 0;
  report->errors.clear();
  report->error_count = 0;
  AddImportError(report, std::move(error));
}

void EncodeNdjson(std::string_view doc, Encoder* encoder) {
  size_t line_no = 0;
  while (!doc.empty()) {
    size_t nl = doc.find('\n');
    std::string_view line = doc.substr(0, nl);
    doc.remove_prefix(nl == std::string_view::npos ? doc.size() : nl + 1);
    ++line_no;
    if (IsBlank(line)) continue;
    encoder->Text(line, line_no);
  }
}

}  // namespace

bool ReadImportDocument(std::string_view document, ImportFormat format,
                        Timestamp now, size_t max_records, ValueArena* arena,
                        PendingList* pending, ImportReport* report) {
  if (format == ImportFormat::kAuto) format = DetectFormat(document);
  const bool json = format == ImportFormat::kJson;
  Encoder encoder(now, json, max_records, arena, pending, report);
  if (json) {
    EncodeJsonDocument(document, &encoder, pending, report);
  } else {
    EncodeNdjson(document, &encoder);
  }
  // Ids in order: duplicates become neighbours, and records are written to
  // the B-tree front to back.
  std::stable_sort(pending->begin(), pending->end(),
                   [](const PendingRecord& a, const PendingRecord& b) {
                     return a.id < b.id;
                   });
  for (size_t i = 1; i < pending->size(); ++i) {
    const PendingRecord& p = (*pending)[i];
    const PendingRecord& before = (*pending)[i - 1];
    if (p.id == before.id) {
      AddImportError(report,
                     {ImportLocation(json, p.number), "id",
                      "duplicate id " + UuidToString(p.id) + ", also at " +
                          ImportLocation(json, before.number)});
    }
  }
  return json;
}

}  // namespace libexport::internal
