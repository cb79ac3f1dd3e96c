// Opaque JSON (target_criteria, target_metadata, pin_criteria) is stored and
// returned with exactly the tokens it was given, only insignificant
// whitespace removed; anything RFC 8259 calls a value is accepted there and
// anything else is a validation error naming the field.
//
// The cases are files named like the JSONTestSuite's: y_ (valid: must come
// back token for token), n_ (invalid: rejected with a message), i_
// (implementation-defined: never a crash; what is accepted comes back token
// for token). The project's own cases are in tests/data/json; the
// JSONTestSuite corpus itself runs too when LIBEXPORT_JSON_TEST_SUITE names
// its directory (CI sets it).
#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libexport/store.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The text with RFC 8259's insignificant whitespace (space, tab, CR, LF
// outside strings) removed: what the store must give back. Written for the
// test, independently of the library's reader.
std::string StripWhitespace(std::string_view text) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      out.push_back(c);
    }
  }
  return out;
}

struct Case {
  std::string name;
  std::string text;
};

std::vector<Case> CasesIn(const fs::path& dir) {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json") continue;
    cases.push_back({name, ReadFile(entry.path())});
  }
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

constexpr std::string_view kTimes =
    R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z")";

// A criteria customization whose target_criteria is {"v": <value>}.
std::string WithCriteria(uint64_t n, std::string_view value) {
  return R"({"id":")" + TestId(n) +
         R"(","model":"m","target_type":"criteria","target_criteria":{"v":)" +
         std::string(value) + R"(},"pin_definitions":[],)" +
         std::string(kTimes) + "}";
}

// What Get returns for WithCriteria(n, value) when it is kept as written.
std::string Stored(uint64_t n, std::string_view value) {
  return R"({"id":")" + TestId(n) +
         R"(","model":"m","target_type":"criteria","target_criteria":{"v":)" +
         StripWhitespace(value) + R"(},"pin_definitions":[],)" +
         std::string(kTimes) + R"(,"available":false})";
}

struct Outcome {
  size_t accepted = 0, rejected = 0;
};

// Puts every case as a target_criteria value and checks it per its prefix.
// `own` cases also require the error to name target_criteria.
Outcome RunCases(const std::vector<Case>& cases, bool own) {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  Outcome outcome;
  uint64_t n = 0;
  for (const Case& c : cases) {
    ++n;
    INFO(c.name);
    auto put =
        s->Put("t", WithCriteria(n, c.text), Store::PutMode::kCreate, kNow);
    const char kind = c.name[0];
    if (put.ok()) {
      ++outcome.accepted;
      CHECK(kind != 'n');
      auto got = s->Get("t", TestId(n), kNow);
      REQUIRE_OK(got);
      CHECK(got.value() == Stored(n, c.text));
    } else {
      ++outcome.rejected;
      INFO(put.status().ToString());
      CHECK(kind != 'y');
      CHECK(put.status().code() == Status::Code::kInvalidArgument);
      CHECK_FALSE(put.status().message().empty());
      if (own && kind == 'n') CHECK(put.status().field() == "target_criteria");
    }
  }
  return outcome;
}

TEST_CASE("the project's own JSON cases are kept token for token or rejected",
          "[opaque]") {
  const auto cases = CasesIn(fs::path(LIBEXPORT_TEST_DATA_DIR) / "json");
  size_t y = 0, n = 0;
  for (const Case& c : cases) {
    y += c.name[0] == 'y';
    n += c.name[0] == 'n';
  }
  REQUIRE(y >= 20);
  REQUIRE(n >= 20);
  const Outcome o = RunCases(cases, /*own=*/true);
  CHECK(o.accepted >= y);
  CHECK(o.rejected >= n);
}

TEST_CASE("the JSONTestSuite corpus is kept token for token or rejected",
          "[opaque][corpus]") {
  const char* dir = ::getenv("LIBEXPORT_JSON_TEST_SUITE");
  if (dir == nullptr || !fs::is_directory(dir)) {
    WARN(
        "LIBEXPORT_JSON_TEST_SUITE is not set: the corpus is not run here "
        "(tests/data/json still is)");
    return;
  }
  const auto cases = CasesIn(dir);
  REQUIRE(cases.size() > 300);
  const Outcome o = RunCases(cases, /*own=*/false);
  WARN("JSONTestSuite: " << o.accepted << " accepted, " << o.rejected
                         << " rejected");
}

TEST_CASE("numbers keep their text whatever their size or precision",
          "[opaque]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  // The defects of issue 9: 1.0 -> 1, 1E2 -> 100, -0 -> 0, \u00e9 -> é, and
  // integers beyond 64 bits rejected.
  const std::string in = R"({"id":")" + TestId(1) +
                         R"(","model":"m","target_type":"criteria",
      "target_criteria": {"a": 1.0, "b": 1E2, "c": -0, "d": 123456789012345678901234, "e": "\u00e9"},
      "target_metadata": {"x": 2.50, "x": 1e-400},
      "pin_definitions": [{"position": -1, "pin_type": "criteria",
                           "pin_criteria": {"price": {"lt": 100.00}, "s": "\/"}}],)" +
                         std::string(kTimes) + "}";
  REQUIRE_OK(s->Put("t", in, Store::PutMode::kCreate, kNow));
  auto got = s->Get("t", TestId(1), kNow);
  REQUIRE_OK(got);
  CHECK(
      got.value() ==
      R"({"id":"00000000-0000-4000-8000-000000000001","model":"m","target_type":"criteria","target_criteria":{"a":1.0,"b":1E2,"c":-0,"d":123456789012345678901234,"e":"\u00e9"},"target_metadata":{"x":2.50,"x":1e-400},"pin_definitions":[{"position":-1,"pin_type":"criteria","pin_criteria":{"price":{"lt":100.00},"s":"\/"},"is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","available":true})");

  // And the export imports back to the same bytes.
  const std::string exported = MustExport(*s, Query("t"));
  TestStore b;
  REQUIRE_OK(b->AddTracker("t"));
  MustImport(*b, "t", exported);
  CHECK(MustExport(*b, Query("t")) == exported);
}

TEST_CASE("invalid JSON inside an opaque field is an error naming the field",
          "[opaque][validation]") {
  TestStore s;
  REQUIRE_OK(s->AddTracker("t"));
  struct {
    std::string json;
    std::string field;
  } cases[] = {
      {R"({"model":"m","target_type":"all","target_metadata":{"a":01},"pin_definitions":[]})",
       "target_metadata"},
      {"{\"model\":\"m\",\"target_type\":\"all\",\"target_metadata\":{\"a\":"
       "\"\xff\"},\"pin_definitions\":[]}",
       "target_metadata"},
      {R"({"model":"m","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/a/"},{"position":-1,"pin_type":"criteria","pin_criteria":{"a":[1,]}}]})",
       "pin_definitions[1].pin_criteria"},
      {R"({"model":"m","target_type":"criteria","target_criteria":{"a":NaN},"pin_definitions":[]})",
       "target_criteria"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    auto put = s->Put("t", c.json, Store::PutMode::kCreate, kNow);
    CHECK(put.status().code() == Status::Code::kInvalidArgument);
    CHECK(put.status().field() == c.field);
    CHECK(put.status().message().find("invalid JSON") != std::string::npos);
  }
  auto trackers = s->ListTrackers();
  REQUIRE_OK(trackers);
  CHECK(trackers.value()[0].customizations == 0);
}

}  // namespace
}  // namespace libexport::testing
