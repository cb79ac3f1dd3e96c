// The write side's single-record routes, list and summary over real HTTP:
// create, get, update, delete, list, summary, their documented errors,
// read-only mode, route groups, and that a write reaches the changes feed
// and the export's ETag.
#include <catch2/catch.hpp>
#include <string>

#include "write_test_util.h"

namespace libexport::testing {
namespace {

constexpr std::string_view kNew =
    R"({"model":"basket","target_type":"all","tags":["new"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/1/"}]})";
const std::string kId1 = "00000000-0000-4000-8000-000000000001";
const std::string kMissing = "00000000-0000-4000-8000-0000000000ff";

std::string IdOf(const std::string& json) {
  REQUIRE(json.rfind("{\"id\":\"", 0) == 0);
  return json.substr(7, 36);
}

TEST_CASE(
    "create answers 201 with the created customization, and get answers it "
    "with available",
    "[http][write]") {
  WriteServer s;
  auto created = s.Send("POST", "scope", "", std::string(kNew));
  REQUIRE(created);
  CHECK(created->status == 201);
  const std::string id = IdOf(created->body);
  CHECK(
      created->body ==
      R"({"id":")" + id +
          R"(","model":"basket","target_type":"all","tags":["new"],"pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/1/","is_block_pin":false,"is_bundle_pin":false}],"created_at":"2026-11-29T12:00:00Z","updated_at":"2026-11-29T12:00:00Z","available":true})");
  CHECK(created->get_header_value("Location") ==
        "/v1/recommender/pin/shop/scope/" + id);
  CHECK(created->get_header_value("Content-Type") == kJsonType);

  auto got = s.Send("GET", "scope/" + id, "", "", "");
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(got->body == created->body);
  auto fixture = s.Send("GET", "scope/" + kId1, "", "", "");
  REQUIRE(fixture);
  CHECK(fixture->body == kOut1);
}

TEST_CASE(
    "create refuses an existing id with 409, a bad record with 422 naming the "
    "field, and an unknown tracker with 404",
    "[http][write]") {
  WriteServer s;
  auto dup = s.Send("POST", "scope", "", std::string(kIn1));
  REQUIRE(dup);
  CHECK(dup->status == 409);
  CHECK(dup->body.find("\"code\":\"conflict\"") != std::string::npos);
  CHECK(dup->body.find(kId1) != std::string::npos);

  auto bad = s.Send(
      "POST", "scope", "",
      R"({"model":"basket","target_type":"all","pin_definitions":[{"position":"x","pin_type":"item","pin_identity":"/p/1/"}]})");
  REQUIRE(bad);
  CHECK(bad->status == 422);
  CHECK(bad->body.find("\"code\":\"invalid_record\"") != std::string::npos);
  CHECK(bad->body.find("\"field\":\"pin_definitions[0].position\"") !=
        std::string::npos);

  auto not_json = s.Send("POST", "scope", "", "{\"model\":");
  REQUIRE(not_json);
  CHECK(not_json->status == 422);
  CHECK(not_json->body.find("invalid JSON") != std::string::npos);

  REQUIRE_OK(s.store->AddTracker("empty", std::string("empty-key")));
  auto nobody =
      s.Send("POST", "scope", "", std::string(kNew), kJsonType, "nosuch", "k");
  REQUIRE(nobody);
  CHECK(nobody->status == 404);
  CHECK(nobody->body.find("tracker_not_found") != std::string::npos);
  // Nothing was written by any of them.
  auto list = s.Send("POST", "scopes");
  REQUIRE(list);
  CHECK(list->body.find("\"total\":6") != std::string::npos);
}

TEST_CASE(
    "update is a full replacement answered 204 that keeps created_at and "
    "sets updated_at",
    "[http][write]") {
  WriteServer s;
  auto put = s.Send(
      "PUT", "scope/" + kId1, "",
      R"({"model":"search","target_type":"all","pin_definitions":[],"created_at":"2020-01-01T00:00:00Z","updated_at":"2020-01-01T00:00:00Z"})");
  REQUIRE(put);
  CHECK(put->status == 204);
  CHECK(put->body.empty());
  auto got = s.Send("GET", "scope/" + kId1, "", "", "");
  REQUIRE(got);
  CHECK(
      got->body ==
      R"({"id":")" + kId1 +
          R"(","model":"search","target_type":"all","pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-11-29T12:00:00Z","available":false})");
  // The audit log names the signing tracker and the client's address.
  std::vector<std::string> audit;
  REQUIRE_OK(s.store->ReadAuditLog({}, [&](const AuditLogEntry& e) {
    audit.push_back(e.op + " " + e.actor);
    return true;
  }));
  REQUIRE(!audit.empty());
  CHECK(audit.back() == "update shop@127.0.0.1");
}

TEST_CASE(
    "update answers 404 for a missing id, 422 for a body naming another id "
    "or breaking the format, and changes nothing",
    "[http][write]") {
  WriteServer s;
  const std::string body =
      R"({"model":"search","target_type":"all","pin_definitions":[]})";
  auto missing = s.Send("PUT", "scope/" + kMissing, "", body);
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->body.find("customization_not_found") != std::string::npos);
  auto not_uuid = s.Send("PUT", "scope/not-a-uuid", "", body);
  REQUIRE(not_uuid);
  CHECK(not_uuid->status == 404);

  auto other_id = s.Send(
      "PUT", "scope/" + kId1, "",
      R"({"id":"00000000-0000-4000-8000-000000000002","model":"search","target_type":"all","pin_definitions":[]})");
  REQUIRE(other_id);
  CHECK(other_id->status == 422);
  CHECK(other_id->body.find("\"field\":\"id\"") != std::string::npos);

  auto bad =
      s.Send("PUT", "scope/" + kId1, "",
             R"({"model":"search","target_type":"item","pin_definitions":[]})");
  REQUIRE(bad);
  CHECK(bad->status == 422);
  CHECK(bad->body.find("\"field\":\"target_identity\"") != std::string::npos);

  auto got = s.Send("GET", "scope/" + kId1, "", "", "");
  REQUIRE(got);
  CHECK(got->body == kOut1);
}

TEST_CASE("delete answers 204, then the customization is gone with 404",
          "[http][write]") {
  WriteServer s;
  auto del = s.Send("DELETE", "scope/" + kId1, "", "", "");
  REQUIRE(del);
  CHECK(del->status == 204);
  auto got = s.Send("GET", "scope/" + kId1, "", "", "");
  REQUIRE(got);
  CHECK(got->status == 404);
  CHECK(got->body.find("customization_not_found") != std::string::npos);
  auto again = s.Send("DELETE", "scope/" + kId1, "", "", "");
  REQUIRE(again);
  CHECK(again->status == 404);
}

TEST_CASE(
    "GET and DELETE sign the Content-Type they send, or the empty string "
    "when they send none",
    "[http][write][auth]") {
  WriteServer s;
  auto without = s.Send("GET", "scope/" + kId1, "", "", "");
  REQUIRE(without);
  CHECK(without->status == 200);
  auto with = s.Send("GET", "scope/" + kId1, "", "", kJsonType);
  REQUIRE(with);
  CHECK(with->status == 200);

  // Signed with "" but sent with a Content-Type: the server signs what was
  // sent, so the signatures differ, and the 401 shows the string it signed.
  const std::string path =
      libexport::http::TrackerPath("shop", "scope/" + kId1);
  auto h = libexport::http::SignRequest("shop", "shop-key", "DELETE", path, "",
                                        FormatHttpDate(kNow));
  auto mismatch = s.client->Delete(
      path.c_str(), {{"Date", h.date}, {"Authorization", h.authorization}}, "",
      kJsonType);
  REQUIRE(mismatch);
  CHECK(mismatch->status == 401);
  CHECK(mismatch->body.find("\"check\":\"signature_mismatch\"") !=
        std::string::npos);
  CHECK(mismatch->body.find("\"string_to_sign\":\"DELETE\\napplication/json; "
                            "charset=utf-8\\n") != std::string::npos);
  auto wrong_key =
      s.Send("DELETE", "scope/" + kId1, "", "", "", "shop", "wrong-key");
  REQUIRE(wrong_key);
  CHECK(wrong_key->status == 401);
  auto still = s.Send("GET", "scope/" + kId1, "", "", "");
  REQUIRE(still);
  CHECK(still->status == 200);
}

TEST_CASE(
    "a method a write path does not take is 405 with Allow, and the write "
    "routes are not served unless the host mounts every group",
    "[http][write]") {
  WriteServer s;
  auto post_id = s.Send("POST", "scope/" + kId1, "", "", "");
  REQUIRE(post_id);
  CHECK(post_id->status == 405);
  CHECK(post_id->get_header_value("Allow") == "GET, PUT, DELETE");
  auto put_summary = s.Send("POST", "summary", "", "", "");
  REQUIRE(put_summary);
  CHECK(put_summary->status == 405);
  CHECK(put_summary->get_header_value("Allow") == "GET");

  WriteServer default_groups(libexport::http::ExportRoutesOptions{});
  auto create = default_groups.Send("POST", "scope", "", std::string(kNew));
  REQUIRE(create);
  CHECK(create->status == 404);
  auto changes = default_groups.Send("POST", "scopes/changes");
  REQUIRE(changes);
  CHECK(changes->status == 200);

  libexport::http::ExportRoutesOptions export_only;
  export_only.route_groups =
      libexport::http::ExportRoutesOptions::RouteGroups::kExport;
  WriteServer e(export_only);
  auto no_changes = e.Send("POST", "scopes/changes");
  REQUIRE(no_changes);
  CHECK(no_changes->status == 404);
  auto exported = e.Send("POST", "scopes/export");
  REQUIRE(exported);
  CHECK(exported->status == 200);
}

TEST_CASE(
    "a read-only server answers 403 read_only on every write route and "
    "still serves the reads",
    "[http][write][read_only]") {
  auto options = AllRoutes();
  options.read_only = true;
  WriteServer s(options);
  struct Case {
    const char* method;
    std::string rest, body, type;
  };
  for (const Case& c :
       {Case{"POST", "scope", std::string(kNew), kJsonType},
        Case{"PUT", "scope/" + kId1, std::string(kNew), kJsonType},
        Case{"DELETE", "scope/" + kId1, "", ""},
        Case{"POST", "scopes/_bulk", std::string(kNew) + "\n", kNdjsonType},
        Case{"POST", "catalog/_bulk", "/p/9/\n", "text/plain"}}) {
    INFO(c.method << " " << c.rest);
    const std::string query = c.rest == "catalog/_bulk" ? "?op=add" : "";
    auto r = s.Send(c.method, c.rest, query, c.body, c.type);
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(r->body.find("\"code\":\"read_only\"") != std::string::npos);
  }
  auto got = s.Send("GET", "scope/" + kId1, "", "", "");
  REQUIRE(got);
  CHECK(got->body == kOut1);
  auto list = s.Send("POST", "scopes");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(list->body.find("\"total\":6") != std::string::npos);
  auto summary = s.Send("GET", "summary", "", "", "");
  REQUIRE(summary);
  CHECK(summary->status == 200);
  // An unsigned write is still a 401, not a 403: nothing is told before auth.
  auto unsigned_write = s.client->Post("/v1/recommender/pin/shop/scope",
                                       std::string(kNew), kJsonType);
  REQUIRE(unsigned_write);
  CHECK(unsigned_write->status == 401);
}

TEST_CASE(
    "list pages the matches with pagination.total, takes every filter as an "
    "array and sorts by the given keys then id",
    "[http][write][list]") {
  WriteServer s;
  auto page = s.Send("POST", "scopes", "?limit=2&offset=1");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->body == std::string("{\"pagination\":{\"total\":6,\"limit\":2,"
                                  "\"offset\":1},\"results\":[") +
                          std::string(kOut2) + "," + std::string(kOut3) + "]}");
  auto filtered = s.Send("POST", "scopes",
                         "?model=search&model=item_detail_alternatives&tag="
                         "summer&tag=winter");
  REQUIRE(filtered);
  CHECK(filtered->body ==
        std::string("{\"pagination\":{\"total\":2,\"limit\":50,\"offset\":0},"
                    "\"results\":[") +
            std::string(kOut4) + "," + std::string(kOut6) + "]}");

  auto by_model =
      s.Send("POST", "scopes", "?sort=model:desc&sort=id:desc&limit=3");
  REQUIRE(by_model);
  CHECK(by_model->body ==
        std::string("{\"pagination\":{\"total\":6,\"limit\":3,\"offset\":0},"
                    "\"results\":[") +
            std::string(kOut6) + "," + std::string(kOut4) + "," +
            std::string(kOut3) + "]}");

  // A newer record sorts first by updated_at:desc.
  REQUIRE_OK(s.store->Update("shop", "00000000-0000-4000-8000-000000000005",
                             kIn5, Timestamp{kNow.seconds + 60, 0}));
  auto recent = s.Send("POST", "scopes", "?sort=updated_at:desc&limit=1");
  REQUIRE(recent);
  CHECK(recent->body.find("\"total\":6") != std::string::npos);
  CHECK(recent->body.find("\"results\":[{\"id\":\"00000000-0000-4000-8000-"
                          "000000000005\"") != std::string::npos);
}

TEST_CASE(
    "list answers 422 naming the parameter for a bad limit, offset, sort or "
    "filter",
    "[http][write][list]") {
  WriteServer s;
  for (const auto& [query, parameter] :
       std::vector<std::pair<std::string, std::string>>{
           {"?limit=1001", "limit"},
           {"?limit=-1", "limit"},
           {"?offset=x", "offset"},
           {"?limit=1&limit=2", "limit"},
           {"?sort=name", "sort"},
           {"?sort=id:up", "sort"},
           {"?target_type=nope", "target_type"},
           {"?model=", "model"}}) {
    INFO(query);
    auto r = s.Send("POST", "scopes", query);
    REQUIRE(r);
    CHECK(r->status == 422);
    CHECK(r->body.find("\"parameter\":\"" + parameter + "\"") !=
          std::string::npos);
  }
}

TEST_CASE("summary counts the customizations per model and lists every tag",
          "[http][write][summary]") {
  WriteServer s;
  auto r = s.Send("GET", "summary", "", "", "");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(
      r->body ==
      R"({"scope_counts":{"basket":3,"item_detail_alternatives":2,"search":1},"user_tags":["sale","summer","winter"]})");
  REQUIRE_OK(s.store->Delete("shop", "00000000-0000-4000-8000-000000000006"));
  auto after = s.Send("GET", "summary", "", "", "");
  REQUIRE(after);
  CHECK(
      after->body ==
      R"({"scope_counts":{"basket":3,"item_detail_alternatives":2},"user_tags":["sale","summer","winter"]})");
  REQUIRE_OK(s.store->AddTracker("empty", std::string("empty-key")));
  auto empty = s.Send("GET", "summary", "", "", "", "empty", "empty-key");
  REQUIRE(empty);
  CHECK(empty->body == R"({"scope_counts":{},"user_tags":[]})");
}

TEST_CASE(
    "a write over HTTP shows up in the changes feed and changes the export's "
    "ETag",
    "[http][write][sync]") {
  WriteServer s;
  auto before = s.Send("POST", "scopes/export");
  REQUIRE(before);
  const std::string etag = before->get_header_value("ETag");
  const std::string cursor = before->get_header_value("X-Libexport-Cursor");
  REQUIRE(!etag.empty());

  auto created = s.Send("POST", "scope", "", std::string(kNew));
  REQUIRE(created);
  REQUIRE(created->status == 201);
  const std::string id = IdOf(created->body);
  auto del = s.Send("DELETE", "scope/" + kId1, "", "", "");
  REQUIRE(del);
  REQUIRE(del->status == 204);

  auto changes = s.Send("POST", "scopes/changes", "?since=" + cursor);
  REQUIRE(changes);
  CHECK(changes->status == 200);
  CHECK(changes->body.find("\"op\":\"upsert\",\"customization\":{\"id\":\"" +
                           id + "\"") != std::string::npos);
  CHECK(changes->body.find("\"op\":\"delete\",\"id\":\"" + kId1 + "\"") !=
        std::string::npos);

  httplib::Headers inm{{"If-None-Match", etag}};
  const std::string path = libexport::http::ExportPath("shop");
  httplib::Headers h = SignedHeaders("shop", "shop-key", path);
  h.insert(inm.begin(), inm.end());
  auto after = s.client->Post(path.c_str(), h, "", kJsonType);
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(after->get_header_value("ETag") != etag);
  CHECK(after->body.find(id) != std::string::npos);
  CHECK(after->body.find(kId1) == std::string::npos);
}

TEST_CASE("the write routes are counted per route and status in /metrics",
          "[http][write][metrics]") {
  WriteServer s;
  REQUIRE(s.Send("POST", "scope", "", std::string(kNew))->status == 201);
  REQUIRE(s.Send("GET", "scope/" + kMissing, "", "", "")->status == 404);
  auto metrics = s.client->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find(
            "libexport_http_requests_total{route=\"create\",status=\"201\"} "
            "1") != std::string::npos);
  CHECK(metrics->body.find(
            "libexport_http_requests_total{route=\"get\",status=\"404\"} 1") !=
        std::string::npos);
}

TEST_CASE("the write examples of docs/http_api.md run as written",
          "[http][docs][curl][write]") {
  // curl signs with the real clock.
  WriteServer s(AllRoutes(), /*fixed_clock=*/false);
  const std::vector<std::string> blocks = DocShellBlocks("write-examples");
  REQUIRE(blocks.size() == 5);
  const std::string prelude = "set -eo pipefail\nhost=\"" + s.server->url() +
                              "\"\ntracker_id=shop\nprivate_key=shop-key\n" +
                              blocks[0];
  int status = 0;
  const std::string created = RunShell(prelude + blocks[1], &status);
  CHECK(status == 0);
  CHECK(created.rfind("201\n{\"pagination\":{\"total\":1,\"limit\":50,"
                      "\"offset\":0},\"results\":[{\"id\":\"",
                      0) == 0);
  CHECK(created.find("\"model\":\"home\",\"target_type\":\"all\","
                     "\"pin_definitions\":[]") != std::string::npos);
  CHECK(RunShell(prelude + blocks[2], &status) == "200 204 204 404");
  CHECK(status == 0);
  CHECK(
      RunShell(prelude + blocks[3], &status) ==
      R"({"scope_counts":{"basket":2,"home":1,"item_detail_alternatives":2,"search":1},"user_tags":["sale","summer","winter"]})");
  CHECK(RunShell(prelude + blocks[4], &status) == "{}\n{\"changed\":2}");
  CHECK(status == 0);
  auto summary = s.Send("GET", "summary", "", "", "");
  REQUIRE(summary);
  CHECK(summary->body.find("\"home\":3") != std::string::npos);
}

}  // namespace
}  // namespace libexport::testing
