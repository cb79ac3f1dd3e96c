// Regression (found by fuzz/fuzz_customization): -0.0 inside an opaque
// object was written as "-0", which parses back as the integer 0, so an
// export imported again exported "0": the canonical form was not a fixed
// point and a backup by export did not restore byte for byte. Opaque values
// now keep their tokens as written, so every form of zero stays as given.
#include <catch2/catch.hpp>
#include <string>

#include "customization.h"
#include "test_util.h"

namespace libexport::testing {

TEST_CASE("regression: -0.0 in opaque JSON keeps its bytes through re-encoding",
          "[regression][customization]") {
  const std::string in =
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"all","target_metadata":{"a":-0.0,"b":[-0.0,0.0,-0,1.0,-1.5e-300]},"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";
  internal::EncodedRecord first, second;
  REQUIRE_OK(internal::EncodeCustomizationJson(in, kNow, &first));
  internal::RecordView view;
  REQUIRE_OK(internal::RecordView::ParseBody(first.value, &view));
  CHECK(
      std::string(view.json())
          .find(
              R"("target_metadata":{"a":-0.0,"b":[-0.0,0.0,-0,1.0,-1.5e-300]})") !=
      std::string::npos);
  REQUIRE_OK(internal::EncodeCustomizationJson(view.json(), kNow, &second));
  CHECK(second.value == first.value);
}

TEST_CASE("regression: an export with -0.0 imports back byte-identical",
          "[regression][import]") {
  TestStore a, b;
  REQUIRE_OK(a->AddTracker("t"));
  REQUIRE_OK(b->AddTracker("t"));
  MustImport(
      *a, "t",
      Lines(
          {R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"criteria","target_criteria":{"x":-0.0},"pin_definitions":[{"position":1,"pin_type":"criteria","pin_criteria":{"y":[-0.0]}}]})"}));
  const std::string exported = MustExport(*a, Query("t"));
  MustImport(*b, "t", exported);
  CHECK(MustExport(*b, Query("t")) == exported);
}

}  // namespace libexport::testing
