#include "record.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <set>
#include <string>

#include "customization.h"
#include "keys.h"

namespace libexport::internal {
namespace {

std::string Sample() {
  EncodedRecord rec;
  Status s = EncodeCustomizationJson(
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"item","target_identity":"/p/1/","tags":["a\nb","c"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"x\"y"},{"position":2,"pin_type":"criteria","pin_criteria":{"k":1}}]})",
      Timestamp{1795978479, 0}, &rec);
  REQUIRE(s.ok());
  return rec.value;
}

// The records-table key of Sample(): tracker 1, its id.
std::string SampleKey() {
  Uuid id;
  REQUIRE(ParseUuid("00000000-0000-4000-8000-000000000001", &id));
  return std::string(KeyView(MakeRecordKey(1, id)));
}

template <typename T>
void Poke(std::string* v, size_t at, T x) {
  std::memcpy(v->data() + at, &x, sizeof x);
}

TEST_CASE("record: an encoded record parses back with every field in place",
          "[record]") {
  const std::string value = Sample();
  RecordView v;
  REQUIRE(RecordView::ParseBody(value, &v).ok());
  CHECK(v.target_type() == TargetType::kItem);
  CHECK(
      v.json() ==
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"item","target_identity":"/p/1/","tags":["a\nb","c"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"x\"y","is_block_pin":false,"is_bundle_pin":false},{"position":2,"pin_type":"criteria","pin_criteria":{"k":1},"is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-11-29T18:54:39Z","updated_at":"2026-11-29T18:54:39Z"})");
  CHECK(v.str(v.model_ref()) == "m");
  CHECK(v.str(v.target_identity_ref()) == "/p/1/");
  REQUIRE(v.tag_count() == 2);
  CHECK(v.str(v.tag_ref(0)) == "a\nb");
  CHECK(v.str(v.tag_ref(1)) == "c");
  REQUIRE(v.pin_count() == 2);
  CHECK(v.str(v.pin(0).identity) == "x\"y");
  CHECK(v.pin(1).type == PinType::kCriteria);
  // Header bytes as docs/store_format.md lays them out.
  CHECK(static_cast<uint8_t>(value[0]) == 2);
  CHECK(static_cast<uint8_t>(value[1]) == 0);
  uint32_t json_offset;
  std::memcpy(&json_offset, value.data() + 8, 4);
  CHECK(json_offset == 56 + 2 * 16 + 2 * 44);
}

TEST_CASE("record: every truncated value is Corruption", "[record]") {
  const std::string value = Sample();
  for (size_t n = 0; n < value.size(); ++n) {
    RecordView v;
    Status s = RecordView::ParseBody(std::string_view(value).substr(0, n), &v);
    INFO(n);
    CHECK(s.code() == Status::Code::kCorruption);
  }
}

TEST_CASE("record: garbled headers and entries are Corruption", "[record]") {
  const std::string good = Sample();
  struct Garble {
    const char* what;
    void (*apply)(std::string*);
  };
  const Garble garbles[] = {
      {"version", [](std::string* v) { (*v)[0] = 1; }},
      {"target type", [](std::string* v) { (*v)[1] = 3; }},
      {"reserved", [](std::string* v) { (*v)[6] = 1; }},
      {"tag count", [](std::string* v) { Poke<uint16_t>(v, 2, 3); }},
      {"pin count", [](std::string* v) { Poke<uint16_t>(v, 4, 0xffff); }},
      {"json offset", [](std::string* v) { Poke<uint32_t>(v, 8, 1); }},
      {"json length",
       [](std::string* v) { Poke<uint32_t>(v, 12, 0xfffffff0u); }},
      {"json length short", [](std::string* v) { Poke<uint32_t>(v, 12, 10); }},
      {"pins begin", [](std::string* v) { Poke<uint32_t>(v, 16, 0); }},
      {"pins end", [](std::string* v) { Poke<uint32_t>(v, 20, 5); }},
      {"model ref",
       [](std::string* v) { Poke<uint32_t>(v, 24 + 8, 0xffffffffu); }},
      {"model length",
       [](std::string* v) { Poke<uint32_t>(v, 24 + 12, 0xffffffffu); }},
      {"identity ref",
       [](std::string* v) { Poke<uint32_t>(v, 40 + 12, 1u << 20); }},
      {"tag ref",
       [](std::string* v) { Poke<uint32_t>(v, 56 + 16 + 8, 1u << 30); }},
      {"pin begin", [](std::string* v) { Poke<uint32_t>(v, 56 + 32, 3); }},
      {"pin end",
       [](std::string* v) { Poke<uint32_t>(v, 56 + 32 + 4, 0xffffffu); }},
      {"pin type", [](std::string* v) { (*v)[56 + 32 + 24] = 7; }},
      {"pin flags", [](std::string* v) { (*v)[56 + 32 + 25] = 8; }},
      {"criteria pin with identity",
       [](std::string* v) { (*v)[56 + 32 + 44 + 28 + 12] = 1; }},
  };
  for (const Garble& g : garbles) {
    INFO(g.what);
    std::string bad = good;
    g.apply(&bad);
    RecordView v;
    CHECK(RecordView::ParseBody(bad, &v).code() == Status::Code::kCorruption);
  }
}

TEST_CASE(
    "record: a sealed record carries its seq, and any flipped byte fails its "
    "checksum",
    "[record]") {
  const std::string body = Sample();
  std::string sealed(body.size() + kRecordTrailerSize, '\0');
  SealRecord(body, 0x1122334455667788ull, sealed.data());
  const std::string key = SampleKey();
  RecordView v;
  REQUIRE(RecordView::Parse(key, sealed, &v).ok());
  CHECK(RecordSeq(sealed) == 0x1122334455667788ull);
  CHECK(RecordBody(sealed) == body);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    Status st = RecordView::Parse(key, bad, &v);
    INFO("byte " << i);
    CHECK(st.code() == Status::Code::kCorruption);
  }
  CHECK(RecordView::Parse(key, body, &v).code() == Status::Code::kCorruption);
}

TEST_CASE(
    "regression: an intact record under a key with a flipped id byte is "
    "Corruption, not a record of another id",
    "[record]") {
  const std::string body = Sample();
  std::string sealed(body.size() + kRecordTrailerSize, '\0');
  SealRecord(body, 7, sealed.data());
  const std::string key = SampleKey();
  RecordView v;
  REQUIRE(RecordView::Parse(key, sealed, &v).ok());
  for (size_t i = kTrackerPrefixSize; i < key.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = key;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      Status st = RecordView::Parse(bad, sealed, &v);
      INFO("key byte " << i << " bit " << bit);
      CHECK(st.code() == Status::Code::kCorruption);
      CHECK(st.message() == "record: the key's id is not the record's id");
    }
  }
  // A key that does not have a record key's size does not decode.
  CHECK(RecordView::Parse(std::string_view(key).substr(0, 19), sealed, &v)
            .message() == "record: key of 19 bytes");
  CHECK(RecordView::Parse(key + "x", sealed, &v).code() ==
        Status::Code::kCorruption);
}

TEST_CASE("record: ToMicros truncates below the microsecond", "[record]") {
  CHECK(ToMicros(Timestamp{1, 999'999}) == 1'000'999);
  CHECK(ToMicros(Timestamp{1, 999}) == 1'000'000);
  CHECK(ToMicros(Timestamp{-1, 500'000'000}) == -500'000);
  CHECK(ToMicros(Timestamp{0, 0}) == 0);
}

TEST_CASE("record: FNV-1a matches the published test vectors", "[record]") {
  CHECK(Hash64("") == 0xcbf29ce484222325ull);
  CHECK(Hash64("a") == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("record: UUIDs parse in any case and print lower-case", "[record]") {
  Uuid id;
  REQUIRE(ParseUuid("0B6F2C34-5D1E-4A7B-9C8D-1E2F3A4B5C6D", &id));
  CHECK(id[0] == 0x0b);
  CHECK(id[15] == 0x6d);
  CHECK(UuidToString(id) == "0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6d");
  for (const char* bad : {"", "0b6f2c345d1e4a7b9c8d1e2f3a4b5c6d",
                          "0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6",
                          "0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6dd",
                          "0b6f2c34_5d1e-4a7b-9c8d-1e2f3a4b5c6d",
                          "0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6g",
                          "{0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6}"}) {
    INFO(bad);
    CHECK_FALSE(ParseUuid(bad, &id));
  }
}

TEST_CASE("record: random UUIDs are version 4, RFC 4122 variant and distinct",
          "[record]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string s = UuidToString(RandomUuid());
    CHECK(s[14] == '4');
    CHECK(std::string("89ab").find(s[19]) != std::string::npos);
    seen.insert(s);
  }
  CHECK(seen.size() == 100);
}

}  // namespace
}  // namespace libexport::internal
