#include "request_body.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace libexport::http {

namespace {

// Spooled bytes are written in pieces of this size: httplib hands the body
// over in 4 KiB reads, one write(2) for each would be 256k calls per GiB.
constexpr size_t kWriteBatch = 1 << 20;

Status SpoolError(const char* call) {
  return Status::IOError(std::string("spool: ") + call + ": " +
                         std::strerror(errno));
}

}  // namespace

RequestBody::RequestBody(std::string spool_dir, size_t spool_threshold)
    : spool_dir_(std::move(spool_dir)), spool_threshold_(spool_threshold) {}

RequestBody::~RequestBody() {
  if (map_ != nullptr) munmap(map_, size_);
  if (fd_ >= 0) close(fd_);
}

Status RequestBody::Append(std::string_view bytes) {
  size_ += bytes.size();
  buffer_.append(bytes);
  if (fd_ < 0) {
    return size_ > spool_threshold_ ? Spool() : Status::Ok();
  }
  return buffer_.size() >= kWriteBatch ? Flush() : Status::Ok();
}

Status RequestBody::Spool() {
  fd_ = open(spool_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
    std::string name = spool_dir_ + "/.spool-XXXXXX";
    fd_ = mkostemp(name.data(), O_CLOEXEC);
    if (fd_ >= 0) unlink(name.c_str());
  }
  if (fd_ < 0) return SpoolError("open");
  Status st = Flush();
  buffer_.shrink_to_fit();  // the memory body goes back to the heap
  return st;
}

Status RequestBody::Flush() {
  std::string_view rest = buffer_;
  while (!rest.empty()) {
    const ssize_t n = write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SpoolError("write");
    rest.remove_prefix(static_cast<size_t>(n));
  }
  buffer_.clear();
  return Status::Ok();
}

Status RequestBody::Finish() {
  if (fd_ < 0) return Status::Ok();
  LIBEXPORT_RETURN_IF_ERROR(Flush());
  buffer_.shrink_to_fit();
  void* map = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
  if (map == MAP_FAILED) return SpoolError("mmap");
  map_ = map;
  return Status::Ok();
}

std::string_view RequestBody::view() const {
  if (map_ != nullptr) return {static_cast<const char*>(map_), size_};
  return buffer_;
}

}  // namespace libexport::http
