// gzip and zstd: the streaming coder of exports (coding_sink.h) and the
// whole-input decoder of imports (libexport/compression.h).
#include "libexport/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <utility>

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
    for (auto [param, value] : {std::pair{ZSTD_c_compressionLevel, kZstdLevel},
                                std::pair{ZSTD_c_hashLog, kZstdHashLog}}) {
      size_t rc = ZSTD_CCtx_setParameter(cctx_, param, value);
      if (ZSTD_isError(rc)) {
        return Status::Internal(std::string("ZSTD_CCtx_setParameter: ") +
                                ZSTD_getErrorName(rc));
      }
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

constexpr size_t kDecodeBufferSize = 64 << 10;

class GzipDecoder : public StreamDecoder {
 public:
  ~GzipDecoder() override {
    if (started_) inflateEnd(&z_);
  }

  Status Start() {
    std::memset(&z_, 0, sizeof z_);
    // 15 + 16: gzip only (a zlib stream is not a .gz file).
    if (inflateInit2(&z_, 15 + 16) != Z_OK) {
      return Status::Internal("inflateInit2 failed");
    }
    started_ = true;
    return Status::Ok();
  }

  Status Write(std::string_view coded, const Output& out) override {
    while (!coded.empty()) {  // avail_in is 32 bits wide
      const size_t n = std::min<size_t>(coded.size(), 1u << 30);
      LIBEXPORT_RETURN_IF_ERROR(Run(coded.substr(0, n), out));
      coded.remove_prefix(n);
    }
    return Status::Ok();
  }

  Status Finish() override {
    if (!member_ended_) {
      return Status::InvalidArgument("gzip: the input is truncated");
    }
    return Status::Ok();
  }

 private:
  Status Run(std::string_view coded, const Output& out) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(coded.data()));
    z_.avail_in = static_cast<uInt>(coded.size());
    while (true) {
      if (member_ended_) {
        if (z_.avail_in == 0) return Status::Ok();
        inflateReset(&z_);  // another member follows
        member_ended_ = false;
      }
      z_.next_out = reinterpret_cast<Bytef*>(buf_);
      z_.avail_out = static_cast<uInt>(sizeof buf_);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const size_t produced = sizeof buf_ - z_.avail_out;
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return Status::InvalidArgument(
            std::string("gzip: ") + (z_.msg != nullptr ? z_.msg : zError(rc)));
      }
      if (produced > 0 && !out(std::string_view(buf_, produced))) {
        return Status::Aborted("gzip: the decoded bytes were refused");
      }
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc == Z_BUF_ERROR || (z_.avail_in == 0 && z_.avail_out != 0)) {
        return Status::Ok();  // everything given is consumed
      }
    }
  }

  z_stream z_;
  bool started_ = false;
  bool member_ended_ = false;
  char buf_[kDecodeBufferSize];
};

class ZstdDecoder : public StreamDecoder {
 public:
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }

  Status Start() {
    dctx_ = ZSTD_createDCtx();
    if (dctx_ == nullptr) return Status::Internal("ZSTD_createDCtx failed");
    return Status::Ok();
  }

  Status Write(std::string_view coded, const Output& out) override {
    ZSTD_inBuffer in{coded.data(), coded.size(), 0};
    while (true) {
      ZSTD_outBuffer o{buf_, sizeof buf_, 0};
      const size_t left = ZSTD_decompressStream(dctx_, &o, &in);
      if (ZSTD_isError(left)) {
        return Status::InvalidArgument(std::string("zstd: ") +
                                       ZSTD_getErrorName(left));
      }
      left_ = left;
      if (o.pos > 0 && !out(std::string_view(buf_, o.pos))) {
        return Status::Aborted("zstd: the decoded bytes were refused");
      }
      // A full buffer may leave decoded bytes inside zstd: ask again.
      if (in.pos == in.size && o.pos < o.size) return Status::Ok();
    }
  }

  Status Finish() override {
    if (left_ != 0) {
      return Status::InvalidArgument("zstd: the input is truncated");
    }
    return Status::Ok();
  }

 private:
  ZSTD_DCtx* dctx_ = nullptr;
  size_t left_ = 1;  // 0 once a frame is complete and flushed
  char buf_[kDecodeBufferSize];
};

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

Result<std::unique_ptr<StreamDecoder>> StreamDecoder::Make(
    ContentCoding coding) {
  if (coding == ContentCoding::kGzip) {
    auto d = std::make_unique<GzipDecoder>();
    LIBEXPORT_RETURN_IF_ERROR(d->Start());
    return std::unique_ptr<StreamDecoder>(std::move(d));
  }
  if (coding == ContentCoding::kZstd) {
    auto d = std::make_unique<ZstdDecoder>();
    LIBEXPORT_RETURN_IF_ERROR(d->Start());
    return std::unique_ptr<StreamDecoder>(std::move(d));
  }
  return Status::InvalidArgument("identity needs no decoding");
}

Status Decompress(ContentCoding coding, std::string_view data, std::string* out,
                  uint64_t max_output) {
  out->clear();
  auto too_large = [max_output](const char* what) {
    return Status::ResourceExhausted(std::string(what) + " is larger than " +
                                     std::to_string(max_output) + " bytes");
  };
  if (coding == ContentCoding::kIdentity) {
    if (data.size() > max_output) return too_large("the input");
    out->assign(data);
    return Status::Ok();
  }
  auto decoder = StreamDecoder::Make(coding);
  if (!decoder.ok()) return decoder.status();
  bool over = false;
  Status st = (*decoder)->Write(data, [&](std::string_view piece) {
    if (piece.size() > max_output - out->size()) {
      over = true;
      return false;
    }
    out->append(piece);
    return true;
  });
  if (over) return too_large("the decompressed input");
  LIBEXPORT_RETURN_IF_ERROR(st);
  return (*decoder)->Finish();
}

}  // namespace libexport
