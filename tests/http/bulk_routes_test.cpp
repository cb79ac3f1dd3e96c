// The bulk routes over real HTTP: NDJSON bulk with each conflict strategy,
// its caps (records, bytes, a gzip bomb), all-or-nothing failures that name
// the line and field or list every conflicting id, and catalog bulk.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "write_test_util.h"

namespace libexport::testing {
namespace {

// A valid customization with an id made of `n`.
std::string Rec(size_t n, std::string_view model = "bulk") {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zx", n);
  return std::string(R"({"id":")") + id + R"(","model":")" +
         std::string(model) +
         R"(","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/1/"}]})";
}

std::string Lines(size_t from, size_t to) {  // records from..to-1
  std::string out;
  for (size_t i = from; i < to; ++i) out += Rec(i) + "\n";
  return out;
}

size_t Total(WriteServer& s) {
  auto r = s.Send("POST", "scopes", "?limit=0");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  const size_t at = r->body.find("\"total\":");
  REQUIRE(at != std::string::npos);
  return std::stoul(r->body.substr(at + 8));
}

TEST_CASE("bulk imports NDJSON and answers 200 with an empty object",
          "[http][bulk]") {
  WriteServer s;
  auto r = s.Send("POST", "scopes/_bulk", "", Lines(100, 103), kNdjsonType);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "{}");
  CHECK(Total(s) == 9);
  auto got =
      s.Send("GET", "scope/00000000-0000-4000-8000-000000000065", "", "", "");
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(got->body.find("\"model\":\"bulk\"") != std::string::npos);
}

TEST_CASE(
    "bulk with conflict_strategy=raise answers 409 listing every conflicting "
    "id and imports nothing",
    "[http][bulk]") {
  WriteServer s;
  // Ids 1, 3 and 5 exist (the fixture); 200 and 201 are new.
  std::string body = Rec(200) + "\n" + Rec(1) + "\n" + Rec(3) + "\n" +
                     Rec(201) + "\n" + Rec(5) + "\n";
  for (const std::string query : {"", "?conflict_strategy=raise"}) {
    auto r = s.Send("POST", "scopes/_bulk", query, body, kNdjsonType);
    REQUIRE(r);
    CHECK(r->status == 409);
    CHECK(
        r->body.find(
            R"("ids":["00000000-0000-4000-8000-000000000001","00000000-0000-4000-8000-000000000003","00000000-0000-4000-8000-000000000005"])") !=
        std::string::npos);
    CHECK(Total(s) == 6);
  }
  // More conflicts than an import report keeps by default (1000): every one
  // is still listed.
  REQUIRE_OK(s.store->Import("shop", Lines(1000, 2500),
                             Opts(ImportFormat::kNdjson), nullptr));
  auto many =
      s.Send("POST", "scopes/_bulk", "", Lines(1000, 2500), kNdjsonType);
  REQUIRE(many);
  CHECK(many->status == 409);
  size_t listed = 0;
  for (size_t at = many->body.find("\"00000000-0000-4000-8000-");
       at != std::string::npos;
       at = many->body.find("\"00000000-0000-4000-8000-", at + 1)) {
    ++listed;
  }
  CHECK(listed == 1500);
}

TEST_CASE(
    "bulk with ignore keeps the stored records, override replaces them and "
    "replace makes the tracker exactly the body",
    "[http][bulk]") {
  WriteServer s;
  const std::string body = Rec(1, "changed") + "\n" + Rec(300) + "\n";
  auto ignore = s.Send("POST", "scopes/_bulk", "?conflict_strategy=ignore",
                       body, kNdjsonType);
  REQUIRE(ignore);
  CHECK(ignore->status == 200);
  auto kept =
      s.Send("GET", "scope/00000000-0000-4000-8000-000000000001", "", "", "");
  REQUIRE(kept);
  CHECK(kept->body == kOut1);
  CHECK(Total(s) == 7);

  auto override_ = s.Send("POST", "scopes/_bulk", "?conflict_strategy=override",
                          body, kNdjsonType);
  REQUIRE(override_);
  CHECK(override_->status == 200);
  auto changed =
      s.Send("GET", "scope/00000000-0000-4000-8000-000000000001", "", "", "");
  REQUIRE(changed);
  CHECK(changed->body.find("\"model\":\"changed\"") != std::string::npos);

  auto replace = s.Send("POST", "scopes/_bulk", "?conflict_strategy=replace",
                        Rec(400) + "\n" + Rec(401) + "\n", kNdjsonType);
  REQUIRE(replace);
  CHECK(replace->status == 200);
  auto list = s.Send("POST", "scopes");
  REQUIRE(list);
  CHECK(list->body.find("\"total\":2") != std::string::npos);
  CHECK(list->body.find("00000000-0000-4000-8000-000000000190") !=
        std::string::npos);
  CHECK(list->body.find("00000000-0000-4000-8000-000000000191") !=
        std::string::npos);

  auto bad = s.Send("POST", "scopes/_bulk", "?conflict_strategy=merge", body,
                    kNdjsonType);
  REQUIRE(bad);
  CHECK(bad->status == 422);
  CHECK(bad->body.find("\"parameter\":\"conflict_strategy\"") !=
        std::string::npos);
}

TEST_CASE(
    "a bulk with one bad line at 4999 changes nothing and names the line and "
    "the field",
    "[http][bulk]") {
  WriteServer s;
  std::string body = Lines(1000, 1000 + 4998);
  body +=
      R"({"model":"bulk","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/1/","active_to":"tomorrow"}]})";
  body += "\n";
  auto r = s.Send("POST", "scopes/_bulk", "", body, kNdjsonType);
  REQUIRE(r);
  CHECK(r->status == 422);
  CHECK(r->body.find("\"code\":\"invalid_record\"") != std::string::npos);
  CHECK(r->body.find(
            "\"line\":4999,\"field\":\"pin_definitions[0].active_to\"") !=
        std::string::npos);
  CHECK(r->body.find("\"error_count\":1") != std::string::npos);
  CHECK(Total(s) == 6);
}

TEST_CASE("a bulk line that is not JSON is a 400 naming the line",
          "[http][bulk]") {
  WriteServer s;
  auto r = s.Send("POST", "scopes/_bulk", "",
                  Rec(500) + "\n\n" + "{\"model\": nope}\n", kNdjsonType);
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(r->body.find("\"code\":\"invalid_json\"") != std::string::npos);
  CHECK(r->body.find("\"line\":3") != std::string::npos);
  CHECK(Total(s) == 6);
}

TEST_CASE("bulk takes 5000 records and answers 413 at 5001, importing nothing",
          "[http][bulk][caps]") {
  WriteServer s;
  auto over =
      s.Send("POST", "scopes/_bulk", "", Lines(10000, 15001), kNdjsonType);
  REQUIRE(over);
  CHECK(over->status == 413);
  CHECK(over->body.find("\"code\":\"too_many_records\"") != std::string::npos);
  CHECK(over->body.find("5001 records; at most 5000") != std::string::npos);
  CHECK(Total(s) == 6);
  auto at_cap =
      s.Send("POST", "scopes/_bulk", "", Lines(10000, 15000), kNdjsonType);
  REQUIRE(at_cap);
  CHECK(at_cap->status == 200);
  CHECK(Total(s) == 5006);
}

TEST_CASE(
    "a gzip bulk body is decoded, and one that inflates past the byte cap is "
    "a 413 that imports nothing",
    "[http][bulk][caps]") {
  auto options = AllRoutes();
  options.max_bulk_body_bytes = 1 << 20;
  WriteServer s(options);
  // Coded by gzip(1), sent as they are with Content-Encoding: gzip.
  auto gzip = [&](const std::string& script) {
    int status = -1;
    std::string gz = RunShell(script + " | gzip -1", &status);
    REQUIRE(status == 0);
    return gz;
  };
  auto post_gzip = [&](const std::string& gz) {
    const std::string path =
        libexport::http::TrackerPath("shop", "scopes/_bulk");
    auto h = libexport::http::SignRequest("shop", "shop-key", "POST", path,
                                          kNdjsonType, FormatHttpDate(kNow));
    return s.client->Post(path.c_str(),
                          {{"Date", h.date},
                           {"Authorization", h.authorization},
                           {"Content-Encoding", "gzip"}},
                          gz, kNdjsonType);
  };
  const std::string file = s.store.dir.Sub("bulk.ndjson");
  std::ofstream(file, std::ios::binary) << Lines(600, 610);
  auto ok = post_gzip(gzip("cat " + file));
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(Total(s) == 16);
  // 64 MiB of blank lines: about 64 KiB on the wire.
  const std::string bomb_body =
      gzip("head -c 67108864 /dev/zero | tr \"\\0\" \"\\n\"");
  REQUIRE(bomb_body.size() < (1 << 20));
  auto bomb = post_gzip(bomb_body);
  REQUIRE(bomb);
  CHECK(bomb->status == 413);
  CHECK(bomb->body.find("\"code\":\"payload_too_large\"") != std::string::npos);
  CHECK(Total(s) == 16);
}

TEST_CASE(
    "bulk with Content-Type application/json takes an export document, and "
    "conflict_strategy=replace restores the tracker to it exactly",
    "[http][bulk][restore]") {
  WriteServer s;
  auto before = s.Send("POST", "scopes/export");
  REQUIRE(before);
  REQUIRE(before->status == 200);
  // Changed after the backup: one record deleted, two added.
  REQUIRE(
      s.Send("DELETE", "scope/00000000-0000-4000-8000-000000000001", "", "", "")
          ->status == 204);
  REQUIRE(s.Send("POST", "scopes/_bulk", "", Lines(700, 702), kNdjsonType)
              ->status == 200);
  CHECK(Total(s) == 7);
  auto restore = s.Send("POST", "scopes/_bulk", "?conflict_strategy=replace",
                        before->body, kJsonType);
  REQUIRE(restore);
  CHECK(restore->status == 200);
  CHECK(restore->body == "{}");
  auto after = s.Send("POST", "scopes/export");
  REQUIRE(after);
  CHECK(after->body == before->body);
  CHECK(Total(s) == 6);
}

TEST_CASE(
    "a bulk export document names a bad record by its index and is capped "
    "by its records",
    "[http][bulk][caps]") {
  auto options = AllRoutes();
  options.max_bulk_records = 3;
  WriteServer s(options);
  const std::string bad =
      R"({"results":[)" + Rec(800) + "," +
      R"({"model":"m","target_type":"all","pin_definitions":[{"position":0,"pin_type":"item","pin_identity":"/p/1/"}]})" +
      "]}";
  auto r = s.Send("POST", "scopes/_bulk", "", bad, kJsonType);
  REQUIRE(r);
  CHECK(r->status == 422);
  CHECK(r->body.find("\"record\":1") != std::string::npos);
  CHECK(r->body.find("\"field\":\"pin_definitions[0].position\"") !=
        std::string::npos);
  // An error of the document as a whole names no record.
  auto no_results = s.Send("POST", "scopes/_bulk", "", R"({"x":1})", kJsonType);
  REQUIRE(no_results);
  CHECK(no_results->status == 422);
  CHECK(no_results->body.find("\"record\"") == std::string::npos);
  CHECK(no_results->body.find("\"field\":\"results\"") != std::string::npos);
  const std::string four = R"({"results":[)" + Rec(801) + "," + Rec(802) + "," +
                           Rec(803) + "," + Rec(804) + "]}";
  auto over = s.Send("POST", "scopes/_bulk", "", four, kJsonType);
  REQUIRE(over);
  CHECK(over->status == 413);
  CHECK(over->body.find("4 records; at most 3") != std::string::npos);
  CHECK(Total(s) == 6);
}

TEST_CASE(
    "a bulk body over the spool threshold is imported from a spool file that "
    "is gone once the request is answered",
    "[http][bulk][spool]") {
  auto options = AllRoutes();
  options.spool_threshold_bytes = 64 << 10;
  options.max_bulk_records = 10000;
  WriteServer s(options);
  // Over 1 MiB: written to the spool file in more than one batch.
  const std::string body = Lines(2000, 9500);
  REQUIRE(body.size() > (1 << 20) + options.spool_threshold_bytes);
  auto r = s.Send("POST", "scopes/_bulk", "", body, kNdjsonType);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(Total(s) == 7506);
  auto got =
      s.Send("GET", "scope/00000000-0000-4000-8000-000000000bb7", "", "", "");
  REQUIRE(got);
  CHECK(got->status == 200);
  // The store's directory holds the store alone.
  size_t files = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(s.store.dir.Sub("store"))) {
    INFO(e.path());
    CHECK((e.path().filename() == "data.mdb" ||
           e.path().filename() == "lock.mdb"));
    ++files;
  }
  CHECK(files == 2);
}

TEST_CASE(
    "catalog bulk adds and removes identities and counts the changed ones",
    "[http][bulk][catalog]") {
  WriteServer s;
  auto add = s.Send("POST", "catalog/_bulk", "?op=add",
                    "/p/20/\r\n/p/21/\n\n/p/20/\n", "text/plain");
  REQUIRE(add);
  CHECK(add->status == 200);
  CHECK(add->body == R"({"changed":2})");
  auto has = s.store->CatalogContains("shop", "/p/21/");
  REQUIRE_OK(has);
  CHECK(has.value());
  auto remove = s.Send("POST", "catalog/_bulk", "?op=remove",
                       "/p/21/\n/p/none/\n", "text/plain");
  REQUIRE(remove);
  CHECK(remove->body == R"({"changed":1})");

  auto no_op = s.Send("POST", "catalog/_bulk", "", "/p/1/\n", "text/plain");
  REQUIRE(no_op);
  CHECK(no_op->status == 422);
  CHECK(no_op->body.find("\"parameter\":\"op\"") != std::string::npos);
  auto blank =
      s.Send("POST", "catalog/_bulk", "?op=add", "/p/30/\n  \n", "text/plain");
  REQUIRE(blank);
  CHECK(blank->status == 422);
  CHECK(blank->body.find("\"line\":2") != std::string::npos);
  auto none = s.store->CatalogContains("shop", "/p/30/");
  REQUIRE_OK(none);
  CHECK_FALSE(none.value());
}

}  // namespace
}  // namespace libexport::testing
