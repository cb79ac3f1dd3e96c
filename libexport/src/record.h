// The stored record: header + canonical JSON + raw strings
// (docs/store_format.md, "Record"). Encoding happens once, at write time, in
// customization.cpp; RecordView decodes it at export time without parsing
// JSON.
#ifndef LIBEXPORT_SRC_RECORD_H_
#define LIBEXPORT_SRC_RECORD_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "libexport/query.h"
#include "libexport/status.h"

namespace libexport::internal {

inline constexpr uint8_t kRecordVersion = 2;
inline constexpr size_t kRecordHeaderSize = 56;
// A stored record ends with its change sequence (u64) and a checksum (u64,
// XXH3-64 of every byte before it); the encoder's output (the "body") does
// not have them yet: SealRecord adds them when the record is written.
inline constexpr size_t kRecordTrailerSize = 16;
inline constexpr size_t kStrRefSize = 16;
inline constexpr size_t kPinEntrySize = 44;
inline constexpr int64_t kOpenFrom = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kOpenTo = std::numeric_limits<int64_t>::max();

enum class PinType : uint8_t { kItem = 0, kCriteria = 1 };
inline constexpr uint8_t kPinFlagBlock = 1;
inline constexpr uint8_t kPinFlagBundle = 2;

using Uuid = std::array<uint8_t, 16>;

struct StrRef {
  uint64_t hash = 0;
  uint32_t offset = 0;  // from the start of the record value
  uint32_t length = 0;
};

struct PinEntry {
  uint32_t begin = 0;               // offset in the JSON of the pin's '{'
  uint32_t end = 0;                 // offset in the JSON just past its '}'
  int64_t active_from = kOpenFrom;  // microseconds since the epoch
  int64_t active_to = kOpenTo;
  PinType type = PinType::kItem;
  uint8_t flags = 0;
  StrRef identity;  // item pins only
};

// Microseconds since the epoch, truncating sub-microsecond digits: the unit
// pin windows are compared in.
int64_t ToMicros(Timestamp t);

// A decoded view of a record value. Holds pointers into `value`.
//
// IMPORTANT (lifetime): when `value` is LMDB memory, the view is valid only
// until the read transaction ends.
class RecordView {
 public:
  // Checks a stored record and the records-table key it was read at
  // (tracker number + id, docs/store_format.md): the key's size, the
  // checksum, the body (ParseBody), and that the key's id is the id the
  // record's JSON starts with. Corruption when any is wrong: a flipped byte,
  // in the value or in the key, is never exported. Every read of a stored
  // record goes through here.
  static Status Parse(std::string_view key, std::string_view stored,
                      RecordView* out);
  // Checks the version and that every offset and length lies inside the
  // body (a record as the encoder writes it, without its trailer).
  static Status ParseBody(std::string_view body, RecordView* out);

  TargetType target_type() const { return target_type_; }
  // The complete canonical JSON object (ends with '}').
  std::string_view json() const { return json_; }
  uint32_t pins_begin() const { return pins_begin_; }  // offsets in json()
  uint32_t pins_end() const { return pins_end_; }

  StrRef model_ref() const { return ReadRef(24); }
  bool has_target_identity() const { return target_type_ == TargetType::kItem; }
  StrRef target_identity_ref() const { return ReadRef(40); }
  size_t tag_count() const { return tag_count_; }
  StrRef tag_ref(size_t i) const {
    return ReadRef(kRecordHeaderSize + i * kStrRefSize);
  }
  size_t pin_count() const { return pin_count_; }
  PinEntry pin(size_t i) const;

  // The bytes a string ref points at.
  std::string_view str(const StrRef& r) const {
    return value_.substr(r.offset, r.length);
  }

 private:
  StrRef ReadRef(size_t at) const;
  std::string_view value_;
  std::string_view json_;
  TargetType target_type_ = TargetType::kAll;
  uint16_t tag_count_ = 0;
  uint16_t pin_count_ = 0;
  uint32_t pins_begin_ = 0;
  uint32_t pins_end_ = 0;
  size_t pins_at_ = 0;  // offset of the first pin entry in value_
};

// The size of the stored record of `body`, and that record: body, `seq`,
// checksum. `out` has room for body.size() + kRecordTrailerSize bytes.
void SealRecord(std::string_view body, uint64_t seq, char* out);
// Whether a stored record's trailing checksum matches the bytes before it
// (docs/store_format.md, "Checksum"). `stored` holds at least
// kRecordTrailerSize bytes.
bool RecordChecksumOk(std::string_view stored);
// The change sequence of a stored record that Parse accepted.
uint64_t RecordSeq(std::string_view stored);
// The body of a stored record that Parse accepted.
inline std::string_view RecordBody(std::string_view stored) {
  return stored.substr(0, stored.size() - kRecordTrailerSize);
}

// XXH3-64 (docs/store_format.md, "Checksum").
uint64_t Checksum64(std::string_view bytes);

// FNV-1a 64 (docs/store_format.md, "Hash").
inline uint64_t Hash64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Canonical lower-case 8-4-4-4-12 text of a UUID.
std::string UuidToString(const Uuid& id);
// Accepts 8-4-4-4-12 hex in any letter case. False on anything else.
bool ParseUuid(std::string_view text, Uuid* out);
// A random (version 4) UUID from OpenSSL's CSPRNG.
Uuid RandomUuid();

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_RECORD_H_
