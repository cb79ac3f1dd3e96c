// The compressing link of the export's sink chain: bytes in, coded bytes
// out to the next sink in chunks of about 64 KiB. Internal; the public side
// is ExportQuery::representation.coding (libexport/compression.h).
#ifndef LIBEXPORT_SRC_CODING_SINK_H_
#define LIBEXPORT_SRC_CODING_SINK_H_

#include <memory>
#include <string>
#include <string_view>

#include "libexport/compression.h"
#include "libexport/store.h"

namespace libexport::internal {

class CodingSink : public ExportSink {
 public:
  // A sink that codes with `coding` (not identity) into `next`, which must
  // outlive it. Errors: Internal (the library refused to start a stream,
  // e.g. out of memory).
  static Result<std::unique_ptr<CodingSink>> Make(ContentCoding coding,
                                                  ExportSink* next);
  ~CodingSink() override = default;

  // Codes `chunk`; false when `next` asked to stop (or the coder failed:
  // status() says so).
  bool Write(std::string_view chunk) override = 0;
  // Ends the stream (gzip trailer, zstd epilogue) and hands everything left
  // to `next`. False as for Write.
  virtual bool Finish() = 0;
  // Ok unless the coder itself failed.
  const Status& status() const { return status_; }
  // Bytes given to `next` so far.
  uint64_t bytes_out() const { return bytes_out_; }

 protected:
  explicit CodingSink(ExportSink* next);
  // Passes the filled part of out_ to `next` and empties it.
  bool Drain();

  ExportSink* next_;
  std::string out_;  // kOutSize bytes; `used_` of them filled
  size_t used_ = 0;
  Status status_;
  uint64_t bytes_out_ = 0;
};

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_CODING_SINK_H_
