// `exportctl request VERB` against a real exportd over a real store: each
// verb's answer as the user sees it (stdout, stderr, exit code), the
// server's errors passed on, and each verb's --print-curl shell run through
// bash and curl.
#include <string>

#include "program_test_util.h"

namespace libexport::testing {
namespace {

const std::string kId1 = "00000000-0000-4000-8000-000000000001";
const std::string kId2 = "00000000-0000-4000-8000-000000000002";
const std::string kId6 = "00000000-0000-4000-8000-000000000006";
const std::string kNewId = "00000000-0000-4000-8000-0000000000a1";

// A new customization with id `id` (and model home).
std::string NewRule(const std::string& id, const std::string& tag = "new") {
  return R"({"id":")" + id +
         R"(","model":"home","target_type":"all","tags":[")" + tag +
         R"("],"pin_definitions":[]})";
}

// The shop fixture served by exportd; the key in a file.
struct Served {
  Served() : d(shop.store_dir(), shop.dir.Sub("exportd.log")) {
    WriteFile(key_file(), "shop-key\n");
  }
  std::string key_file() const { return shop.dir.Sub("shop.key"); }
  // A file in the test's directory holding `text`; its path.
  std::string File(const std::string& name, const std::string& text) const {
    WriteFile(shop.dir.Sub(name), text);
    return shop.dir.Sub(name);
  }
  // `exportctl request ARGS --url URL --key-file FILE [REDIRECT]`.
  Ran Request(const std::string& args, const std::string& redirect = "") {
    return RunExportctl("request " + args + " --url " + d.url() +
                            " --key-file " + key_file() + " " + redirect,
                        shop.dir);
  }
  // The --print-curl shell of `args`, run by bash with curl told to print
  // the status after the body (" 201").
  std::string Curl(const std::string& args, const std::string& stdin_text = "",
                   int* status = nullptr) {
    Ran script = Request(args + " --print-curl");
    REQUIRE(script.status == 0);
    INFO(script.out);
    CHECK(!Has(script.out, "shop-key"));
    CHECK(Has(script.out, "openssl dgst -sha256 -hmac \"$private_key\""));
    std::string shell = script.out;
    REQUIRE(shell.back() == '\n');
    shell.pop_back();
    shell += " -s -w ' %{http_code}'\n";
    if (!stdin_text.empty()) {
      shell = "printf '%s' '" + stdin_text + "' | {\n" + shell + "}\n";
    }
    int ignored = 0;
    return RunShell(shell, status ? status : &ignored);
  }
  ShopDir shop;
  Exportd d;
};

bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

TEST_CASE(
    "exportctl request create prints the created customization and get "
    "prints the same back",
    "[cli][request]") {
  Served s;
  Ran created =
      s.Request("create shop " + s.File("rule.json", NewRule(kNewId)));
  CHECK(created.status == 0);
  CHECK(created.err.empty());
  CHECK(
      created.out.rfind(
          R"({"id":"00000000-0000-4000-8000-0000000000a1","model":"home","target_type":"all","tags":["new"],"pin_definitions":[],"created_at":")",
          0) == 0);
  CHECK(EndsWith(created.out, "Z\",\"available\":false}\n"));
  Ran got = s.Request("get shop " + kNewId);
  CHECK(got.status == 0);
  CHECK(got.out == created.out);

  SECTION("from stdin with -") {
    Ran piped = s.Request("create shop -",
                          "< " + s.File("other.json", NewRule(kId2 + "x")));
    // An id that is not a UUID is the server's 422, naming the field.
    CHECK(piped.status == 1);
    CHECK(Has(piped.err, R"("status":422,"code":"invalid_record")"));
    CHECK(Has(piped.err, R"("field":"id")"));
    const std::string second = "00000000-0000-4000-8000-0000000000a2";
    piped =
        s.Request("create shop -", "< " + s.File("b.json", NewRule(second)));
    CHECK(piped.status == 0);
    CHECK(piped.out.rfind(R"({"id":")" + second + "\"", 0) == 0);
  }
  SECTION("an id that exists is the server's 409") {
    Ran again = s.Request("create shop " + s.shop.dir.Sub("rule.json"));
    CHECK(again.status == 1);
    CHECK(again.out.empty());
    CHECK(Has(again.err, R"({"error":{"status":409,"code":"conflict")"));
    CHECK(Has(again.err, "exportctl request: HTTP 409"));
  }
}

TEST_CASE(
    "exportctl request update replaces a customization, keeps its "
    "created_at and prints nothing",
    "[cli][request]") {
  Served s;
  Ran updated = s.Request(
      "update shop " + kId1 + " " +
      s.File(
          "edited.json",
          R"({"model":"basket","target_type":"all","tags":["edited"],"pin_definitions":[]})"));
  CHECK(updated.status == 0);
  CHECK(updated.out.empty());
  CHECK(updated.err.empty());
  Ran got = s.Request("get shop " + kId1);
  CHECK(got.status == 0);
  CHECK(
      got.out.rfind(
          R"({"id":"00000000-0000-4000-8000-000000000001","model":"basket","target_type":"all","tags":["edited"],"pin_definitions":[],"created_at":"2026-01-01T00:00:00Z","updated_at":")",
          0) == 0);
  CHECK(!Has(got.out, "\"updated_at\":\"2026-01-02T00:00:00Z\""));
}

TEST_CASE(
    "exportctl request delete removes a customization, and get of it then "
    "exits 1 with the server's 404 on stderr",
    "[cli][request]") {
  Served s;
  Ran deleted = s.Request("delete shop " + kId6);
  CHECK(deleted.status == 0);
  CHECK(deleted.out.empty());
  Ran got = s.Request("get shop " + kId6);
  CHECK(got.status == 1);
  CHECK(got.out.empty());
  CHECK(Has(got.err,
            R"({"error":{"status":404,"code":"customization_not_found")"));
  CHECK(Has(got.err, "exportctl request: HTTP 404"));
  Ran again = s.Request("delete shop " + kId6);
  CHECK(again.status == 1);
  CHECK(Has(again.err, R"("status":404)"));
}

TEST_CASE(
    "exportctl request list sends repeated filters, --limit, --offset and "
    "--sort, and prints the page with the total",
    "[cli][request]") {
  Served s;
  // basket 01, 02, 05 and search 06; by model descending, then id
  // descending: 06, 05, 02, 01; the page skips one and keeps two.
  Ran page = s.Request(
      "list shop --model basket --model search --sort model:desc --sort "
      "id:desc --limit 2 --offset 1");
  CHECK(page.status == 0);
  CHECK(
      page.out.rfind(
          R"({"pagination":{"total":4,"limit":2,"offset":1},"results":[{"id":"00000000-0000-4000-8000-000000000005",)",
          0) == 0);
  CHECK(Has(page.out, R"(},{"id":"00000000-0000-4000-8000-000000000002",)"));
  CHECK(!Has(page.out, kId1));
  CHECK(!Has(page.out, kId6));
  CHECK(EndsWith(page.out, "}]}\n"));
  SECTION("a limit over 1000 is the server's 422 naming the parameter") {
    Ran bad = s.Request("list shop --limit 1001");
    CHECK(bad.status == 1);
    CHECK(Has(bad.err, R"("code":"invalid_parameter")"));
    CHECK(Has(bad.err, R"("parameter":"limit")"));
  }
}

TEST_CASE(
    "exportctl request summary prints the customizations per model and the "
    "tags",
    "[cli][request]") {
  Served s;
  Ran summary = s.Request("summary shop");
  CHECK(summary.status == 0);
  CHECK(
      summary.out ==
      R"({"scope_counts":{"basket":3,"item_detail_alternatives":2,"search":1},"user_tags":["sale","summer","winter"]})"
      "\n");
  Ran unknown = s.Request("summary nosuch");
  CHECK(unknown.status == 1);
  CHECK(Has(unknown.err, R"("status":404,"code":"tracker_not_found")"));
}

TEST_CASE(
    "exportctl request bulk imports NDJSON all or nothing, and with raise a "
    "conflict exits 1 listing every conflicting id",
    "[cli][request]") {
  Served s;
  const std::string a = "00000000-0000-4000-8000-0000000000a1";
  const std::string b = "00000000-0000-4000-8000-0000000000a2";
  const std::string c = "00000000-0000-4000-8000-0000000000a3";
  Ran ok =
      s.Request("bulk shop " +
                s.File("new.ndjson", NewRule(a) + "\n" + NewRule(b) + "\n"));
  CHECK(ok.status == 0);
  CHECK(ok.out == "{}\n");
  CHECK(s.Request("get shop " + b).status == 0);

  Ran conflict = s.Request(
      "bulk shop " + s.File("clash.ndjson", NewRule(c) + "\n" + NewRule(kId1) +
                                                "\n" + NewRule(kId2) + "\n"));
  CHECK(conflict.status == 1);
  CHECK(conflict.out.empty());
  CHECK(Has(conflict.err, R"({"error":{"status":409,"code":"conflict")"));
  CHECK(Has(
      conflict.err,
      R"("ids":["00000000-0000-4000-8000-000000000001","00000000-0000-4000-8000-000000000002"])"));
  CHECK(s.Request("get shop " + c).status == 1);

  SECTION("override replaces the stored ones") {
    Ran over = s.Request("bulk shop " + s.shop.dir.Sub("clash.ndjson") +
                         " --conflict-strategy override");
    CHECK(over.status == 0);
    CHECK(Has(s.Request("get shop " + kId1).out, R"("model":"home")"));
  }
  SECTION("replace makes the tracker's customizations exactly the file's") {
    Ran replaced = s.Request("bulk shop " + s.shop.dir.Sub("new.ndjson") +
                             " --conflict-strategy replace");
    CHECK(replaced.status == 0);
    CHECK(s.Request("summary shop").out ==
          R"({"scope_counts":{"home":2},"user_tags":["new"]})"
          "\n");
  }
  SECTION("an unknown strategy is a usage error") {
    Ran bad = s.Request("bulk shop " + s.shop.dir.Sub("new.ndjson") +
                        " --conflict-strategy merge");
    CHECK(bad.status == 2);
    CHECK(Has(bad.err, "--conflict-strategy"));
  }
}

TEST_CASE(
    "exportctl request bulk with a bad line exits 1 with the 422 naming the "
    "line and the field, and imports nothing",
    "[cli][request]") {
  Served s;
  Ran bad = s.Request(
      "bulk shop " +
      s.File(
          "bad.ndjson",
          NewRule(kNewId) + "\n" +
              R"({"model":"home","target_type":"all","pin_definitions":[{"position":1,"pin_type":"item","pin_identity":"/p/1/","active_to":"yesterday"}]})"
              "\n"));
  CHECK(bad.status == 1);
  CHECK(bad.out.empty());
  CHECK(Has(bad.err, R"({"error":{"status":422,"code":"invalid_record")"));
  CHECK(Has(bad.err, R"("line":2,"field":"pin_definitions[0].active_to")"));
  CHECK(s.Request("get shop " + kNewId).status == 1);
}

TEST_CASE(
    "exportctl request catalog add and remove print how many identities "
    "changed",
    "[cli][request]") {
  Served s;
  // /p/1/ is in the catalog already.
  Ran added = s.Request("catalog add shop " +
                        s.File("add.txt", "/p/20/\n/p/21/\n/p/1/\n"));
  CHECK(added.status == 0);
  CHECK(added.out == "{\"changed\":2}\n");
  Ran removed = s.Request("catalog remove shop " +
                          s.File("remove.txt", "/p/20/\n/p/99/\n"));
  CHECK(removed.status == 0);
  CHECK(removed.out == "{\"changed\":1}\n");
  Ran blank =
      s.Request("catalog add shop " + s.File("blank.txt", "/p/22/\n  \n"));
  CHECK(blank.status == 1);
  CHECK(Has(blank.err, R"("status":422)"));
  CHECK(Has(blank.err, R"("line":2)"));
}

TEST_CASE(
    "a request verb's bad command line exits 2 naming what is wrong, and an "
    "unreadable body file exits 1",
    "[cli][request]") {
  Served s;
  Ran r = s.Request("get shop x/y");
  CHECK(r.status == 2);
  CHECK(Has(r.err, "ID 'x/y' is not a customization id"));
  r = RunExportctl("request get shop " + kId1 + " --key-file " + s.key_file(),
                   s.shop.dir);
  CHECK(r.status == 2);
  CHECK(Has(r.err, "exportctl request get: --url is required"));
  r = s.Request("get shop " + kId1 + " --model basket");
  CHECK(r.status == 2);
  CHECK(Has(r.err, "--model"));
  r = s.Request("create shop");
  CHECK(r.status == 2);
  CHECK(Has(r.err, "FILE is required"));
  r = s.Request("");
  CHECK(r.status == 2);
  CHECK(Has(r.err, "exportctl request: TRACKER is required"));
  r = s.Request("create shop " + s.shop.dir.Sub("missing.json"));
  CHECK(r.status == 1);
  CHECK(Has(r.err, "cannot read " + s.shop.dir.Sub("missing.json") +
                       ": No such file or directory"));
  r = s.Request("catalog shop");
  CHECK(r.status == 2);
}

TEST_CASE(
    "exportctl request export TRACKER is the export of exportctl request "
    "TRACKER, also for a tracker named like a verb",
    "[cli][request]") {
  ShopDir shop;
  {
    auto opened = Store::Open(shop.store_dir());
    REQUIRE_OK(opened);
    REQUIRE_OK((*opened)->AddTracker("list", std::string("list-key")));
  }
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  const std::string flags = " --url " + d.url() + " --model basket";
  Ran shorthand = RunExportctl("request shop --key shop-key" + flags, shop.dir);
  CHECK(shorthand.status == 0);
  CHECK(shorthand.out.rfind("{\"results\":[", 0) == 0);
  Ran verb =
      RunExportctl("request export shop --key shop-key" + flags, shop.dir);
  CHECK(verb.status == 0);
  CHECK(verb.out == shorthand.out);
  Ran named =
      RunExportctl("request export list --key list-key" + flags, shop.dir);
  CHECK(named.status == 0);
  CHECK(named.out == "{\"results\":[]}\n");
}

TEST_CASE(
    "each verb's --print-curl shell answers 2xx when bash runs it with curl, "
    "and holds the key only with --show-key",
    "[cli][request][curl]") {
  Served s;
  const std::string rule = s.File("rule.json", NewRule(kNewId));
  std::string out = s.Curl("create shop " + rule);
  CHECK(out.rfind(R"({"id":")" + kNewId + R"(","model":"home")", 0) == 0);
  CHECK(EndsWith(out, "} 201"));
  out = s.Curl("get shop " + kNewId);
  CHECK(out.rfind(R"({"id":")" + kNewId + "\"", 0) == 0);
  CHECK(EndsWith(out, "} 200"));
  CHECK(s.Curl("update shop " + kNewId + " " +
               s.File("edited.json", NewRule(kNewId, "edited"))) == " 204");
  CHECK(Has(s.Request("get shop " + kNewId).out, R"("tags":["edited"])"));
  out = s.Curl("list shop --model home --limit 1");
  CHECK(out.rfind(R"({"pagination":{"total":1,"limit":1,"offset":0},)", 0) ==
        0);
  CHECK(EndsWith(out, "]} 200"));
  CHECK(
      s.Curl("summary shop") ==
      R"({"scope_counts":{"basket":3,"home":1,"item_detail_alternatives":2,"search":1},"user_tags":["edited","sale","summer","winter"]} 200)");
  const std::string b = "00000000-0000-4000-8000-0000000000b1";
  CHECK(s.Curl("bulk shop " + s.File("b.ndjson", NewRule(b) + "\n")) ==
        "{} 200");
  CHECK(s.Curl("catalog add shop " + s.File("items.txt", "/p/30/\n/p/31/\n")) ==
        R"({"changed":2} 200)");
  CHECK(s.Curl("delete shop " + kNewId) == " 204");
  CHECK(s.Request("get shop " + kNewId).status == 1);
  SECTION("a body from stdin (-) is read by the shell from its stdin") {
    const std::string c = "00000000-0000-4000-8000-0000000000c1";
    CHECK(EndsWith(s.Curl("create shop -", NewRule(c)), "} 201"));
    CHECK(s.Request("get shop " + c).status == 0);
  }
  SECTION("a bad request in the shell gets the server's error") {
    CHECK(Has(s.Curl("bulk shop " + s.shop.dir.Sub("b.ndjson")),
              R"("code":"conflict")"));
  }
  SECTION("--show-key writes the key itself") {
    Ran script = s.Request("get shop " + kId1 + " --print-curl --show-key");
    CHECK(script.status == 0);
    CHECK(Has(script.out, "private_key='shop-key'\n"));
    CHECK(Has(script.out, "method=\"GET\"\ncontent_type=\"\"\n"));
    CHECK(!Has(script.out, "Content-Type:"));
  }
}

TEST_CASE(
    "the curl examples of docs/http_api.md are what exportctl request "
    "--print-curl prints, and each answers 2xx against exportd",
    "[cli][request][docs][curl]") {
  ShopDir shop;
  {
    auto opened = Store::Open(shop.store_dir());
    REQUIRE_OK(opened);
    REQUIRE_OK((*opened)->AddTracker("demo", std::string("demo-docs-key")));
  }
  Exportd d(shop.store_dir(), shop.dir.Sub("exportd.log"));
  WriteFile(shop.dir.Sub("demo.key"), "demo-docs-key\n");
  const std::vector<std::string> blocks = DocShellBlocks("request-examples");
  REQUIRE(blocks.size() == 10);
  const std::string cd = "cd " + shop.dir.path() + "\n";
  int status = -1;
  RunShell(cd + blocks[0], &status);
  REQUIRE(status == 0);
  // create, get, update, list, summary, bulk, catalog add, delete, restore.
  const std::vector<std::string> codes = {
      " 201", " 200", " 204", " 200", " 200", " 200", " 200", " 204", " 200"};
  const std::string kHost = "host='http://127.0.0.1:8080'\n";
  for (size_t i = 1; i < blocks.size(); ++i) {
    const std::string& block = blocks[i];
    INFO(block);
    const size_t eol = block.find('\n');
    const std::string command = block.substr(0, eol);
    REQUIRE(command.rfind("# exportctl request ", 0) == 0);
    const std::string printed = RunShell(
        cd + EXPORTCTL_BIN + command.substr(command.find(' ', 2)), &status);
    CHECK(status == 0);
    CHECK(printed == block.substr(eol + 1));
    std::string script = block;
    const size_t host = script.find(kHost);
    REQUIRE(host != std::string::npos);
    script.replace(host, kHost.size(), "host='" + d.url() + "'\n");
    script.pop_back();
    const std::string answer =
        RunShell(cd + script + " -s -w ' %{http_code}'", &status);
    CHECK(status == 0);
    CHECK(EndsWith(answer, codes[i - 1]));
  }
  // The examples' writes reached the store; the restore made the tracker
  // exactly backup.json's two records.
  Ran summary = RunExportctl("request summary demo --url " + d.url() +
                                 " --key-file " + shop.dir.Sub("demo.key"),
                             shop.dir);
  CHECK(summary.out ==
        R"({"scope_counts":{"home":1,"search":1},"user_tags":[]})"
        "\n");
}

}  // namespace
}  // namespace libexport::testing
