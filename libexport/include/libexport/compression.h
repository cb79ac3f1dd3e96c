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
//   zstd: level 1, no checksum, window 512 KiB: about 1.3 MiB of state per
//         stream (ZSTD_estimateCStreamSize), plus a 64 KiB output buffer.
//
// Memory per stream is bounded by those figures whatever the export's size.
//
// Thread safety: pure functions; each export has its own stream state.
#ifndef LIBEXPORT_COMPRESSION_H_
#define LIBEXPORT_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "libexport/query.h"
#include "libexport/status.h"

namespace libexport {

inline constexpr int kGzipLevel = 1;
inline constexpr int kZstdLevel = 1;

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

}  // namespace libexport

#endif  // LIBEXPORT_COMPRESSION_H_
