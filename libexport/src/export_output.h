// An export's bytes on their way to its sink. Small pieces (separators,
// the `available` suffix, records of ordinary size) are copied into a batch
// of about kExportBatchBytes, handed to the sink when full; a piece of that
// size or more (one large stored record, viewed in the read transaction's
// map) goes to the sink as it is, after the batch before it: it is never
// copied, so an export's memory does not grow with its largest record.
//
// Not thread-safe; one per export. Every piece must stay valid until
// Append returns (views into a live read transaction do).
#ifndef LIBEXPORT_SRC_EXPORT_OUTPUT_H_
#define LIBEXPORT_SRC_EXPORT_OUTPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "libexport/store.h"

namespace libexport::internal {

inline constexpr size_t kExportBatchBytes = 64 << 10;

class ExportOutput {
 public:
  explicit ExportOutput(ExportSink& sink) : sink_(sink) {
    batch_.reserve(kExportBatchBytes + 4096);
  }

  // After the sink asked to stop, pieces are still batched but never sent.
  void Append(std::string_view s) {
    if (s.size() >= kExportBatchBytes) [[unlikely]] {
      AppendLarge(s);
      return;
    }
    batch_.append(s);
  }
  void Append(char c) { batch_.push_back(c); }

  // Hands a full batch to the sink. False once the sink asked to stop.
  bool MaybeFlush() {
    return batch_.size() < kExportBatchBytes ? !stopped_ : Flush();
  }
  // Hands whatever is batched to the sink. False once the sink asked to
  // stop.
  bool Flush() {
    if (!stopped_ && !batch_.empty()) Send(batch_);
    batch_.clear();
    return !stopped_;
  }

  // Bytes handed to the sink.
  uint64_t bytes() const { return bytes_; }

 private:
  // Out of line: the per-piece path above stays small enough to inline.
  [[gnu::noinline]] void AppendLarge(std::string_view s) {
    if (Flush()) Send(s);
  }
  void Send(std::string_view s) {
    bytes_ += s.size();
    if (!sink_.Write(s)) stopped_ = true;
  }

  ExportSink& sink_;
  std::string batch_;
  uint64_t bytes_ = 0;
  bool stopped_ = false;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_EXPORT_OUTPUT_H_
