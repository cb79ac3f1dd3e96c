// RecordView::ParseBody on arbitrary bytes (a stored record is checksummed
// first; the body parser is what must hold against any bytes). Oracle: a value
// that parses has every string ref, pin and JSON range inside the value (so the
// export can read them without going out of bounds; ASan checks each read).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "record.h"

using libexport::internal::RecordView;
using libexport::internal::StrRef;

namespace {

// Reads every byte of `s` so that ASan sees an out-of-bounds view.
size_t Touch(std::string_view s) {
  size_t sum = 0;
  for (char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

bool Inside(std::string_view value, const StrRef& r) {
  return r.offset <= value.size() && r.length <= value.size() - r.offset;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A heap copy of exactly `size` bytes: any read past it is an ASan report.
  std::string copy(reinterpret_cast<const char*>(data), size);
  std::string_view value(copy);
  RecordView r;
  if (!RecordView::ParseBody(value, &r).ok()) return 0;
  volatile size_t sink = 0;
  std::string_view json = r.json();
  FUZZ_CHECK(!json.empty() && json.back() == '}', "json ends with }");
  FUZZ_CHECK(json.data() >= value.data() &&
                 json.data() + json.size() <= value.data() + value.size(),
             "json inside the value");
  FUZZ_CHECK(r.pins_begin() <= r.pins_end() && r.pins_end() <= json.size(),
             "pins range inside the json");
  sink += Touch(json);
  FUZZ_CHECK(Inside(value, r.model_ref()), "model ref");
  sink += Touch(r.str(r.model_ref()));
  if (r.has_target_identity()) {
    FUZZ_CHECK(Inside(value, r.target_identity_ref()), "target identity ref");
    sink += Touch(r.str(r.target_identity_ref()));
  }
  for (size_t i = 0; i < r.tag_count(); ++i) {
    FUZZ_CHECK(Inside(value, r.tag_ref(i)), "tag ref");
    sink += Touch(r.str(r.tag_ref(i)));
  }
  for (size_t i = 0; i < r.pin_count(); ++i) {
    auto p = r.pin(i);
    FUZZ_CHECK(p.begin <= p.end && p.end <= json.size(), "pin range");
    sink += Touch(json.substr(p.begin, p.end - p.begin));
    if (p.type == libexport::internal::PinType::kItem) {
      FUZZ_CHECK(Inside(value, p.identity), "pin identity ref");
      sink += Touch(r.str(p.identity));
    }
  }
  (void)sink;
  return 0;
}
