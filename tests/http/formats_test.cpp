// The export's representations over real HTTP: Accept (JSON, NDJSON, 406),
// Accept-Encoding with q-values (gzip, zstd, identity), decoded by tools
// that are not ours (curl --compressed, Python's zlib, the zstd command),
// as_of against `exportctl export --now`, and the examples of
// docs/http_api.md run as they are written.
#include <fstream>
#include <regex>

#include "http_test_util.h"
#include "shop_fixture.h"

namespace libexport::testing {
namespace {

const std::string kShopPath = "/v1/recommender/pin/shop/scopes/export";

struct ShopServer {
  explicit ShopServer(bool fixed_clock = true) {
    LoadShop(*store);
    server = std::make_unique<LiveServer>(
        store.store, libexport::http::ExportRoutesOptions{}, fixed_clock);
    client = std::make_unique<httplib::Client>(server->url());
    client->set_decompress(false);  // the bytes on the wire
  }
  TestStore store;
  std::unique_ptr<LiveServer> server;
  std::unique_ptr<httplib::Client> client;
};

// A signed export with extra request headers.
// `date` defaults to the fixed clock's kNow.
httplib::Result Post(ShopServer& s, const std::string& query,
                     const httplib::Headers& extra,
                     const std::string& date = FormatHttpDate(kNow)) {
  httplib::Headers h = SignedHeaders("shop", "shop-key", kShopPath, date);
  h.insert(extra.begin(), extra.end());
  return s.client->Post((kShopPath + query).c_str(), h, "", kJsonType);
}

std::string Plain(const Store& store, ExportFormat format = ExportFormat::kJson,
                  ExportQuery q = Query("shop")) {
  q.representation.format = format;
  auto r = store.ExportToString(q);
  REQUIRE_OK(r);
  return r.value();
}

std::string WriteTemp(const TempDir& dir, const std::string& name,
                      const std::string& bytes) {
  std::string path = dir.Sub(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string Shell(const std::string& script) {
  int status = -1;
  std::string out = RunShell(script, &status);
  INFO(script);
  CHECK(status == 0);
  return out;
}

}  // namespace

TEST_CASE("Accept chooses JSON or NDJSON, honouring q-values, else 406",
          "[http][negotiation]") {
  ShopServer s;
  const std::string json = Plain(*s.store),
                    ndjson = Plain(*s.store, ExportFormat::kNdjson);
  REQUIRE(ndjson.size() > 100);
  struct Case {
    const char* accept;
    const char* type;  // nullptr: 406
  };
  const Case cases[] = {
      {"application/json", "application/json; charset=utf-8"},
      {"*/*", "application/json; charset=utf-8"},
      {"application/*", "application/json; charset=utf-8"},
      {"application/x-ndjson", "application/x-ndjson"},
      {"Application/X-NDJSON", "application/x-ndjson"},
      {"application/x-ndjson, */*", "application/x-ndjson"},
      {"application/x-ndjson;q=0.5, application/json",
       "application/json; charset=utf-8"},
      {"application/json;q=0.5, application/x-ndjson", "application/x-ndjson"},
      {"application/json;q=0, */*", "application/x-ndjson"},
      {"text/html, application/json;q=0.1", "application/json; charset=utf-8"},
      {"text/html", nullptr},
      {"application/json;q=0", nullptr},
      {"*/*;q=0", nullptr},
      {"application/xml, text/csv", nullptr},
  };
  for (const Case& c : cases) {
    INFO(c.accept);
    auto res = Post(s, "", {{"Accept", c.accept}});
    REQUIRE(res);
    if (c.type == nullptr) {
      CHECK(res->status == 406);
      CHECK(res->get_header_value("Content-Type") == kJsonType);
      CHECK(
          res->body ==
          R"({"error":{"status":406,"code":"not_acceptable","message":"the export is available as application/json or application/x-ndjson; the Accept header allows neither"}})");
      continue;
    }
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == c.type);
    CHECK(res->get_header_value("Vary") == "Accept, Accept-Encoding");
    CHECK(res->body ==
          (std::string(c.type) == "application/x-ndjson" ? ndjson : json));
  }
}

TEST_CASE(
    "Accept-Encoding chooses gzip, zstd or identity by q-value and httplib "
    "adds no coding of its own",
    "[http][negotiation][compression]") {
  ShopServer s;
  struct Case {
    const char* accept_encoding;
    const char* coding;  // "" identity
  };
  const Case cases[] = {
      {"gzip", "gzip"},
      {"x-gzip", "gzip"},
      {"zstd", "zstd"},
      {"gzip, zstd", "zstd"},
      {"deflate, gzip, br, zstd", "zstd"},
      {"gzip;q=1, zstd;q=0.5", "gzip"},
      {"zstd;q=0.1, gzip;q=0.2", "gzip"},
      {"gzip;q=0", ""},
      {"gzip;q=0, zstd;q=0", ""},
      {"*;q=0", ""},
      {"*", "zstd"},
      {"*;q=0.5, gzip", "gzip"},
      {"gzip;q=0, *", "zstd"},
      {"identity", ""},
      {"identity, gzip;q=0.5", ""},
      {"identity;q=0.5, gzip", "gzip"},
      {"br", ""},  // httplib would brotli an exact application/json
      {"deflate", ""},
      {"gzip;q=bogus", ""},
  };
  for (ExportFormat format : {ExportFormat::kJson, ExportFormat::kNdjson}) {
    const std::string plain = Plain(*s.store, format);
    const char* accept = format == ExportFormat::kJson ? "application/json"
                                                       : "application/x-ndjson";
    for (const Case& c : cases) {
      INFO(accept << " / " << c.accept_encoding);
      auto res = Post(
          s, "", {{"Accept", accept}, {"Accept-Encoding", c.accept_encoding}});
      REQUIRE(res);
      CHECK(res->status == 200);
      CHECK(res->get_header_value_count("Content-Encoding") ==
            (*c.coding ? 1u : 0u));
      CHECK(res->get_header_value("Content-Encoding") == c.coding);
      CHECK(res->get_header_value("Vary") == "Accept, Accept-Encoding");
      if (*c.coding == '\0') {
        CHECK(res->body == plain);
      } else {
        CHECK(res->body.size() < plain.size());
        CHECK(res->body != plain);
      }
    }
  }
}

TEST_CASE(
    "gzip and zstd over HTTP decompress to the identity bytes with curl, "
    "Python's zlib and the zstd command",
    "[http][compression][curl]") {
  ShopServer s(/*fixed_clock=*/false);
  TempDir dir;
  ExportQuery q = Query("shop");
  q.remove_expired_pins = true;
  const std::string query = "?as_of=2026-11-29T12:00:00Z&remove_expired_pins=1";
  for (ExportFormat format : {ExportFormat::kJson, ExportFormat::kNdjson}) {
    const std::string plain = Plain(*s.store, format, q);
    const std::string accept = format == ExportFormat::kJson
                                   ? "application/json"
                                   : "application/x-ndjson";
    INFO(accept);
    const std::string date = FormatHttpDate(SystemNow());
    auto gz =
        Post(s, query, {{"Accept", accept}, {"Accept-Encoding", "gzip"}}, date);
    auto zst =
        Post(s, query, {{"Accept", accept}, {"Accept-Encoding", "zstd"}}, date);
    REQUIRE(gz);
    REQUIRE(zst);
    REQUIRE(gz->get_header_value("Content-Encoding") == "gzip");
    REQUIRE(zst->get_header_value("Content-Encoding") == "zstd");
    const std::string gz_path = WriteTemp(dir, "body.gz", gz->body);
    const std::string zst_path = WriteTemp(dir, "body.zst", zst->body);
    CHECK(Shell("python3 -c 'import sys, zlib; "
                "sys.stdout.buffer.write(zlib.decompress(open(sys.argv[1], "
                "\"rb\").read(), 16 + zlib.MAX_WBITS))' " +
                gz_path) == plain);
    CHECK(Shell("zstd -q -d -c " + zst_path) == plain);
    // curl signs nothing here: the docs' shell signing, then --compressed.
    for (const char* coding : {"gzip", "zstd"}) {
      INFO(coding);
      const std::string script = R"(set -e
export LC_ALL=C
path=")" + kShopPath + R"("
type="application/json; charset=utf-8"
date=$(date -u "+%a, %d %b %Y %H:%M:%S GMT")
sig=$(printf "POST\n${type}\n${date}\n${path}" | openssl dgst -sha256 -hmac shop-key -binary | base64)
curl -s -f --compressed -D )" + dir.Sub("headers") +
                                 R"( -X POST ")" + s.server->url() + kShopPath +
                                 query + R"(" -H "Content-Type: ${type}" \
  -H "Date: ${date}" -H "Authorization: ApiAuth shop:${sig}" \
  -H "Accept: )" + accept + R"(" -H "Accept-Encoding: )" +
                                 coding + "\"\n";
      CHECK(Shell(script) == plain);
      CHECK(ReadFile(dir.Sub("headers"))
                .find(std::string("Content-Encoding: ") + coding + "\r\n") !=
            std::string::npos);
    }
  }
}

TEST_CASE("as_of over HTTP and exportctl export --now agree byte for byte",
          "[http][as_of]") {
  ShopServer s;  // its clock says kNow; as_of overrides it
  const struct {
    const char* query;
    const char* flags;
  } cases[] = {
      {"as_of=2026-11-29T14:00:00%2B02:00&remove_expired_pins=1",
       "--now 2026-11-29T14:00:00+02:00 --remove-expired-pins"},
      {"as_of=2026-11-01T00:30:00Z&remove_expired_pins=1&"
       "remove_nonexisting_item_pins=1&prune_report=1",
       "--now 2026-11-01T00:30:00Z --remove-expired-pins "
       "--remove-nonexisting-item-pins --prune-report"},
      {"as_of=2027-01-01T00:00:00.5Z&tag=sale&tag=winter&model=basket&"
       "model=search&remove_expired_pins=1",
       "--now 2027-01-01T00:00:00.5Z --tag sale --tag winter --model basket "
       "--model search --remove-expired-pins"},
  };
  for (const auto& c : cases) {
    INFO(c.query);
    auto res = Post(s, std::string("?") + c.query, {});
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const std::string local =
        Shell(std::string(EXPORTCTL_BIN) + " --store " +
              s.store.dir.Sub("store") + " export shop " + c.flags);
    CHECK(res->body == local);
    CHECK(res->body.size() > 100);
  }
  // Different instants give different documents (available, pruning).
  auto a = Post(s, "?as_of=2026-11-01T00:30:00Z&remove_expired_pins=1", {});
  auto b = Post(s, "?as_of=2026-11-30T00:00:00Z&remove_expired_pins=1", {});
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->body != b->body);
}

TEST_CASE(
    "repeated filters over HTTP match any value, and booleans twice are 422",
    "[http][filter]") {
  ShopServer s;
  auto res =
      Post(s, "?tag=winter&tag=sale&target_type=all&target_type=item", {});
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body == Doc({kOut1, kOut5, kOut6}));
  res = Post(
      s, "?target_type=criteria&target_type=all&target_identity=%2Fp%2F1%2F",
      {});
  REQUIRE(res);
  CHECK(res->status == 422);
  CHECK(res->body.find(R"("parameter":"target_identity")") !=
        std::string::npos);
  res = Post(s, "?prune_report=1&prune_report=0", {});
  REQUIRE(res);
  CHECK(res->status == 422);
  CHECK(res->body.find(R"("parameter":"prune_report")") != std::string::npos);
}

TEST_CASE("prune_report with NDJSON is 422 naming prune_report",
          "[http][prune_report]") {
  ShopServer s;
  auto res =
      Post(s, "?prune_report=true", {{"Accept", "application/x-ndjson"}});
  REQUIRE(res);
  CHECK(res->status == 422);
  CHECK(res->body ==
        "{\"error\":{\"status\":422,\"code\":\"invalid_parameter\","
        "\"message\":\"the prune report is a member of the JSON document; it "
        "cannot be combined with NDJSON (Accept: application/x-ndjson)\","
        "\"parameter\":\"prune_report\"}}");
}

TEST_CASE("a 422 echoing invalid UTF-8 is still valid UTF-8 JSON",
          "[http][validation]") {
  ShopServer s;
  TempDir dir;
  auto res = Post(s, "?target_type=%FF%C3%28item", {});
  REQUIRE(res);
  CHECK(res->status == 422);
  const std::string path = WriteTemp(dir, "body.json", res->body);
  CHECK(
      Shell("python3 -c 'import json, sys; "
            "e = json.loads(open(sys.argv[1], \"rb\").read().decode(\"utf-8\"))"
            "[\"error\"]; print(e[\"parameter\"], e[\"message\"][-9:])' " +
            path) == "target_type \"\xEF\xBF\xBD\xEF\xBF\xBD(item\"\n");
}

}  // namespace libexport::testing

namespace libexport::testing {
namespace {

// "a%2Bb" -> "a+b" (the examples only escape with %XX).
std::string PercentDecoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(
          static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the examples of docs/http_api.md run as written and give the export",
          "[http][docs][curl]") {
  ShopServer s(/*fixed_clock=*/false);
  const std::string here = __FILE__;
  const std::string doc =
      ReadFile(here.substr(0, here.rfind("/tests/")) + "/docs/http_api.md");
  const size_t begin = doc.find("<!-- examples:begin -->");
  const size_t end = doc.find("<!-- examples:end -->");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  std::vector<std::string> blocks;
  const std::regex block("```sh\n([^`]*)```");
  const std::string examples = doc.substr(begin, end - begin);
  for (std::sregex_iterator it(examples.begin(), examples.end(), block), last;
       it != last; ++it) {
    blocks.push_back((*it)[1]);
  }
  REQUIRE(blocks.size() >= 9);
  const std::string prelude = "set -eo pipefail\nhost=\"" + s.server->url() +
                              "\"\ntracker_id=shop\nprivate_key=shop-key\n" +
                              blocks[0];
  for (size_t i = 1; i < blocks.size(); ++i) {
    const std::string& b = blocks[i];
    INFO(b);
    REQUIRE(b.rfind("# expect: ", 0) == 0);
    std::istringstream expect(b.substr(10, b.find('\n') - 10));
    std::string what, arg;
    expect >> what >> arg;
    const std::string out = Shell(prelude + "\n" + b);
    if (what == "status") {
      CHECK(out == arg);
      continue;
    }
    std::vector<std::pair<std::string, std::string>> params;
    std::istringstream parts(what);
    for (std::string part; std::getline(parts, part, '&');) {
      size_t eq = part.find('=');
      params.emplace_back(part.substr(0, eq),
                          PercentDecoded(part.substr(eq + 1)));
    }
    Representation r;
    r.format = arg == "ndjson" ? ExportFormat::kNdjson : ExportFormat::kJson;
    auto q = ParseExportQuery("shop", params, kNow, r);
    REQUIRE_OK(q);
    CHECK(out == Plain(*s.store, r.format, *q));
    CHECK(out.size() > 100);
  }
}

}  // namespace libexport::testing
