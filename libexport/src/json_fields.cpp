#include "json_fields.h"

#include "json_writer.h"
#include "keys.h"

namespace libexport::internal {

using simdjson::dom::element_type;

Status Invalid(std::string field, std::string message) {
  return Status::InvalidArgument(std::move(message), std::move(field));
}

Status Invalid(const FieldPath& field, std::string message) {
  return Status::InvalidArgument(std::move(message), field.str());
}

// A quoted, escaped and (when long) truncated copy of `s` for messages.
std::string Echo(std::string_view s) {
  std::string out;
  if (s.size() <= kMaxEcho) {
    AppendJsonString(&out, s);
    return out;
  }
  size_t cut = kMaxEcho;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  AppendJsonString(&out, s.substr(0, cut));
  out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

// What a value is, for "got ..." in messages: short values in full, objects
// and arrays by kind only.
std::string Describe(const element& e) {
  std::string out;
  switch (e.type()) {
    case element_type::OBJECT:
      return "an object";
    case element_type::ARRAY:
      return "an array";
    case element_type::STRING: {
      std::string_view s;
      if (e.get(s) == simdjson::SUCCESS) return Echo(s);
      return "a string";
    }
    default:
      AppendJsonValue(&out, e);  // numbers, booleans, null: short
      return out;
  }
}

Status GetString(const std::optional<element>& slot, const FieldPath& path,
                 std::optional<std::string_view>* out) {
  out->reset();
  if (!slot) return Status::Ok();
  std::string_view s;
  if (slot->get(s) != simdjson::SUCCESS) {
    return Invalid(path, "must be a string, got " + Describe(*slot));
  }
  *out = s;
  return Status::Ok();
}

Status GetRequiredString(const std::optional<element>& slot,
                         const FieldPath& path, std::string_view what,
                         std::string_view* out) {
  std::optional<std::string_view> s;
  LIBEXPORT_RETURN_IF_ERROR(GetString(slot, path, &s));
  if (!s) return Invalid(path, "is required: " + std::string(what));
  if (s->empty()) {
    return Invalid(path, "must not be empty: " + std::string(what));
  }
  *out = *s;
  return Status::Ok();
}

Status GetBool(const std::optional<element>& slot, const FieldPath& path,
               bool* out) {
  *out = false;
  if (!slot) return Status::Ok();
  if (slot->get(*out) != simdjson::SUCCESS) {
    return Invalid(path, "must be true or false, got " + Describe(*slot));
  }
  return Status::Ok();
}

Status GetTime(const std::optional<element>& slot, const FieldPath& path,
               std::optional<Rfc3339>* out) {
  out->reset();
  if (!slot) return Status::Ok();
  std::string_view s;
  if (slot->get(s) != simdjson::SUCCESS) {
    return Invalid(path,
                   "must be an RFC 3339 time string, got " + Describe(*slot));
  }
  Result<Rfc3339> t = ParseRfc3339(s);
  if (!t.ok()) return Invalid(path, t.status().message() + ", got " + Echo(s));
  *out = *t;
  return Status::Ok();
}

// An identity or criteria object that exists exactly when the type says so.
Status CheckPresence(const std::optional<element>& slot, bool wanted,
                     const FieldPath& path, std::string_view type_field,
                     std::string_view type_value, std::string_view expected) {
  if (wanted && !slot) {
    return Invalid(path, "is required when " + std::string(type_field) +
                             " is " + std::string(type_value) + " (" +
                             std::string(expected) + ")");
  }
  if (!wanted && slot) {
    return Invalid(path, "is not allowed when " + std::string(type_field) +
                             " is " + std::string(type_value));
  }
  return Status::Ok();
}

Status GetIdentity(const std::optional<element>& slot, const FieldPath& path,
                   std::string_view* out) {
  LIBEXPORT_RETURN_IF_ERROR(
      GetRequiredString(slot, path, "a non-empty string", out));
  if (out->size() > kMaxIdentitySize) {
    return Invalid(path, "is " + std::to_string(out->size()) +
                             " bytes; the limit is " +
                             std::to_string(kMaxIdentitySize));
  }
  return Status::Ok();
}

Status CheckObject(const std::optional<element>& slot, const FieldPath& path) {
  if (slot && !slot->is_object()) {
    return Invalid(path, "must be an object, got " + Describe(*slot));
  }
  return Status::Ok();
}

}  // namespace libexport::internal
