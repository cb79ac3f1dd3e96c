// Importing a whole document, all or nothing: validate and encode every
// record first, then write them in one transaction.
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <numeric>

#include "customization.h"
#include "huge_page_allocator.h"
#include "index.h"
#include "libexport/store.h"
#include "raw_json.h"
#include "store_impl.h"

namespace libexport {

using internal::EncodedRecord;

namespace {

// A record ready to write: its value lives in a ValueArena. `number` is its
// line (NDJSON) or its index in "results" (JSON); Location() makes the text.
struct Pending {
  internal::Uuid id;
  size_t number = 0;
  std::string_view value;
};
using PendingList = std::vector<Pending, internal::HugePageAllocator<Pending>>;

std::string Location(bool json, size_t number) {
  return json ? "results[" + std::to_string(number) + "]"
              : "line " + std::to_string(number);
}

// Where the encoded values of a bulk write are kept until the write
// transaction copies them: 64 MiB blocks of anonymous memory that ask for
// transparent huge pages, filled front to back. One allocation per block
// instead of one per record, and one page fault per 2 MiB.
class ValueArena {
 public:
  ValueArena() = default;
  ValueArena(const ValueArena&) = delete;
  ValueArena& operator=(const ValueArena&) = delete;
  ~ValueArena() {
    for (const auto& [p, size] : blocks_) ::munmap(p, size);
  }

  std::string_view Add(std::string_view v) {
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

 private:
  static constexpr size_t kBlockBytes = size_t{64} << 20;
  std::vector<std::pair<char*, size_t>> blocks_;
  char* block_ = nullptr;
  size_t size_ = 0;
  size_t used_ = 0;
};

// Keeps the first kMaxReportedErrors errors and counts them all, so that a
// huge bad file cannot exhaust memory.
void AddError(ImportReport* report, RecordError error) {
  ++report->error_count;
  if (report->errors.size() < kMaxReportedErrors) {
    report->errors.push_back(std::move(error));
  }
}

// Encodes records into `out`, their values into `arena`.
class Encoder {
 public:
  Encoder(Timestamp now, bool json, ValueArena* arena, PendingList* out,
          ImportReport* report)
      : now_(now), json_(json), arena_(arena), out_(out), report_(report) {}

  void Text(std::string_view text, size_t number) {
    const Status st = internal::EncodeCustomizationJson(text, now_, &scratch_);
    if (!st.ok()) {
      syntax_error_ |= st.message().starts_with("invalid JSON");
      AddError(report_,
               RecordError{Location(json_, number), st.field(), st.message()});
      return;
    }
    out_->push_back(Pending{scratch_.id, number, arena_->Add(scratch_.value)});
  }
  // Whether a record so far was not JSON at all.
  bool syntax_error() const { return syntax_error_; }

 private:
  bool syntax_error_ = false;
  Timestamp now_;
  bool json_;
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
  internal::RawJsonReader r(doc);
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
  report->errors.clear();
  report->error_count = 0;
  AddError(report, std::move(error));
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

// Whether `key` sorts after every key of the table (then the sorted batch
// can be appended).
bool SortsAfterTable(MDB_txn* txn, MDB_dbi dbi,
                     const internal::RecordKey& key) {
  internal::Cursor c;
  if (c.Open(txn, dbi) != MDB_SUCCESS) return false;
  MDB_val k, v;
  int rc = c.Get(&k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) return true;
  return rc == MDB_SUCCESS && internal::ToView(k) < internal::KeyView(key);
}

}  // namespace

Status Store::Import(std::string_view tracker_id, std::string_view document,
                     const ImportOptions& options, ImportReport* report) {
  ImportReport local;
  if (report == nullptr) report = &local;
  *report = ImportReport{};
  {  // Fail fast on a missing tracker, before the expensive part.
    Impl::ReadTxn txn;
    LIBEXPORT_RETURN_IF_ERROR(impl_->BeginRead(&txn));
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn.get(), tracker_id, &e));
  }

  ImportFormat format = options.format == ImportFormat::kAuto
                            ? DetectFormat(document)
                            : options.format;
  const bool json = format == ImportFormat::kJson;
  ValueArena arena;
  PendingList pending;
  Encoder encoder(options.now, json, &arena, &pending, report);
  if (json) {
    EncodeJsonDocument(document, &encoder, &pending, report);
  } else {
    EncodeNdjson(document, &encoder);
  }

  // Ids in order: duplicates become neighbours, and records are written to
  // the B-tree front to back.
  std::stable_sort(
      pending.begin(), pending.end(),
      [](const Pending& a, const Pending& b) { return a.id < b.id; });
  for (size_t i = 1; i < pending.size(); ++i) {
    if (pending[i].id == pending[i - 1].id) {
      AddError(report,
               {Location(json, pending[i].number), "id",
                "duplicate id " + internal::UuidToString(pending[i].id) +
                    ", also at " + Location(json, pending[i - 1].number)});
    }
  }
  if (report->error_count > 0) {
    return Status::InvalidArgument(std::to_string(report->error_count) +
                                   " invalid record(s); nothing was imported");
  }

  size_t total = pending.size();
  Status st = impl_->Write([&](MDB_txn* txn) -> Status {
    report->inserted = report->replaced = report->skipped = 0;
    report->errors.clear();
    report->error_count = 0;
    internal::TrackerEntry e;
    LIBEXPORT_RETURN_IF_ERROR(impl_->FindTracker(txn, tracker_id, &e));
    internal::History history = impl_->MakeHistory(txn, &e);
    Impl::IndexEntries index_entries;
    // Every record has at most 3 + tags + pins index keys (header u16s at
    // bytes 2 and 4): one allocation for all of them.
    size_t max_entries = 0;
    for (const Pending& p : pending) {
      uint16_t tags, pins;
      std::memcpy(&tags, p.value.data() + 2, sizeof tags);
      std::memcpy(&pins, p.value.data() + 4, sizeof pins);
      max_entries += 3 + size_t{tags} + pins;
    }
    index_entries.reserve(max_entries);
    bool append =
        !pending.empty() &&
        SortsAfterTable(txn, impl_->records,
                        internal::MakeRecordKey(e.number, pending[0].id));
    size_t done = 0;
    for (const Pending& p : pending) {
      if (options.progress && (++done % 4096 == 0))
        options.progress(done, total);
      if (options.on_conflict != OnConflict::kOverride) {
        auto key = internal::MakeRecordKey(e.number, p.id);
        MDB_val k = internal::ToVal(internal::KeyView(key)), v;
        int rc = mdb_get(txn, impl_->records, &k, &v);
        if (rc == MDB_SUCCESS) {
          if (options.on_conflict == OnConflict::kIgnore) {
            ++report->skipped;
          } else {
            AddError(report, {Location(json, p.number), "id",
                              "customization " + internal::UuidToString(p.id) +
                                  " already exists (on_conflict=raise)"});
          }
          continue;
        }
        if (rc != MDB_NOTFOUND)
          return internal::LmdbStatus("mdb_get(records)", rc);
      }
      if (report->error_count > 0) continue;  // raise: only collect the rest
      Impl::PutOutcome outcome;
      LIBEXPORT_RETURN_IF_ERROR(impl_->PutRecord(
          txn, &history, p.id, p.value, &outcome, &index_entries, append));
      ++(outcome == Impl::PutOutcome::kInserted ? report->inserted
                                                : report->replaced);
    }
    if (report->error_count > 0) {
      return Status::AlreadyExists(
          std::to_string(report->error_count) +
          " customization id(s) already exist; nothing was imported");
    }
    std::sort(index_entries.begin(), index_entries.end(),
              internal::IndexEntryLess{});
    bool appended = false;
    LIBEXPORT_RETURN_IF_ERROR(internal::AppendIndexEntries(
        txn, impl_->index, index_entries, &appended));
    if (!appended) {
      LIBEXPORT_RETURN_IF_ERROR(impl_->PutIndexEntries(txn, index_entries));
    }
    if (options.progress) options.progress(total, total);
    return impl_->FinishHistory(txn, &history, tracker_id);
  });
  if (!st.ok()) report->inserted = report->replaced = report->skipped = 0;
  return st;
}

}  // namespace libexport
