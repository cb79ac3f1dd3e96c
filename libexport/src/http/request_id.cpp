#include "request_id.h"

#include <openssl/rand.h>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <random>

namespace libexport::http {
namespace {

// Chosen once: OpenSSL's CSPRNG, else std::random_device.
uint64_t ProcessPrefix() {
  uint64_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof(v)) != 1) {
    std::random_device rd;
    v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
  return v;
}

std::string NewRequestId() {
  static const uint64_t prefix = ProcessPrefix();
  static std::atomic<uint64_t> counter{0};
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  // "%016llx-%012llx" without printf's parsing on every request.
  std::string id(16 + 1 + 12, '0');
  id[16] = '-';
  auto put = [&id](size_t end, uint64_t v) {
    char digits[16];
    const char* stop = std::to_chars(digits, digits + sizeof digits, v, 16).ptr;
    const size_t len = static_cast<size_t>(stop - digits);
    id.replace(end - len, len, digits, len);
  };
  put(16, prefix);
  put(id.size(), n & 0xffffffffffffULL);
  return id;
}

}  // namespace

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string RequestIdOf(const httplib::Request& req) {
  if (req.get_header_value_count("X-Request-Id") == 1) {
    std::string id = req.get_header_value("X-Request-Id");
    if (IsSaneRequestId(id)) return id;
  }
  return NewRequestId();
}

}  // namespace libexport::http
