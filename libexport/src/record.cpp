// Decoding of stored records (docs/store_format.md, "Record"), UUIDs, and
// the microsecond unit pin windows are compared in.
#include "record.h"

#include <openssl/rand.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "keys.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <bit>
#include <random>

namespace libexport::internal {

namespace {

template <typename T>
T Load(std::string_view v, size_t at) {
  T x;
  std::memcpy(&x, v.data() + at, sizeof x);  // LMDB values are 2-aligned
  return x;
}

// Offsets are u32 but added in 64 bits, so a garbled pair cannot wrap.
bool Inside(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

bool RefInside(std::string_view value, size_t at) {
  return Inside(Load<uint32_t>(value, at + 8), Load<uint32_t>(value, at + 12),
                value.size());
}

bool RefIsZero(std::string_view value, size_t at) {
  for (size_t i = 0; i < kStrRefSize; ++i) {
    if (value[at + i] != 0) return false;
  }
  return true;
}

// Whether canonical JSON `json` starts with the id whose 16 bytes are `id`
// (docs/format.md: `{"id":"` and the lower-case 8-4-4-4-12 text). The JSON
// passed its checksum, so it is the encoder's text (dashes included); the
// key is what this checks. Once per record read, so without a branch per
// digit: the 32 hex digits of `id` are made 16 at a time (SSE2, part of
// x86-64), then compared with the text around its dashes.
bool IdTextIs(std::string_view json, const char* id) {
  constexpr std::string_view kIdHead = "{\"id\":\"";
  if (json.size() < kIdHead.size() + 36 ||
      std::memcmp(json.data(), kIdHead.data(), kIdHead.size()) != 0) {
    return false;
  }
  const std::string_view text = json.substr(kIdHead.size(), 36);
  char hex[32];
#if defined(__SSE2__)
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(id));
  const __m128i low4 = _mm_set1_epi8(0x0f);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), low4);
  const __m128i lo = _mm_and_si128(bytes, low4);
  const __m128i nine = _mm_set1_epi8(9);
  const __m128i zero = _mm_set1_epi8('0');
  const __m128i letters = _mm_set1_epi8('a' - '0' - 10);
  for (int half = 0; half < 2; ++half) {
    const __m128i n =
        half == 0 ? _mm_unpacklo_epi8(hi, lo) : _mm_unpackhi_epi8(hi, lo);
    const __m128i above9 = _mm_and_si128(_mm_cmpgt_epi8(n, nine), letters);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(hex + 16 * half),
                     _mm_add_epi8(_mm_add_epi8(n, zero), above9));
  }
#else
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    const auto b = static_cast<unsigned char>(id[i]);
    hex[2 * i] = kHex[b >> 4];
    hex[2 * i + 1] = kHex[b & 15];
  }
#endif
  const std::string_view h(hex, sizeof hex);
  const uint64_t diff = (Load<uint64_t>(h, 0) ^ Load<uint64_t>(text, 0)) |
                        (Load<uint32_t>(h, 8) ^ Load<uint32_t>(text, 9)) |
                        (Load<uint32_t>(h, 12) ^ Load<uint32_t>(text, 14)) |
                        (Load<uint32_t>(h, 16) ^ Load<uint32_t>(text, 19)) |
                        (Load<uint64_t>(h, 20) ^ Load<uint64_t>(text, 24)) |
                        (Load<uint32_t>(h, 28) ^ Load<uint32_t>(text, 32));
  return diff == 0;
}

Status Corrupt(std::string what) {
  return Status::Corruption("record: " + what);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

int64_t ToMicros(Timestamp t) { return t.seconds * 1'000'000 + t.nanos / 1000; }

uint64_t Checksum64(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

void SealRecord(std::string_view body, uint64_t seq, char* out) {
  std::memcpy(out, body.data(), body.size());
  std::memcpy(out + body.size(), &seq, sizeof seq);
  const uint64_t sum = Checksum64({out, body.size() + sizeof seq});
  std::memcpy(out + body.size() + sizeof seq, &sum, sizeof sum);
}

bool RecordChecksumOk(std::string_view stored) {
  const size_t summed = stored.size() - sizeof(uint64_t);
  return Checksum64(stored.substr(0, summed)) == Load<uint64_t>(stored, summed);
}

uint64_t RecordSeq(std::string_view stored) {
  return Load<uint64_t>(stored, stored.size() - kRecordTrailerSize);
}

Status RecordView::Parse(std::string_view key, std::string_view stored,
                         RecordView* out) {
  // The key is not covered by the checksum: a flipped bit there would
  // otherwise file an intact record under another id.
  if (key.size() != kRecordKeySize) {
    return Corrupt("key of " + std::to_string(key.size()) + " bytes");
  }
  if (stored.size() < kRecordHeaderSize + kRecordTrailerSize) {
    return Corrupt("shorter than header");
  }
  if (!RecordChecksumOk(stored)) return Corrupt("checksum mismatch");
  LIBEXPORT_RETURN_IF_ERROR(ParseBody(RecordBody(stored), out));
  if (!IdTextIs(out->json_, key.data() + kTrackerPrefixSize)) {
    *out = RecordView{};
    return Corrupt("the key's id is not the record's id");
  }
  return Status::Ok();
}

Status RecordView::ParseBody(std::string_view value, RecordView* out) {
  static_assert(std::endian::native == std::endian::little,
                "the record format is little-endian; add byte swaps");
  if (value.size() < kRecordHeaderSize) return Corrupt("shorter than header");
  if (static_cast<uint8_t>(value[0]) != kRecordVersion) {
    return Corrupt("unknown version " +
                   std::to_string(static_cast<uint8_t>(value[0])));
  }
  const uint8_t type = static_cast<uint8_t>(value[1]);
  if (type > static_cast<uint8_t>(TargetType::kAll)) {
    return Corrupt("bad target type");
  }
  if (Load<uint16_t>(value, 6) != 0) return Corrupt("reserved bytes not zero");
  const uint16_t tags = Load<uint16_t>(value, 2);
  const uint16_t pins = Load<uint16_t>(value, 4);
  const uint64_t pins_at = kRecordHeaderSize + uint64_t{tags} * kStrRefSize;
  const uint64_t json_at = pins_at + uint64_t{pins} * kPinEntrySize;
  const uint32_t json_offset = Load<uint32_t>(value, 8);
  const uint32_t json_length = Load<uint32_t>(value, 12);
  if (json_offset != json_at)
    return Corrupt("JSON offset does not follow pins");
  if (!Inside(json_offset, json_length, value.size()) || json_length < 2) {
    return Corrupt("JSON outside the value");
  }
  const std::string_view json = value.substr(json_offset, json_length);
  if (json.front() != '{' || json.back() != '}') {
    return Corrupt("JSON is not an object");
  }
  const uint32_t pins_begin = Load<uint32_t>(value, 16);
  const uint32_t pins_end = Load<uint32_t>(value, 20);
  if (pins_begin == 0 || pins_begin > pins_end || pins_end >= json_length ||
      json[pins_begin - 1] != '[' || json[pins_end] != ']') {
    return Corrupt("bad pin_definitions range");
  }
  if (!RefInside(value, 24)) return Corrupt("model outside the value");
  if (type == static_cast<uint8_t>(TargetType::kItem)) {
    if (!RefInside(value, 40)) {
      return Corrupt("target_identity outside the value");
    }
  } else if (!RefIsZero(value, 40)) {
    return Corrupt("target_identity ref on a non-item record");
  }
  for (size_t i = 0; i < tags; ++i) {
    if (!RefInside(value, kRecordHeaderSize + i * kStrRefSize)) {
      return Corrupt("tag " + std::to_string(i) + " outside the value");
    }
  }
  // Checking every pin here lets pin(i) read without checks at export time.
  for (size_t i = 0; i < pins; ++i) {
    const size_t at = pins_at + i * kPinEntrySize;
    const uint32_t begin = Load<uint32_t>(value, at);
    const uint32_t end = Load<uint32_t>(value, at + 4);
    const uint8_t pin_type = static_cast<uint8_t>(value[at + 24]);
    if (begin < pins_begin || begin >= end || end > pins_end ||
        json[begin] != '{' || json[end - 1] != '}') {
      return Corrupt("pin " + std::to_string(i) + " range outside pins");
    }
    if (pin_type > static_cast<uint8_t>(PinType::kCriteria) ||
        (static_cast<uint8_t>(value[at + 25]) & ~3u) != 0) {
      return Corrupt("pin " + std::to_string(i) + " bad type or flags");
    }
    if (pin_type == static_cast<uint8_t>(PinType::kItem)
            ? !RefInside(value, at + 28)
            : !RefIsZero(value, at + 28)) {
      return Corrupt("pin " + std::to_string(i) + " bad identity ref");
    }
  }
  out->value_ = value;
  out->json_ = json;
  out->target_type_ = static_cast<TargetType>(type);
  out->tag_count_ = tags;
  out->pin_count_ = pins;
  out->pins_begin_ = pins_begin;
  out->pins_end_ = pins_end;
  out->pins_at_ = pins_at;
  return Status::Ok();
}

StrRef RecordView::ReadRef(size_t at) const {
  StrRef r;
  r.hash = Load<uint64_t>(value_, at);
  r.offset = Load<uint32_t>(value_, at + 8);
  r.length = Load<uint32_t>(value_, at + 12);
  return r;
}

PinEntry RecordView::pin(size_t i) const {
  const size_t at = pins_at_ + i * kPinEntrySize;
  PinEntry p;
  p.begin = Load<uint32_t>(value_, at);
  p.end = Load<uint32_t>(value_, at + 4);
  p.active_from = Load<int64_t>(value_, at + 8);
  p.active_to = Load<int64_t>(value_, at + 16);
  p.type = static_cast<PinType>(value_[at + 24]);
  p.flags = static_cast<uint8_t>(value_[at + 25]);
  p.identity = ReadRef(at + 28);
  return p;
}

std::string UuidToString(const Uuid& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[id[i] >> 4]);
    s.push_back(kHex[id[i] & 15]);
  }
  return s;
}

bool ParseUuid(std::string_view text, Uuid* out) {
  if (text.size() != 36) return false;
  Uuid id;
  size_t pos = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      if (text[pos++] != '-') return false;
    }
    const int hi = HexValue(text[pos]);
    const int lo = HexValue(text[pos + 1]);
    if (hi < 0 || lo < 0) return false;
    id[i] = static_cast<uint8_t>(hi << 4 | lo);
    pos += 2;
  }
  *out = id;
  return true;
}

Uuid RandomUuid() {
  Uuid id;
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
    // OpenSSL's DRBG failing to seed is near impossible on Linux; the
    // kernel's getrandom (behind random_device in libstdc++) is the next
    // best source, and an id must still be returned.
    std::random_device rd;
    for (auto& b : id) b = static_cast<uint8_t>(rd());
  }
  id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);  // version 4
  id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

}  // namespace libexport::internal
