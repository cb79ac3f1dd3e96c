// Validation and canonical encoding of one customization: docs/format.md
// for the rules, docs/store_format.md ("Record", "Canonical JSON") for the
// bytes. Every rule is checked here, once, at write time; the export then
// trusts the record.
#include "customization.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <limits>
#include <optional>
#include <unordered_set>
#include <vector>

#include "json_fields.h"
#include "json_writer.h"
#include "raw_json.h"

namespace libexport::internal {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Tag and pin counts are u16 in the record header.
constexpr size_t kMaxCount = std::numeric_limits<uint16_t>::max();

// A string ref before the record layout is known: where its bytes are in
// the JSON text or in the raw string area.
struct PendingRef {
  uint64_t hash = 0;
  size_t pos = 0;
  uint32_t length = 0;
  bool in_raw = false;
};

struct PendingPin {
  size_t begin = 0;
  size_t end = 0;
  int64_t active_from = kOpenFrom;
  int64_t active_to = kOpenTo;
  PinType type = PinType::kItem;
  uint8_t flags = 0;
  std::optional<PendingRef> identity;
};

class RecordWriter {
 public:
  std::string json;
  std::string raw;
  // Scratch for one record, kept between records (see Scratch()).
  std::vector<PendingRef> tag_refs;
  std::vector<std::string_view> tags_seen;
  std::vector<PendingPin> pins;

  void Clear() {
    json.clear();
    raw.clear();
    tag_refs.clear();
    tags_seen.clear();
    pins.clear();
  }
  // Does not keep the buffers of an unusually large record.
  void Release() {
    if (json.capacity() > kKeepBytes) std::string().swap(json);
    if (raw.capacity() > kKeepBytes) std::string().swap(raw);
    if (pins.capacity() > 1024) std::vector<PendingPin>().swap(pins);
    if (tag_refs.capacity() > 1024) {
      std::vector<PendingRef>().swap(tag_refs);
      std::vector<std::string_view>().swap(tags_seen);
    }
  }
  static constexpr size_t kKeepBytes = 1 << 20;

  // Appends `s` as a JSON string and remembers where its raw bytes are:
  // inside the JSON when writing it needed no escape, else copied to the raw
  // string area (so a ref always points at the unescaped bytes).
  PendingRef AppendString(std::string_view s) {
    PendingRef r;
    r.hash = Hash64(s);
    r.length = static_cast<uint32_t>(s.size());  // callers bound the size
    if (NeedsJsonEscape(s)) {
      AppendJsonString(&json, s);
      r.pos = raw.size();
      r.in_raw = true;
      raw.append(s);
    } else {
      json.push_back('"');
      r.pos = json.size();
      json.append(s);
      json.push_back('"');
    }
    return r;
  }

  void AppendTime(const Rfc3339& t) {
    json.push_back('"');
    AppendRfc3339(&json, t.time, t.fraction_digits);
    json.push_back('"');
  }
};

// The opaque object that SplitOpaque took out of a field (the DOM holds `{}`
// there), appended as written.
Status AppendOpaque(const std::optional<std::string>& value,
                    const FieldPath& path, std::string* out) {
  if (!value) return Invalid(path, "internal: the opaque value was not kept");
  out->append(*value);
  return Status::Ok();
}

Status EncodePin(const element& e, size_t index, const OpaqueValues& opaque,
                 RecordWriter* w, PendingPin* pin) {
  enum {
    kPosition,
    kPinType,
    kPinIdentity,
    kPinCriteria,
    kWidgetId,
    kIsBlockPin,
    kIsBundlePin,
    kActiveFrom,
    kActiveTo,
    kFieldCount
  };
  static constexpr std::array<std::string_view, kFieldCount> kNames = {
      "position",      "pin_type",    "pin_identity",
      "pin_criteria",  "widget_id",   "is_block_pin",
      "is_bundle_pin", "active_from", "active_to"};
  const FieldPath at{"pin_definitions", index, {}, false};
  auto path = [&](int f) { return at.With(kNames[f]); };

  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) {
    return Invalid(at, "must be a pin object, got " + Describe(e));
  }
  Slots<kFieldCount> f;
  LIBEXPORT_RETURN_IF_ERROR(CollectFields(obj, kNames, at, &f));

  int64_t position = 0;
  if (!f[kPosition]) {
    return Invalid(path(kPosition), "is required: an integer >= -1");
  }
  if (f[kPosition]->type() != element_type::INT64 ||
      f[kPosition]->get(position) != simdjson::SUCCESS || position < -1) {
    return Invalid(path(kPosition),
                   "must be an integer: -1 (global), 0 (block) or a slot >= "
                   "1, got " +
                       Describe(*f[kPosition]));
  }

  std::string_view pin_type;
  LIBEXPORT_RETURN_IF_ERROR(GetRequiredString(f[kPinType], path(kPinType),
                                              "item or criteria", &pin_type));
  if (pin_type != "item" && pin_type != "criteria") {
    return Invalid(
        path(kPinType),
        "must be item or criteria (case-sensitive), got " + Echo(pin_type));
  }
  const bool is_item = pin_type == "item";
  LIBEXPORT_RETURN_IF_ERROR(CheckPresence(f[kPinIdentity], is_item,
                                          path(kPinIdentity), "pin_type",
                                          pin_type, "a non-empty string"));
  std::string_view identity;
  if (is_item) {
    LIBEXPORT_RETURN_IF_ERROR(
        GetIdentity(f[kPinIdentity], path(kPinIdentity), &identity));
  }
  LIBEXPORT_RETURN_IF_ERROR(CheckPresence(f[kPinCriteria], !is_item,
                                          path(kPinCriteria), "pin_type",
                                          pin_type, "an object"));
  LIBEXPORT_RETURN_IF_ERROR(CheckObject(f[kPinCriteria], path(kPinCriteria)));

  std::optional<std::string_view> widget_id;
  LIBEXPORT_RETURN_IF_ERROR(
      GetString(f[kWidgetId], path(kWidgetId), &widget_id));
  bool is_block = false, is_bundle = false;
  LIBEXPORT_RETURN_IF_ERROR(
      GetBool(f[kIsBlockPin], path(kIsBlockPin), &is_block));
  LIBEXPORT_RETURN_IF_ERROR(
      GetBool(f[kIsBundlePin], path(kIsBundlePin), &is_bundle));
  if (position == 0 && !is_block) {
    return Invalid(path(kPosition),
                   "0 is the block position and needs \"is_block_pin\": true");
  }

  std::optional<Rfc3339> from, to;
  LIBEXPORT_RETURN_IF_ERROR(GetTime(f[kActiveFrom], path(kActiveFrom), &from));
  LIBEXPORT_RETURN_IF_ERROR(GetTime(f[kActiveTo], path(kActiveTo), &to));
  if (from && to && from->time > to->time) {
    return Invalid(path(kActiveFrom), "must not be later than active_to");
  }

  std::string& j = w->json;
  pin->begin = j.size();
  j += "{\"position\":";
  char buf[24];
  j.append(buf, std::to_chars(buf, buf + sizeof buf, position).ptr);
  j += is_item ? ",\"pin_type\":\"item\"" : ",\"pin_type\":\"criteria\"";
  if (is_item) {
    j += ",\"pin_identity\":";
    pin->identity = w->AppendString(identity);
  } else {
    j += ",\"pin_criteria\":";
    static const std::optional<std::string> kNone;
    LIBEXPORT_RETURN_IF_ERROR(AppendOpaque(
        index < opaque.pin_criteria.size() ? opaque.pin_criteria[index] : kNone,
        path(kPinCriteria), &j));
  }
  if (widget_id) {
    j += ",\"widget_id\":";
    AppendJsonString(&j, *widget_id);
  }
  j += is_block ? ",\"is_block_pin\":true" : ",\"is_block_pin\":false";
  j += is_bundle ? ",\"is_bundle_pin\":true" : ",\"is_bundle_pin\":false";
  if (from) {
    j += ",\"active_from\":";
    w->AppendTime(*from);
  }
  if (to) {
    j += ",\"active_to\":";
    w->AppendTime(*to);
  }
  j.push_back('}');
  pin->end = j.size();
  pin->type = is_item ? PinType::kItem : PinType::kCriteria;
  pin->flags = static_cast<uint8_t>((is_block ? kPinFlagBlock : 0) |
                                    (is_bundle ? kPinFlagBundle : 0));
  if (from) pin->active_from = ToMicros(from->time);
  if (to) pin->active_to = ToMicros(to->time);
  return Status::Ok();
}

template <typename T>
void Store(std::string* v, size_t at, T x) {
  std::memcpy(v->data() + at, &x, sizeof x);
}

// Encodes a customization given as a parsed JSON element whose opaque
// objects SplitOpaque replaced by `{}` and kept in `opaque`.
Status EncodeCustomization(const element& element, const OpaqueValues& opaque,
                           Timestamp now, const ReplacementStamps* stamps,
                           EncodedRecord* out) {
  enum {
    kId,
    kModel,
    kTargetType,
    kTargetIdentity,
    kTargetCriteria,
    kTargetMetadata,
    kTags,
    kPinDefinitions,
    kCreator,
    kCreatedAt,
    kUpdatedAt,
    kAvailable,
    kFieldCount
  };
  static constexpr std::array<std::string_view, kFieldCount> kNames = {
      "id",
      "model",
      "target_type",
      "target_identity",
      "target_criteria",
      "target_metadata",
      "tags",
      "pin_definitions",
      "creator",
      "created_at",
      "updated_at",
      "available"};
  auto path = [](int f) { return FieldPath{}.With(kNames[f]); };

  simdjson::dom::object obj;
  if (element.get(obj) != simdjson::SUCCESS) {
    return Invalid(
        "", "a customization must be a JSON object, got " + Describe(element));
  }
  Slots<kFieldCount> f;
  LIBEXPORT_RETURN_IF_ERROR(CollectFields(obj, kNames, FieldPath{}, &f));

  Uuid id;
  std::optional<std::string_view> id_text;
  LIBEXPORT_RETURN_IF_ERROR(GetString(f[kId], path(kId), &id_text));
  if (!id_text) {
    id =
        stamps != nullptr && stamps->id != nullptr ? *stamps->id : RandomUuid();
  } else if (!ParseUuid(*id_text, &id)) {
    return Invalid(path(kId),
                   "must be a UUID like 0b6f2c34-5d1e-4a7b-9c8d-1e2f3a4b5c6d, "
                   "got " +
                       Echo(*id_text));
  } else if (stamps != nullptr && stamps->id != nullptr && id != *stamps->id) {
    return Invalid(path(kId), "must be absent or the id of the path (" +
                                  UuidToString(*stamps->id) + "), got " +
                                  Echo(*id_text));
  }

  std::string_view model;
  LIBEXPORT_RETURN_IF_ERROR(
      GetRequiredString(f[kModel], path(kModel), "a non-empty string", &model));

  std::string_view type_text;
  LIBEXPORT_RETURN_IF_ERROR(GetRequiredString(
      f[kTargetType], path(kTargetType), "item, criteria or all", &type_text));
  const std::optional<TargetType> type = ParseTargetType(type_text);
  if (!type) {
    return Invalid(path(kTargetType),
                   "must be item, criteria or all (case-sensitive), got " +
                       Echo(type_text));
  }
  LIBEXPORT_RETURN_IF_ERROR(CheckPresence(
      f[kTargetIdentity], *type == TargetType::kItem, path(kTargetIdentity),
      "target_type", type_text, "a non-empty string"));
  std::string_view target_identity;
  if (*type == TargetType::kItem) {
    LIBEXPORT_RETURN_IF_ERROR(GetIdentity(
        f[kTargetIdentity], path(kTargetIdentity), &target_identity));
  }
  LIBEXPORT_RETURN_IF_ERROR(CheckPresence(
      f[kTargetCriteria], *type == TargetType::kCriteria, path(kTargetCriteria),
      "target_type", type_text, "an object"));
  LIBEXPORT_RETURN_IF_ERROR(
      CheckObject(f[kTargetCriteria], path(kTargetCriteria)));
  LIBEXPORT_RETURN_IF_ERROR(
      CheckObject(f[kTargetMetadata], path(kTargetMetadata)));

  // One writer per thread: its buffers are reused from record to record.
  thread_local RecordWriter w;
  struct ReleaseOnExit {
    RecordWriter* w;
    ~ReleaseOnExit() { w->Release(); }
  } release_on_exit{&w};
  w.Clear();
  w.json += "{\"id\":\"";
  w.json += UuidToString(id);
  w.json += "\",\"model\":";
  const PendingRef model_ref = w.AppendString(model);
  w.json += ",\"target_type\":\"";
  w.json += type_text;
  w.json += '"';
  std::optional<PendingRef> identity_ref;
  if (*type == TargetType::kItem) {
    w.json += ",\"target_identity\":";
    identity_ref = w.AppendString(target_identity);
  }
  if (f[kTargetCriteria]) {
    w.json += ",\"target_criteria\":";
    LIBEXPORT_RETURN_IF_ERROR(
        AppendOpaque(opaque.target_criteria, path(kTargetCriteria), &w.json));
  }
  if (f[kTargetMetadata]) {
    w.json += ",\"target_metadata\":";
    LIBEXPORT_RETURN_IF_ERROR(
        AppendOpaque(opaque.target_metadata, path(kTargetMetadata), &w.json));
  }

  std::vector<PendingRef>& tag_refs = w.tag_refs;
  if (f[kTags]) {
    simdjson::dom::array tags;
    if (f[kTags]->get(tags) != simdjson::SUCCESS) {
      return Invalid(
          path(kTags),
          "must be an array of non-empty strings, got " + Describe(*f[kTags]));
    }
    // Distinct tags so far: a short list is scanned; a long one gets a set.
    std::vector<std::string_view>& seen_list = w.tags_seen;
    std::unordered_set<std::string_view> seen_set;
    constexpr size_t kScanLimit = 32;
    auto seen_before = [&](std::string_view tag) {
      if (seen_list.size() < kScanLimit) {
        for (std::string_view s : seen_list) {
          if (s == tag) return true;
        }
        seen_list.push_back(tag);
        if (seen_list.size() == kScanLimit) {
          seen_set.insert(seen_list.begin(), seen_list.end());
        }
        return false;
      }
      return !seen_set.insert(tag).second;
    };
    w.json += ",\"tags\":[";
    size_t i = 0;
    for (simdjson::dom::element t : tags) {
      std::string_view tag;
      const FieldPath tag_path{"tags", i++, {}, false};
      if (t.get(tag) != simdjson::SUCCESS || tag.empty()) {
        return Invalid(tag_path,
                       "must be a non-empty string, got " + Describe(t));
      }
      if (seen_before(tag)) continue;  // first occurrence wins
      if (tag_refs.size() == kMaxCount) {
        return Invalid(tag_path, "too many distinct tags; the limit is 65535");
      }
      if (!tag_refs.empty()) w.json.push_back(',');
      tag_refs.push_back(w.AppendString(tag));
    }
    w.json.push_back(']');
  }

  if (!f[kPinDefinitions]) {
    return Invalid(path(kPinDefinitions),
                   "is required: an array of pins (may be empty)");
  }
  simdjson::dom::array pins;
  if (f[kPinDefinitions]->get(pins) != simdjson::SUCCESS) {
    return Invalid(path(kPinDefinitions), "must be an array of pins, got " +
                                              Describe(*f[kPinDefinitions]));
  }
  if (pins.size() > kMaxCount) {
    return Invalid(path(kPinDefinitions), "has " + std::to_string(pins.size()) +
                                              " pins; the limit is 65535");
  }
  std::vector<PendingPin>& pending_pins = w.pins;
  pending_pins.resize(pins.size());
  w.json += ",\"pin_definitions\":[";
  const size_t pins_begin = w.json.size();
  size_t p = 0;
  for (simdjson::dom::element pin : pins) {
    if (p > 0) w.json.push_back(',');
    LIBEXPORT_RETURN_IF_ERROR(EncodePin(pin, p, opaque, &w, &pending_pins[p]));
    ++p;
  }
  const size_t pins_end = w.json.size();
  w.json.push_back(']');

  std::optional<std::string_view> creator;
  LIBEXPORT_RETURN_IF_ERROR(GetString(f[kCreator], path(kCreator), &creator));
  if (creator) {
    w.json += ",\"creator\":";
    AppendJsonString(&w.json, *creator);
  }
  std::optional<Rfc3339> created_at, updated_at;
  LIBEXPORT_RETURN_IF_ERROR(
      GetTime(f[kCreatedAt], path(kCreatedAt), &created_at));
  LIBEXPORT_RETURN_IF_ERROR(
      GetTime(f[kUpdatedAt], path(kUpdatedAt), &updated_at));
  const Rfc3339 stamped{now, 0};
  if (stamps != nullptr) {
    created_at = stamps->created_at;
    if (stamps->updated_at) updated_at = stamps->updated_at;
  }
  w.json += ",\"created_at\":";
  w.AppendTime(created_at.value_or(stamped));
  w.json += ",\"updated_at\":";
  w.AppendTime(updated_at.value_or(stamped));
  w.json.push_back('}');

  // `available` is derived at export time; an export's own value is dropped
  // so that importing an export reproduces it.
  bool available_ignored;
  LIBEXPORT_RETURN_IF_ERROR(
      GetBool(f[kAvailable], path(kAvailable), &available_ignored));

  // Layout: header, tag refs, pin entries, JSON, raw strings.
  const size_t pins_at = kRecordHeaderSize + tag_refs.size() * kStrRefSize;
  const size_t json_at = pins_at + pending_pins.size() * kPinEntrySize;
  const size_t raw_at = json_at + w.json.size();
  const size_t total = raw_at + w.raw.size();
  if (total > std::numeric_limits<uint32_t>::max()) {
    return Invalid("", "the encoded customization is " + std::to_string(total) +
                           " bytes; the limit is 4 GiB");
  }
  std::string& v = out->value;
  v.clear();
  v.reserve(total);
  v.append(json_at, '\0');
  auto put_ref = [&](size_t at, const PendingRef& r) {
    Store<uint64_t>(&v, at, r.hash);
    Store<uint32_t>(
        &v, at + 8,
        static_cast<uint32_t>((r.in_raw ? raw_at : json_at) + r.pos));
    Store<uint32_t>(&v, at + 12, r.length);
  };
  v[0] = static_cast<char>(kRecordVersion);
  v[1] = static_cast<char>(*type);
  Store<uint16_t>(&v, 2, static_cast<uint16_t>(tag_refs.size()));
  Store<uint16_t>(&v, 4, static_cast<uint16_t>(pending_pins.size()));
  Store<uint32_t>(&v, 8, static_cast<uint32_t>(json_at));
  Store<uint32_t>(&v, 12, static_cast<uint32_t>(w.json.size()));
  Store<uint32_t>(&v, 16, static_cast<uint32_t>(pins_begin));
  Store<uint32_t>(&v, 20, static_cast<uint32_t>(pins_end));
  put_ref(24, model_ref);
  if (identity_ref) put_ref(40, *identity_ref);
  for (size_t i = 0; i < tag_refs.size(); ++i) {
    put_ref(kRecordHeaderSize + i * kStrRefSize, tag_refs[i]);
  }
  for (size_t i = 0; i < pending_pins.size(); ++i) {
    const PendingPin& pin = pending_pins[i];
    const size_t at = pins_at + i * kPinEntrySize;
    Store<uint32_t>(&v, at, static_cast<uint32_t>(pin.begin));
    Store<uint32_t>(&v, at + 4, static_cast<uint32_t>(pin.end));
    Store<int64_t>(&v, at + 8, pin.active_from);
    Store<int64_t>(&v, at + 16, pin.active_to);
    v[at + 24] = static_cast<char>(pin.type);
    v[at + 25] = static_cast<char>(pin.flags);
    if (pin.identity) put_ref(at + 28, *pin.identity);
  }
  v += w.json;
  v += w.raw;
  out->id = id;
  return Status::Ok();
}

}  // namespace

bool CanonicalCreatedAt(std::string_view canonical_json, Rfc3339* out) {
  // Searched from the end: an opaque object earlier in the record may hold
  // a member of that name, the top-level one comes after every such object.
  constexpr std::string_view kMember = ",\"created_at\":\"";
  const size_t at = canonical_json.rfind(kMember);
  if (at == std::string_view::npos) return false;
  const size_t begin = at + kMember.size();
  const size_t end = canonical_json.find('"', begin);
  if (end == std::string_view::npos) return false;
  auto parsed = ParseRfc3339(canonical_json.substr(begin, end - begin));
  if (!parsed.ok()) return false;
  *out = *parsed;
  return true;
}

Status EncodeCustomizationJson(std::string_view json, Timestamp now,
                               EncodedRecord* out,
                               const ReplacementStamps* stamps) {
  // One parser and one split per thread: they keep their buffers.
  thread_local simdjson::dom::parser parser;
  thread_local std::string rest;
  thread_local OpaqueValues opaque;
  LIBEXPORT_RETURN_IF_ERROR(SplitOpaque(json, &rest, &opaque));
  // `rest` is valid JSON now (SplitOpaque checked every byte); the padding
  // lets simdjson parse it in place.
  rest.reserve(rest.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element root;
  const simdjson::error_code err =
      parser.parse(rest.data(), rest.size(), /*realloc_if_needed=*/false)
          .get(root);
  if (err != simdjson::SUCCESS) {
    return Invalid(
        "", std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  Status st = EncodeCustomization(root, opaque, now, stamps, out);
  if (rest.capacity() > RecordWriter::kKeepBytes) std::string().swap(rest);
  return st;
}

}  // namespace libexport::internal
