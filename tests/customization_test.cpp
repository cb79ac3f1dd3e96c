#include "customization.h"

#include <catch2/catch.hpp>
#include <string>

#include "record.h"

namespace libexport::internal {
namespace {

constexpr Timestamp kNow{1795978479, 123'000'000};  // 2026-11-29T18:54:39.123Z

struct Decoded {
  EncodedRecord rec;
  RecordView view;
};

Decoded Encode(const std::string& json) {
  Decoded d;
  Status s = EncodeCustomizationJson(json, kNow, &d.rec);
  INFO(s.ToString());
  REQUIRE(s.ok());
  REQUIRE(RecordView::ParseBody(d.rec.value, &d.view).ok());
  return d;
}

Status EncodeError(const std::string& json) {
  EncodedRecord rec;
  return EncodeCustomizationJson(json, kNow, &rec);
}

// Offsets of the JSON and of the raw string area inside the value.
size_t JsonAt(const Decoded& d) {
  return static_cast<size_t>(d.view.json().data() - d.rec.value.data());
}
size_t RawAt(const Decoded& d) { return JsonAt(d) + d.view.json().size(); }

const char kFullInput[] = R"({
  "id": "0B6F2C34-5D1E-4A7B-9C8D-1E2F3A4B5C6D",
  "model": "basket",
  "target_type": "item",
  "target_identity": "/p/123/?q=a%20b",
  "target_metadata": {"z": 1, "a": [true, null, 1.5]},
  "tags": ["summer", "sale", "summer"],
  "pin_definitions": [
    {"position": 1, "pin_type": "item", "pin_identity": "/p/9/",
     "active_from": "2026-11-29T20:00:00+02:00",
     "active_to": "2026-12-01T00:00:00.250Z"},
    {"is_block_pin": true, "widget_id": "w1", "position": 0,
     "pin_type": "criteria", "pin_criteria": {"brand": "acme", "price": {"lt": 100}}}
  ],
  "creator": "alice",
  "created_at": "2026-01-02T03:04:05Z",
  "available": true
})";

const char kFullPin0[] =
    R"({"position":1,"pin_type":"item","pin_identity":"/p/9/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-11-29T18:00:00Z","active_to":"2026-12-01T00:00:00.250Z"})";
const char kFullPin1[] =
    R"({"position":0,"pin_type":"criteria","pin_criteria":{"brand":"acme","price":{"lt":100}},"widget_id":"w1","is_block_pin":true,"is_bundle_pin":false})";
const char kFullOutput[] =
    R"({"id":"0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6d","model":"basket","target_type":"item","target_identity":"/p/123/?q=a%20b","target_metadata":{"z":1,"a":[true,null,1.5]},"tags":["summer","sale"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/9/","is_block_pin":false,"is_bundle_pin":false,"active_from":"2026-11-29T18:00:00Z","active_to":"2026-12-01T00:00:00.250Z"},{"position":0,"pin_type":"criteria","pin_criteria":{"brand":"acme","price":{"lt":100}},"widget_id":"w1","is_block_pin":true,"is_bundle_pin":false}],"creator":"alice","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-11-29T18:54:39Z"})";

TEST_CASE("customization: a full example is written in the canonical form",
          "[customization]") {
  Decoded d = Encode(kFullInput);
  CHECK(d.view.json() == kFullOutput);
  CHECK(UuidToString(d.rec.id) == "0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6d");
}

TEST_CASE("customization: the header of the full example describes its JSON",
          "[customization]") {
  Decoded d = Encode(kFullInput);
  const RecordView& v = d.view;
  CHECK(v.target_type() == TargetType::kItem);
  CHECK(v.str(v.model_ref()) == "basket");
  CHECK(v.model_ref().hash == Hash64("basket"));
  CHECK(v.str(v.target_identity_ref()) == "/p/123/?q=a%20b");
  REQUIRE(v.tag_count() == 2);
  CHECK(v.str(v.tag_ref(0)) == "summer");
  CHECK(v.str(v.tag_ref(1)) == "sale");
  // The pins' bytes, as the export splices them when pruning.
  const std::string_view json = v.json();
  CHECK(json.substr(v.pins_begin(), v.pins_end() - v.pins_begin()) ==
        std::string(kFullPin0) + "," + kFullPin1);
  REQUIRE(v.pin_count() == 2);
  PinEntry p0 = v.pin(0), p1 = v.pin(1);
  CHECK(json.substr(p0.begin, p0.end - p0.begin) == kFullPin0);
  CHECK(json.substr(p1.begin, p1.end - p1.begin) == kFullPin1);
  CHECK(p0.active_from == int64_t{1795975200} * 1'000'000);
  CHECK(p0.active_to == int64_t{1796083200} * 1'000'000 + 250'000);
  CHECK(p0.type == PinType::kItem);
  CHECK(p0.flags == 0);
  CHECK(v.str(p0.identity) == "/p/9/");
  CHECK(p0.identity.hash == Hash64("/p/9/"));
  CHECK(p1.active_from == kOpenFrom);
  CHECK(p1.active_to == kOpenTo);
  CHECK(p1.type == PinType::kCriteria);
  CHECK(p1.flags == kPinFlagBlock);
  CHECK(p1.identity.offset == 0);
  CHECK(p1.identity.length == 0);
  // No string needed escaping: every ref points into the JSON, no raw area.
  CHECK(RawAt(d) == d.rec.value.size());
  CHECK(v.model_ref().offset >= JsonAt(d));
  CHECK(v.model_ref().offset < RawAt(d));
}

TEST_CASE(
    "customization: a minimal customization gets an id and the export time",
    "[customization]") {
  Decoded d =
      Encode(R"({"model":"m","target_type":"all","pin_definitions":[]})");
  const std::string id = UuidToString(d.rec.id);
  CHECK(
      d.view.json() ==
      R"({"id":")" + id +
          R"(","model":"m","target_type":"all","pin_definitions":[],"created_at":"2026-11-29T18:54:39Z","updated_at":"2026-11-29T18:54:39Z"})");
  CHECK(id[14] == '4');  // version 4
  CHECK(d.view.pin_count() == 0);
  CHECK(d.view.pins_begin() == d.view.pins_end());
  CHECK(d.view.target_type() == TargetType::kAll);
}

TEST_CASE("customization: null for an optional field means absent",
          "[customization]") {
  Decoded d = Encode(
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","target_identity":null,"target_criteria":null,"target_metadata":null,"tags":null,"creator":null,"created_at":null,"updated_at":null,"available":null,"pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{},"pin_identity":null,"widget_id":null,"is_block_pin":null,"is_bundle_pin":null,"active_from":null,"active_to":null}]})");
  CHECK(
      d.view.json() ==
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{},"is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-11-29T18:54:39Z","updated_at":"2026-11-29T18:54:39Z"})");
}

TEST_CASE("customization: times are normalized to UTC keeping fraction digits",
          "[customization]") {
  Decoded d = Encode(
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":2,"pin_type":"criteria","pin_criteria":{},"is_bundle_pin":true,"active_from":"2026-11-29t20:54:39.000100+02:00","active_to":"2026-11-30T00:00:00.1234567891-00:30"}],"created_at":"2026-11-29T12:00:00.5-06:00","updated_at":"2026-11-29T18:54:39z"})");
  CHECK(
      d.view.json() ==
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","pin_definitions":[{"position":2,"pin_type":"criteria","pin_criteria":{},"is_block_pin":false,"is_bundle_pin":true,"active_from":"2026-11-29T18:54:39.000100Z","active_to":"2026-11-30T00:30:00.123456789Z"}],"created_at":"2026-11-29T18:00:00.5Z","updated_at":"2026-11-29T18:54:39Z"})");
  PinEntry p = d.view.pin(0);
  CHECK(p.active_from == int64_t{1795978479} * 1'000'000 + 100);
  CHECK(p.active_to ==
        (int64_t{1795978479} + 5 * 3600 + 35 * 60 + 21) * 1'000'000 + 123456);
  CHECK(p.flags == kPinFlagBundle);
}

TEST_CASE(
    "customization: duplicate tags are removed keeping first-occurrence order",
    "[customization]") {
  Decoded d = Encode(
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","tags":["b","a","b","c","a"],"pin_definitions":[]})");
  CHECK(d.view.json().find(R"("tags":["b","a","c"],)") !=
        std::string_view::npos);
  REQUIRE(d.view.tag_count() == 3);
  CHECK(d.view.str(d.view.tag_ref(0)) == "b");
  CHECK(d.view.str(d.view.tag_ref(1)) == "a");
  CHECK(d.view.str(d.view.tag_ref(2)) == "c");
}

TEST_CASE("customization: an empty tags array is kept", "[customization]") {
  Decoded d = Encode(
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","tags":[],"pin_definitions":[]})");
  CHECK(d.view.json().find(R"("tags":[],)") != std::string_view::npos);
  CHECK(d.view.tag_count() == 0);
}

TEST_CASE(
    "customization: escaped strings are referenced in the raw string area",
    "[customization]") {
  // JSON input: quote, backslash, newline, a \u0001 control, slash, é, ?, %.
  Decoded d = Encode(
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m\"odel","target_type":"item","target_identity":"/p/\u00e9?x=1%2F&y=\/","tags":["tab\there","plain/é","c\\d\u0001"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"line\nbreak","widget_id":"w\"1"}],"creator":"bob\r"})");
  CHECK(
      d.view.json() ==
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m\"odel","target_type":"item","target_identity":"/p/é?x=1%2F&y=/","tags":["tab\there","plain/é","c\\d\u0001"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"line\nbreak","widget_id":"w\"1","is_block_pin":false,"is_bundle_pin":false}],"creator":"bob\r","created_at":"2026-11-29T18:54:39Z","updated_at":"2026-11-29T18:54:39Z"})");
  const RecordView& v = d.view;
  const size_t raw_at = RawAt(d);
  CHECK(raw_at < d.rec.value.size());

  CHECK(v.str(v.model_ref()) == "m\"odel");
  CHECK(v.model_ref().offset >= raw_at);
  CHECK(v.model_ref().hash == Hash64("m\"odel"));

  // Needed no escaping ('/', non-ASCII, '?', '%' are written as they are).
  CHECK(v.str(v.target_identity_ref()) == "/p/é?x=1%2F&y=/");
  CHECK(v.target_identity_ref().offset < raw_at);

  CHECK(v.str(v.tag_ref(0)) == "tab\there");
  CHECK(v.tag_ref(0).offset >= raw_at);
  CHECK(v.str(v.tag_ref(1)) == "plain/é");
  CHECK(v.tag_ref(1).offset < raw_at);
  CHECK(v.str(v.tag_ref(2)) == std::string("c\\d\x01"));
  CHECK(v.tag_ref(2).offset >= raw_at);

  CHECK(v.str(v.pin(0).identity) == "line\nbreak");
  CHECK(v.pin(0).identity.offset >= raw_at);
  CHECK(v.pin(0).identity.hash == Hash64("line\nbreak"));
}

TEST_CASE(
    "customization: opaque criteria keep key order and every token as written",
    "[customization]") {
  Decoded d = Encode(
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"criteria",
          "target_criteria": {"zeta": 1, "alpha": -2, "u": 18446744073709551615,
                              "i": -9223372036854775808, "f": 0.1, "e": 1E3, "x": 1.0,
                              "big": 1e300, "tiny": -2.5e-8, "s": "\u00e9\/\"", "n": null,
                              "arr": [ {}, [], [1, [2]] ], "zeta": 2},
          "pin_definitions": []})");
  CHECK(
      d.view.json() ==
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"criteria","target_criteria":{"zeta":1,"alpha":-2,"u":18446744073709551615,"i":-9223372036854775808,"f":0.1,"e":1E3,"x":1.0,"big":1e300,"tiny":-2.5e-8,"s":"\u00e9\/\"","n":null,"arr":[{},[],[1,[2]]],"zeta":2},"pin_definitions":[],"created_at":"2026-11-29T18:54:39Z","updated_at":"2026-11-29T18:54:39Z"})");
  CHECK(d.view.target_type() == TargetType::kCriteria);
  CHECK(d.view.target_identity_ref().length == 0);
}

TEST_CASE("customization: the canonical form encodes to itself",
          "[customization]") {
  Decoded once = Encode(kFullInput);
  Decoded twice = Encode(std::string(once.view.json()));
  CHECK(twice.view.json() == once.view.json());
  CHECK(twice.rec.value == once.rec.value);
}

TEST_CASE("customization: an exported record with available imports unchanged",
          "[customization]") {
  std::string exported(kFullOutput);
  exported.pop_back();
  exported += R"(,"available":false})";
  CHECK(Encode(exported).view.json() == kFullOutput);
}

// Every validation error names its field. The base document is valid.
std::string Doc(const std::string& fields) { return "{" + fields + "}"; }
std::string WithPin(const std::string& pin) {
  return R"({"model":"m","target_type":"all","pin_definitions":[)" + pin + "]}";
}

TEST_CASE("customization: every invalid input is rejected naming the field",
          "[customization]") {
  const std::string big(1025, 'x');
  struct Case {
    std::string json;
    std::string field;
  };
  const Case cases[] = {
      // The document itself.
      {"[]", ""},
      {"{", ""},
      {R"({"model":"m"} {})", ""},
      // Top-level fields.
      {Doc(R"("model":"m","target_type":"all","pin_definitions":[],"colour":1)"),
       "colour"},
      {Doc(R"("model":"m","model":"n","target_type":"all","pin_definitions":[])"),
       "model"},
      {Doc(R"("id":"xyz","model":"m","target_type":"all","pin_definitions":[])"),
       "id"},
      {Doc(R"("id":"0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6","model":"m","target_type":"all","pin_definitions":[])"),
       "id"},
      {Doc(R"("id":7,"model":"m","target_type":"all","pin_definitions":[])"),
       "id"},
      {Doc(R"("target_type":"all","pin_definitions":[])"), "model"},
      {Doc(R"("model":null,"target_type":"all","pin_definitions":[])"),
       "model"},
      {Doc(R"("model":"","target_type":"all","pin_definitions":[])"), "model"},
      {Doc(R"("model":5,"target_type":"all","pin_definitions":[])"), "model"},
      {Doc(R"("model":"m","pin_definitions":[])"), "target_type"},
      {Doc(R"("model":"m","target_type":"Item","pin_definitions":[])"),
       "target_type"},
      {Doc(R"("model":"m","target_type":["all"],"pin_definitions":[])"),
       "target_type"},
      {Doc(R"("model":"m","target_type":"item","pin_definitions":[])"),
       "target_identity"},
      {Doc(R"("model":"m","target_type":"item","target_identity":"","pin_definitions":[])"),
       "target_identity"},
      {Doc(R"("model":"m","target_type":"item","target_identity":3,"pin_definitions":[])"),
       "target_identity"},
      {Doc(R"("model":"m","target_type":"item","target_identity":")" + big +
           R"(","pin_definitions":[])"),
       "target_identity"},
      {Doc(R"("model":"m","target_type":"all","target_identity":"/p/1/","pin_definitions":[])"),
       "target_identity"},
      {Doc(R"("model":"m","target_type":"criteria","target_identity":"/p/1/","target_criteria":{},"pin_definitions":[])"),
       "target_identity"},
      {Doc(R"("model":"m","target_type":"criteria","pin_definitions":[])"),
       "target_criteria"},
      {Doc(R"("model":"m","target_type":"criteria","target_criteria":[],"pin_definitions":[])"),
       "target_criteria"},
      {Doc(R"("model":"m","target_type":"all","target_criteria":{},"pin_definitions":[])"),
       "target_criteria"},
      {Doc(R"("model":"m","target_type":"item","target_identity":"/p/","target_criteria":{},"pin_definitions":[])"),
       "target_criteria"},
      {Doc(R"("model":"m","target_type":"all","target_metadata":"x","pin_definitions":[])"),
       "target_metadata"},
      {Doc(R"("model":"m","target_type":"all","tags":"a","pin_definitions":[])"),
       "tags"},
      {Doc(R"("model":"m","target_type":"all","tags":[1],"pin_definitions":[])"),
       "tags[0]"},
      {Doc(R"("model":"m","target_type":"all","tags":["a",""],"pin_definitions":[])"),
       "tags[1]"},
      {Doc(R"("model":"m","target_type":"all","tags":["a",null],"pin_definitions":[])"),
       "tags[1]"},
      {Doc(R"("model":"m","target_type":"all")"), "pin_definitions"},
      {Doc(R"("model":"m","target_type":"all","pin_definitions":null)"),
       "pin_definitions"},
      {Doc(R"("model":"m","target_type":"all","pin_definitions":{})"),
       "pin_definitions"},
      {Doc(R"("model":"m","target_type":"all","pin_definitions":[],"creator":1)"),
       "creator"},
      {Doc(R"("model":"m","target_type":"all","pin_definitions":[],"created_at":"yesterday")"),
       "created_at"},
      {Doc(R"("model":"m","target_type":"all","pin_definitions":[],"updated_at":5)"),
       "updated_at"},
      {Doc(R"("model":"m","target_type":"all","pin_definitions":[],"updated_at":"2026-02-30T00:00:00Z")"),
       "updated_at"},
      {Doc(R"("model":"m","target_type":"all","pin_definitions":[],"available":"yes")"),
       "available"},
      // Pins.
      {WithPin("1"), "pin_definitions[0]"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{}},{"position":1,"pin_type":"criteria","pin_criteria":{},"colour":"red"})"),
       "pin_definitions[1].colour"},
      {WithPin(R"({"pin_type":"criteria","pin_criteria":{}})"),
       "pin_definitions[0].position"},
      {WithPin(R"({"position":1.0,"pin_type":"criteria","pin_criteria":{}})"),
       "pin_definitions[0].position"},
      {WithPin(R"({"position":"1","pin_type":"criteria","pin_criteria":{}})"),
       "pin_definitions[0].position"},
      {WithPin(R"({"position":-2,"pin_type":"criteria","pin_criteria":{}})"),
       "pin_definitions[0].position"},
      {WithPin(
           R"({"position":9223372036854775808,"pin_type":"criteria","pin_criteria":{}})"),
       "pin_definitions[0].position"},
      {WithPin(R"({"position":0,"pin_type":"criteria","pin_criteria":{}})"),
       "pin_definitions[0].position"},
      {WithPin(
           R"({"position":0,"pin_type":"criteria","pin_criteria":{},"is_block_pin":false})"),
       "pin_definitions[0].position"},
      {WithPin(R"({"position":1,"pin_criteria":{}})"),
       "pin_definitions[0].pin_type"},
      {WithPin(R"({"position":1,"pin_type":"ITEM","pin_identity":"/p/"})"),
       "pin_definitions[0].pin_type"},
      {WithPin(R"({"position":1,"pin_type":"item"})"),
       "pin_definitions[0].pin_identity"},
      {WithPin(R"({"position":1,"pin_type":"item","pin_identity":""})"),
       "pin_definitions[0].pin_identity"},
      {WithPin(R"({"position":1,"pin_type":"item","pin_identity":")" + big +
               R"("})"),
       "pin_definitions[0].pin_identity"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{},"pin_identity":"/p/"})"),
       "pin_definitions[0].pin_identity"},
      {WithPin(R"({"position":1,"pin_type":"criteria"})"),
       "pin_definitions[0].pin_criteria"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":"brand=acme"})"),
       "pin_definitions[0].pin_criteria"},
      {WithPin(
           R"({"position":1,"pin_type":"item","pin_identity":"/p/","pin_criteria":{}})"),
       "pin_definitions[0].pin_criteria"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{},"widget_id":3})"),
       "pin_definitions[0].widget_id"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{},"is_block_pin":"true"})"),
       "pin_definitions[0].is_block_pin"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{},"is_bundle_pin":1})"),
       "pin_definitions[0].is_bundle_pin"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{},"active_from":"2026-11-29"})"),
       "pin_definitions[0].active_from"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{},"active_to":"2026-11-29T18:54:60Z"})"),
       "pin_definitions[0].active_to"},
      {WithPin(
           R"({"position":1,"pin_type":"criteria","pin_criteria":{},"active_from":"2026-12-01T00:00:00Z","active_to":"2026-11-30T00:00:00Z"})"),
       "pin_definitions[0].active_from"},
  };
  for (const Case& c : cases) {
    INFO(c.json.substr(0, 200));
    Status s = EncodeError(c.json);
    INFO(s.ToString());
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.field() == c.field);
    CHECK_FALSE(s.message().empty());
  }
}

TEST_CASE(
    "customization: a pin with position 0 and no is_block_pin is rejected "
    "naming the field",
    "[customization]") {
  Status s = EncodeError(
      WithPin(R"({"position":0,"pin_type":"item","pin_identity":"/p/1/"})"));
  CHECK(s.ToString() ==
        "InvalidArgument: pin_definitions[0].position: 0 is the block position "
        "and needs \"is_block_pin\": true");
  CHECK(
      EncodeError(
          WithPin(
              R"({"position":0,"pin_type":"item","pin_identity":"/p/1/","is_block_pin":true})"))
          .ok());
}

TEST_CASE("customization: messages say what was expected and what came",
          "[customization]") {
  Status s = EncodeError(
      Doc(R"("model":"m","target_type":"Item","pin_definitions":[])"));
  CHECK(s.ToString() ==
        "InvalidArgument: target_type: must be item, criteria or all "
        "(case-sensitive), got \"Item\"");
  s = EncodeError(
      WithPin(R"({"position":1.0,"pin_type":"criteria","pin_criteria":{}})"));
  CHECK(s.message().find("integer") != std::string::npos);
  CHECK(s.message().find("got 1") != std::string::npos);
}

TEST_CASE("customization: a huge bad value is not echoed in full",
          "[customization]") {
  const std::string huge(100000, 'Q');
  Status s = EncodeError(Doc(R"("model":"m","target_type":")" + huge +
                             R"(","pin_definitions":[])"));
  CHECK(s.field() == "target_type");
  CHECK(s.message().size() < 200);
  s = EncodeError(
      Doc(R"("model":"m","target_type":"all","pin_definitions":[],")" + huge +
          R"(":1)"));
  CHECK(s.field().size() <= 64);
  CHECK(s.message().size() < 400);
}

TEST_CASE("customization: an identity of exactly 1024 bytes is accepted",
          "[customization]") {
  const std::string id(1024, 'x');
  Decoded d = Encode(Doc(
      R"("model":"m","target_type":"item","target_identity":")" + id +
      R"(","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":")" +
      id + R"("}])"));
  CHECK(d.view.str(d.view.target_identity_ref()) == id);
  CHECK(d.view.str(d.view.pin(0).identity) == id);
}

TEST_CASE("customization: the available field accepts either boolean",
          "[customization]") {
  for (const char* a : {"true", "false"}) {
    CHECK(
        EncodeError(
            Doc(std::string(
                    R"("model":"m","target_type":"all","pin_definitions":[],"available":)") +
                a))
            .ok());
  }
}

TEST_CASE("customization: pins that are not yet active keep open bounds",
          "[customization]") {
  Decoded d = Encode(WithPin(
      R"({"position":-1,"pin_type":"item","pin_identity":"/p/1/","active_from":"2027-01-01T00:00:00Z"},{"position":3,"pin_type":"item","pin_identity":"/p/2/","active_to":"2026-01-01T00:00:00Z"})"));
  REQUIRE(d.view.pin_count() == 2);
  CHECK(d.view.pin(0).active_to == kOpenTo);
  CHECK(d.view.pin(1).active_from == kOpenFrom);
}

}  // namespace
}  // namespace libexport::internal
