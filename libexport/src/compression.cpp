// gzip and zstd: the streaming coder of exports (coding_sink.h) and the
// whole-input decoder of imports (libexport/compression.h).
#include "libexport/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "coding_sink.h"

namespace libexport {

namespace internal {

namespace {

constexpr size_t kOutSize = 64 << 10;
// 32 KiB window (the maximum), +16: a gzip wrapper instead of zlib's.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kGzipMemLevel = 8;

class GzipSink : public CodingSink {
 public:
  explicit GzipSink(ExportSink* next) : CodingSink(next) {}
  ~GzipSink() override {
    if (started_) deflateEnd(&z_);
  }

  Status Start() {
    std::memset(&z_, 0, sizeof z_);
    int rc = deflateInit2(&z_, kGzipLevel, Z_DEFLATED, kGzipWindowBits,
                          kGzipMemLevel, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) return Status::Internal("deflateInit2: " + Error(rc));
    started_ = true;
    return Status::Ok();
  }

  bool Write(std::string_view chunk) override { return Run(chunk, Z_NO_FLUSH); }
  bool Finish() override { return Run({}, Z_FINISH) && Drain(); }

 private:
  static std::string Error(int rc) { return zError(rc); }

  bool Run(std::string_view in, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    while (true) {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data() + used_);
      z_.avail_out = static_cast<uInt>(kOutSize - used_);
      int rc = deflate(&z_, flush);
      used_ = kOutSize - z_.avail_out;
      if (rc == Z_STREAM_ERROR) {
        status_ = Status::Internal("deflate: " + Error(rc));
        return false;
      }
      if (used_ == kOutSize && !Drain()) return false;
      if (flush == Z_FINISH ? rc == Z_STREAM_END
                            : z_.avail_in == 0 && z_.avail_out != 0) {
        return true;
      }
    }
  }

  z_stream z_;
  bool started_ = false;
};

class ZstdSink : public CodingSink {
 public:
  explicit ZstdSink(ExportSink* next) : CodingSink(next) {}
  ~ZstdSink() override { ZSTD_freeCCtx(cctx_); }

  Status Start() {
    cctx_ = ZSTD_createCCtx();
    if (cctx_ == nullptr) return Status::Internal("ZSTD_createCCtx failed");
    size_t rc =
        ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, kZstdLevel);
    if (ZSTD_isError(rc)) {
      return Status::Internal(std::string("ZSTD_CCtx_setParameter: ") +
                              ZSTD_getErrorName(rc));
    }
    return Status::Ok();
  }

  bool Write(std::string_view chunk) override {
    return Run(chunk, ZSTD_e_continue);
  }
  bool Finish() override { return Run({}, ZSTD_e_end) && Drain(); }

 private:
  bool Run(std::string_view chunk, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{chunk.data(), chunk.size(), 0};
    while (true) {
      ZSTD_outBuffer out{out_.data(), kOutSize, used_};
      size_t left = ZSTD_compressStream2(cctx_, &out, &in, mode);
      used_ = out.pos;
      if (ZSTD_isError(left)) {
        status_ = Status::Internal(std::string("ZSTD_compressStream2: ") +
                                   ZSTD_getErrorName(left));
        return false;
      }
      if (used_ == kOutSize && !Drain()) return false;
      if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return true;
    }
  }

  ZSTD_CCtx* cctx_ = nullptr;
};

}  // namespace

CodingSink::CodingSink(ExportSink* next) : next_(next), out_(kOutSize, '\0') {}

bool CodingSink::Drain() {
  if (used_ == 0) return true;
  bytes_out_ += used_;
  bool more = next_->Write(std::string_view(out_.data(), used_));
  used_ = 0;
  return more;
}

Result<std::unique_ptr<CodingSink>> CodingSink::Make(ContentCoding coding,
                                                     ExportSink* next) {
  if (coding == ContentCoding::kGzip) {
    auto sink = std::make_unique<GzipSink>(next);
    LIBEXPORT_RETURN_IF_ERROR(sink->Start());
    return std::unique_ptr<CodingSink>(std::move(sink));
  }
  if (coding == ContentCoding::kZstd) {
    auto sink = std::make_unique<ZstdSink>(next);
    LIBEXPORT_RETURN_IF_ERROR(sink->Start());
    return std::unique_ptr<CodingSink>(std::move(sink));
  }
  return Status::Internal("identity needs no coding sink");
}

}  // namespace internal

namespace {

Status Grow(std::string* out, size_t* used, uint64_t max_output) {
  if (*used < out->size()) return Status::Ok();
  if (out->size() >= max_output) {
    return Status::ResourceExhausted("the decompressed input is larger than " +
                                     std::to_string(max_output) + " bytes");
  }
  uint64_t next = std::max<uint64_t>(out->size() * 2, 1 << 20);
  out->resize(static_cast<size_t>(std::min<uint64_t>(next, max_output)));
  return Status::Ok();
}

Status Gunzip(std::string_view data, std::string* out, uint64_t max_output) {
  z_stream z;
  std::memset(&z, 0, sizeof z);
  // 15 + 16: gzip only (a zlib stream is not a .gz file).
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    return Status::Internal("inflateInit2 failed");
  }
  size_t used = 0;
  out->clear();
  Status st;
  while (st.ok()) {
    if (z.avail_in == 0 && !data.empty()) {  // avail_in is 32 bits wide
      const size_t n = std::min<size_t>(data.size(), 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
      z.avail_in = static_cast<uInt>(n);
      data.remove_prefix(n);
    }
    st = Grow(out, &used, max_output);
    if (!st.ok()) break;
    z.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    z.avail_out =
        static_cast<uInt>(std::min<size_t>(out->size() - used, UINT32_MAX));
    const size_t before = z.avail_out;
    int rc = inflate(&z, Z_NO_FLUSH);
    used += before - z.avail_out;
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && data.empty()) break;
      inflateReset(&z);  // another member follows
    } else if (rc == Z_BUF_ERROR && z.avail_in == 0 && data.empty()) {
      st = Status::InvalidArgument("gzip: the input is truncated");
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      st = Status::InvalidArgument(std::string("gzip: ") +
                                   (z.msg != nullptr ? z.msg : zError(rc)));
    }
  }
  inflateEnd(&z);
  out->resize(used);
  return st;
}

Status Unzstd(std::string_view data, std::string* out, uint64_t max_output) {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  if (dctx == nullptr) return Status::Internal("ZSTD_createDCtx failed");
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t used = 0, left = 1;
  out->clear();
  Status st;
  while (st.ok() && (in.pos < in.size || left != 0)) {
    st = Grow(out, &used, max_output);
    if (!st.ok()) break;
    ZSTD_outBuffer o{out->data(), out->size(), used};
    const size_t in_before = in.pos;
    left = ZSTD_decompressStream(dctx, &o, &in);
    const bool progress = o.pos != used || in.pos != in_before;
    used = o.pos;
    if (ZSTD_isError(left)) {
      st = Status::InvalidArgument(std::string("zstd: ") +
                                   ZSTD_getErrorName(left));
    } else if (!progress && in.pos == in.size && left != 0) {
      st = Status::InvalidArgument("zstd: the input is truncated");
    }
  }
  ZSTD_freeDCtx(dctx);
  out->resize(used);
  return st;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

ContentCoding CodingOfFileName(std::string_view name) {
  if (EndsWith(name, ".gz")) return ContentCoding::kGzip;
  if (EndsWith(name, ".zst")) return ContentCoding::kZstd;
  return ContentCoding::kIdentity;
}

ContentCoding CodingOfData(std::string_view d) {
  if (d.size() >= 2 && d[0] == '\x1f' && d[1] == '\x8b') {
    return ContentCoding::kGzip;
  }
  if (d.size() >= 4 && d.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd")) {
    return ContentCoding::kZstd;
  }
  return ContentCoding::kIdentity;
}

Status Decompress(ContentCoding coding, std::string_view data, std::string* out,
                  uint64_t max_output) {
  switch (coding) {
    case ContentCoding::kGzip:
      return Gunzip(data, out, max_output);
    case ContentCoding::kZstd:
      return Unzstd(data, out, max_output);
    case ContentCoding::kIdentity:
      break;
  }
  if (data.size() > max_output) {
    return Status::ResourceExhausted("the input is larger than " +
                                     std::to_string(max_output) + " bytes");
  }
  out->assign(data);
  return Status::Ok();
}

}  // namespace libexport
