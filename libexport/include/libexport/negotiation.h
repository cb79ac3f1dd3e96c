// HTTP content negotiation of an export's representation (RFC 9110 12.5):
// which format an `Accept` allows and which content coding an
// `Accept-Encoding` prefers. Pure functions over header values, so a host
// server that is not cpp-httplib can use them too.
//
// Thread safety: pure functions.
#ifndef LIBEXPORT_NEGOTIATION_H_
#define LIBEXPORT_NEGOTIATION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libexport/query.h"

namespace libexport {

// The format for the `Accept` header values of a request (one entry per
// header line; each a comma-separated list of media ranges with optional
// `;q=` weights). No header, or only empty values, is JSON. Otherwise each
// of application/json and application/x-ndjson gets the weight of the most
// specific range that matches it (type/subtype over type/* over */*;
// parameters other than q are ignored), and the higher weight wins; on a
// tie, the one named by the more specific range, then JSON. nullopt when
// neither has a weight above 0 (HTTP 406), e.g. `text/html` or
// `application/json;q=0`. Malformed ranges are skipped.
std::optional<ExportFormat> NegotiateFormat(
    const std::vector<std::string_view>& accept);

// The content coding for the `Accept-Encoding` header values of a request.
// gzip (or its alias x-gzip) and zstd get the weight of their own entry,
// else of `*`, else 0; identity the weight of its own entry, else of `*`
// when `*` is listed, else a weight below any listed coding (acceptable,
// but never preferred to a coding the client named). The highest weight
// above 0 wins; ties go to zstd, then gzip, then identity. When nothing is
// acceptable (`*;q=0`, `identity;q=0` alone) the answer is identity: RFC
// 9110 12.5.3 lets a server send an uncoded response then.
ContentCoding NegotiateCoding(
    const std::vector<std::string_view>& accept_encoding);

// The media type of a Content-Type value, lower-cased, without its
// parameters and spaces: "Application/JSON; charset=utf-8" ->
// "application/json".
std::string MediaTypeOfContentType(std::string_view content_type);

}  // namespace libexport

#endif  // LIBEXPORT_NEGOTIATION_H_
