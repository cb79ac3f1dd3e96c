// EncodeCustomizationJson on an arbitrary document. Oracle: an accepted
// customization encodes to a record that RecordView parses, whose JSON is
// canonical (encoding it again gives the same record, byte for byte), and
// a rejection is InvalidArgument with a bounded message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "customization.h"
#include "fuzz_common.h"
#include "record.h"

using libexport::internal::EncodeCustomizationJson;
using libexport::internal::EncodedRecord;
using libexport::internal::RecordView;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  const libexport::Timestamp now{1795953600, 0};
  EncodedRecord first;
  libexport::Status s = EncodeCustomizationJson(json, now, &first);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == libexport::Status::Code::kInvalidArgument,
               s.ToString());
    FUZZ_CHECK(s.message().size() + s.field().size() < 4096,
               "error echoes too much");
    return 0;
  }
  RecordView view;
  libexport::Status parsed = RecordView::ParseBody(first.value, &view);
  FUZZ_CHECK(parsed.ok(), parsed.ToString());
  const std::string canonical(view.json());
  // A different `now`: the first encoding already fixed both times.
  EncodedRecord second;
  s = EncodeCustomizationJson(canonical, libexport::Timestamp{1, 0}, &second);
  FUZZ_CHECK(s.ok(),
             "canonical JSON rejected: " + s.ToString() + "\n" + canonical);
  FUZZ_CHECK(second.id == first.id, "id changed");
  FUZZ_CHECK(second.value == first.value,
             "not canonical: " + canonical + "\n" +
                 std::string(RecordView::ParseBody(second.value, &view).ok()
                                 ? view.json()
                                 : "?"));
  return 0;
}
