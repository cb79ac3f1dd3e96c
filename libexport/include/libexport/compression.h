// Content codings of export bytes: gzip (zlib) and zstd (libzstd).
//
// An export is compressed by asking for it: ExportQuery::representation.
// coding = kGzip or kZstd makes Store::Export stream the coded bytes to its
// sink (so a host that mounts the HTTP routes, or calls Store::Export
// itself, gets the same stream). The levels below are fixed, chosen so a
// compressed export stays fast (docs/benchmarks.md, "Compression"):
//
//   gzip: zlib level 1, 32 KiB window, memLevel 8: about 268 KiB of zlib
//         state per stream, plus a 64 KiB output buffer.
//   zstd: level 1 with a 4,096-entry match table (hashLog 12, 16 KiB,
//         which stays in the L1 cache; level 1 has 8,192), no checksum,
//         window 512 KiB: about 1.3 MiB of state per stream
//         (ZSTD_estimateCStreamSize), plus a 64 KiB output buffer. Measured
//         in process on an export of 100,000 demo customizations: 11% less
//         CPU than plain level 1 for 1.6% more bytes (6.63x smaller instead
//         of 6.74x); zstd's fast levels (-1...-10) save under 10% and give
//         5.1x...3.8x.
//
// Memory per stream is bounded by those figures whatever the export's size.
//
// Decoding: Decompress decodes a whole input in memory (exportctl import of
// .gz / .zst files); StreamDecoder decodes a stream as its bytes arrive
// (exportctl request --compressed), in bounded memory.
//
// Thread safety: the functions are pure; a StreamDecoder is used by one
// thread at a time, and each export has its own stream state.
#ifndef LIBEXPORT_COMPRESSION_H_
#define LIBEXPORT_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "libexport/query.h"
#include "libexport/status.h"

namespace libexport {

inline constexpr int kGzipLevel = 1;
inline constexpr int kZstdLevel = 1;
inline constexpr int kZstdHashLog = 12;

// The coding a file name's extension names: ".gz" gzip, ".zst" zstd,
// anything else identity.
ContentCoding CodingOfFileName(std::string_view file_name);

// The coding `data` starts with, from its magic number (gzip 1f 8b, zstd
// 28 b5 2f fd), else identity.
ContentCoding CodingOfData(std::string_view data);

// Decodes a whole gzip (any number of members) or zstd (any number of
// frames) input into `out` (replaced). identity copies. Errors:
// InvalidArgument (not valid data of that coding, or truncated; the message
// says which), ResourceExhausted (the output would pass `max_output` bytes).
Status Decompress(ContentCoding coding, std::string_view data, std::string* out,
                  uint64_t max_output = UINT64_MAX);

// Decodes one gzip (any number of members) or zstd (any number of frames)
// stream given in pieces, handing the decoded bytes to a callback in pieces
// of at most 64 KiB. Memory: the coder's state (zlib's inflate state with a
// 32 KiB window, about 40 KiB; zstd's window, as large as the frame asks,
// up to zstd's default limit of 128 MiB: an export's frames ask for
// 512 KiB) plus a 64 KiB buffer.
class StreamDecoder {
 public:
  // Receives the next decoded bytes, valid only during the call; false
  // stops the decoding.
  using Output = std::function<bool(std::string_view decoded)>;

  // A decoder of `coding` (gzip or zstd). Errors: InvalidArgument for
  // identity (nothing to decode), Internal (the coder would not start, e.g.
  // out of memory).
  static Result<std::unique_ptr<StreamDecoder>> Make(ContentCoding coding);
  virtual ~StreamDecoder() = default;

  // Decodes the next bytes of the stream, calling `out` for what they
  // decode to. Errors: InvalidArgument ("gzip: ..." / "zstd: ...": not valid
  // data of the coding), Aborted (`out` returned false). After an error the
  // decoder must not be used again.
  virtual Status Write(std::string_view coded, const Output& out) = 0;
  // The end of the input. Errors: InvalidArgument ("...: the input is
  // truncated") when the last member or frame is incomplete, or no byte
  // came at all.
  virtual Status Finish() = 0;
};

}  // namespace libexport

#endif  // LIBEXPORT_COMPRESSION_H_
