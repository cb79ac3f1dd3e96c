// Key rotation through the public API: the previous key is a signing key
// until its grace period ends, and the entry survives a reopen.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "libexport/store.h"
#include "test_util.h"

namespace libexport::testing {

using Keys = std::vector<std::string>;

TEST_CASE("a rotated key's predecessor signs until its grace period ends",
          "[tracker][keys]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop", std::string("first-key-0123456789")));
  auto keys = s->SigningKeys("shop", kNow);
  REQUIRE_OK(keys);
  CHECK(*keys == Keys{"first-key-0123456789"});

  const Timestamp until{kNow.seconds + 60, 0};
  auto second =
      s->RotateTrackerKey("shop", std::string("second-key-0123456789"), until);
  REQUIRE_OK(second);
  CHECK(*second == "second-key-0123456789");
  CHECK(s->TrackerKey("shop").value() == "second-key-0123456789");
  CHECK(s->SigningKeys("shop", kNow).value() ==
        Keys{"second-key-0123456789", "first-key-0123456789"});
  // The grace period ends at `until`, exclusive.
  CHECK(s->SigningKeys("shop", Timestamp{until.seconds - 1, 999999999})
            .value()
            .size() == 2);
  CHECK(s->SigningKeys("shop", until).value() == Keys{"second-key-0123456789"});

  SECTION("a second rotation forgets the first key") {
    auto third = s->RotateTrackerKey("shop", std::nullopt, until);
    REQUIRE_OK(third);
    CHECK(third->size() == 64);
    CHECK(s->SigningKeys("shop", kNow).value() ==
          Keys{*third, "second-key-0123456789"});
  }
  SECTION("the rotated entry survives closing and reopening the store") {
    const std::string path = s.dir.Sub("store");
    s.store.reset();
    auto reopened = Store::Open(path);
    REQUIRE_OK(reopened);
    CHECK((*reopened)->SigningKeys("shop", kNow).value() ==
          Keys{"second-key-0123456789", "first-key-0123456789"});
    auto list = (*reopened)->ListTrackers();
    REQUIRE_OK(list);
    REQUIRE(list->size() == 1);
    CHECK(list->front().tracker_id == "shop");
  }
}

TEST_CASE("a rotation with no grace refuses the old key at once",
          "[tracker][keys]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("shop", std::string("first-key-0123456789")));
  REQUIRE_OK(s->RotateTrackerKey("shop", std::string("second-key-012345678"),
                                 Timestamp{}));
  CHECK(s->SigningKeys("shop", kNow).value() == Keys{"second-key-012345678"});
}

TEST_CASE(
    "rotating the key of an unknown tracker is NotFound, an empty key "
    "InvalidArgument",
    "[tracker][keys]") {
  TestStore s;
  CHECK(s->RotateTrackerKey("nope", std::nullopt, kNow).status().code() ==
        Status::Code::kNotFound);
  REQUIRE_OK(s->AddTracker("shop", std::string("first-key-0123456789")));
  CHECK(s->RotateTrackerKey("shop", std::string(), kNow).status().code() ==
        Status::Code::kInvalidArgument);
  CHECK(s->TrackerKey("shop").value() == "first-key-0123456789");
}

}  // namespace libexport::testing
