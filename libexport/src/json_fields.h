// Reading the fields of a JSON object for validation, with errors that
// name the field's path (`pin_definitions[2].active_to`) and echo the bad
// value. Used by the customization encoder.
#ifndef LIBEXPORT_SRC_JSON_FIELDS_H_
#define LIBEXPORT_SRC_JSON_FIELDS_H_

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "libexport/status.h"
#include "libexport/time.h"

namespace libexport::internal {

using simdjson::dom::element;

// Error messages echo at most this much of a bad value.
constexpr size_t kMaxEcho = 64;

// The path of a field, built as text only when it goes into an error:
// `name`, `group[index]` or `group[index].name`.
struct FieldPath {
  std::string_view group;  // empty at the top level
  size_t index = 0;
  std::string_view name;
  bool has_name = false;

  FieldPath With(std::string_view field) const {
    return FieldPath{group, index, field, true};
  }
  std::string str() const {
    if (group.empty()) return std::string(name);
    std::string out(group);
    out += '[';
    out += std::to_string(index);
    out += ']';
    if (has_name) {
      out += '.';
      out += name;
    }
    return out;
  }
};

Status Invalid(std::string field, std::string message);

Status Invalid(const FieldPath& field, std::string message);

// A quoted, escaped and (when long) truncated copy of `s` for messages.
std::string Echo(std::string_view s);

// What a value is, for "got ..." in messages: short values in full, objects
// and arrays by kind only.
std::string Describe(const element& e);

Status GetString(const std::optional<element>& slot, const FieldPath& path,
                 std::optional<std::string_view>* out);

Status GetRequiredString(const std::optional<element>& slot,
                         const FieldPath& path, std::string_view what,
                         std::string_view* out);

Status GetBool(const std::optional<element>& slot, const FieldPath& path,
               bool* out);

Status GetTime(const std::optional<element>& slot, const FieldPath& path,
               std::optional<Rfc3339>* out);

// An identity or criteria object that exists exactly when the type says so.
Status CheckPresence(const std::optional<element>& slot, bool wanted,
                     const FieldPath& path, std::string_view type_field,
                     std::string_view type_value, std::string_view expected);

Status GetIdentity(const std::optional<element>& slot, const FieldPath& path,
                   std::string_view* out);

Status CheckObject(const std::optional<element>& slot, const FieldPath& path);

// The fields of one JSON object, by the position of their name in `names`.
// A null value leaves the slot empty: null means absent for optional fields,
// and a required field then reports "is required".
template <size_t N>
using Slots = std::array<std::optional<element>, N>;

template <size_t N>
Status CollectFields(const simdjson::dom::object& obj,
                     const std::array<std::string_view, N>& names,
                     const FieldPath& base, Slots<N>* slots) {
  std::array<bool, N> seen{};
  for (simdjson::dom::key_value_pair kv : obj) {
    size_t i = 0;
    while (i < N && names[i] != kv.key) ++i;
    if (i == N) {
      std::string expected;
      for (std::string_view n : names) {
        if (!expected.empty()) expected += ", ";
        expected += n;
      }
      return Invalid(base.With(kv.key.substr(0, kMaxEcho)),
                     "unknown field; expected one of " + expected);
    }
    if (seen[i]) {
      return Invalid(base.With(kv.key.substr(0, kMaxEcho)),
                     "given more than once");
    }
    seen[i] = true;
    if (!kv.value.is_null()) (*slots)[i] = kv.value;
  }
  return Status::Ok();
}

}  // namespace libexport::internal

#endif  // LIBEXPORT_SRC_JSON_FIELDS_H_
