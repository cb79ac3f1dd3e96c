// Repeated filters (a set of values per filter), NDJSON, the prune report and
// content coding of Store::Export, on the shop fixture. Expected documents are
// literal.
#include <catch2/catch.hpp>
#include <string>

#include "libexport/compression.h"
#include "libexport/store.h"
#include "shop_fixture.h"
#include "test_util.h"

namespace libexport::testing {
namespace {

// The shop fixture plus 30 customizations of another model, so that a
// filter's values hold few enough ids for the planner to walk their index
// lists (a k-way merge) instead of scanning every record.
void LoadShopWithFiller(Store& store) {
  LoadShop(store);
  std::string filler;
  for (int i = 0; i < 30; ++i) {
    filler += R"({"id":"00000000-0000-4000-8000-0000000001)" +
              std::string(i < 10 ? "0" : "") + std::to_string(i) +
              R"(","model":"filler","target_type":"all","pin_definitions":[]})"
              "\n";
  }
  MustImport(store, "shop", filler, Opts(ImportFormat::kNdjson));
}

TEST_CASE(
    "a filter given several values matches any of them, each record once, "
    "in id order",
    "[export][filter]") {
  TestStore s;
  LoadShopWithFiller(*s);
  struct Case {
    std::string name;
    ExportQuery query;
    std::string expected;
  };
  std::vector<Case> cases;
  auto x = Query("shop");
  x.models = {"search", "basket"};
  cases.push_back(
      {"model=basket|search", x, Doc({kOut1, kOut2, kOut5, kOut6})});
  x = Query("shop");
  x.tags = {"winter", "sale"};  // 06 has both
  cases.push_back({"tag=sale|winter", x, Doc({kOut1, kOut2, kOut5, kOut6})});
  x.tags = {"summer", "winter", "nothing"};
  cases.push_back(
      {"tag=summer|winter|nothing", x, Doc({kOut1, kOut4, kOut5, kOut6})});
  x = Query("shop");
  x.target_identities = {"/p/missing-target/", "/p/1/"};
  cases.push_back({"target_identity=/p/1/|/p/missing-target/", x,
                   Doc({kOut1, kOut4, kOut5})});
  x.target_types = {TargetType::kCriteria, TargetType::kItem};
  cases.push_back(
      {"... and target_type=criteria|item", x, Doc({kOut1, kOut4, kOut5})});
  x = Query("shop");
  x.models = {"basket", "item_detail_alternatives"};
  x.tags = {"summer"};
  cases.push_back({"model=basket|item_detail_alternatives AND tag=summer", x,
                   Doc({kOut1, kOut4})});
  x = Query("shop");
  x.models = {"nothing", "none"};
  cases.push_back({"model=nothing|none", x, Doc({})});
  for (const Case& c : cases) {
    INFO(c.name);
    ExportStats stats;
    CHECK(MustExport(*s, c.query, &stats) == c.expected);
    // The index lists were walked: only candidates were read, not all 36.
    CHECK(stats.records_scanned < 10);
  }
}

TEST_CASE("a filter with many values covering most records scans instead",
          "[export][filter]") {
  TestStore s;
  LoadShopWithFiller(*s);
  auto x = Query("shop");
  x.target_types = {TargetType::kItem, TargetType::kCriteria, TargetType::kAll};
  x.models = {"basket", "filler"};
  ExportStats stats;
  std::string out = MustExport(*s, x, &stats);
  CHECK(stats.records_scanned == 36);
  CHECK(stats.records_matched == 33);
  CHECK(out.starts_with("{\"results\":[\n" + std::string(kOut1) + ",\n" +
                        std::string(kOut2) + ",\n"));
}

TEST_CASE("NDJSON is the same objects, one per line, without a wrapper",
          "[export][ndjson]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.representation.format = ExportFormat::kNdjson;
  x.tags = {"sale"};
  CHECK(MustExport(*s, x) == Lines({kOut1, kOut2, kOut6}));
  x.remove_expired_pins = true;
  CHECK(MustExport(*s, x) == Lines({kOut1Expired, kOut2, kOut6Expired}));
  x.tags = {"nothing"};
  CHECK(MustExport(*s, x) == "");
}

TEST_CASE("an NDJSON export imports back into the same records",
          "[export][ndjson][import]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.representation.format = ExportFormat::kNdjson;
  const std::string ndjson = MustExport(*s, x);
  TestStore t;
  REQUIRE_OK(t->AddTracker("shop"));
  MustImport(*t, "shop", ndjson, Opts(ImportFormat::kAuto));
  CHECK(MustExport(*t, x) == ndjson);
  x.representation.format = ExportFormat::kJson;
  CHECK(MustExport(*t, x) == MustExport(*s, x));
}

constexpr std::string_view kPrunedPin11 =
    R"({"id":"00000000-0000-4000-8000-000000000001","reason":"expired","pin":{"position":2,"pin_type":"item","pin_identity":"/p/11/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00Z"}})";
constexpr std::string_view kPrunedMissing3 =
    R"({"id":"00000000-0000-4000-8000-000000000003","reason":"nonexisting_item","pin":{"position":0,"pin_type":"item","pin_identity":"/p/missing/","widget_id":"w1","is_block_pin":true,"is_bundle_pin":false,"active_to":"2026-11-29T12:00:00.000001Z"}})";
constexpr std::string_view kPrunedPin12Expired =
    R"({"id":"00000000-0000-4000-8000-000000000005","reason":"expired","pin":{"position":1,"pin_type":"item","pin_identity":"/p/12/","is_block_pin":false,"is_bundle_pin":true,"active_from":"2026-11-01T00:00:00Z","active_to":"2026-11-02T00:00:00Z"}})";
constexpr std::string_view kPrunedPin12Missing =
    R"({"id":"00000000-0000-4000-8000-000000000005","reason":"nonexisting_item","pin":{"position":1,"pin_type":"item","pin_identity":"/p/12/","is_block_pin":false,"is_bundle_pin":true,"active_from":"2026-11-01T00:00:00Z","active_to":"2026-11-02T00:00:00Z"}})";
constexpr std::string_view kPrunedPin10Expired6 =
    R"({"id":"00000000-0000-4000-8000-000000000006","reason":"expired","pin":{"position":2,"pin_type":"item","pin_identity":"/p/10/","is_block_pin":false,"is_bundle_pin":false,"active_to":"2026-11-29T11:59:59.999999Z"}})";

std::string WithReport(std::string doc,
                       std::initializer_list<std::string_view> pruned) {
  doc.resize(doc.size() - 2);  // "}\n"
  doc += ",\"pruned\":[";
  bool first = true;
  for (std::string_view p : pruned) {
    doc += first ? "\n" : ",\n";
    first = false;
    doc += p;
  }
  doc += pruned.size() == 0 ? "]}\n" : "\n]}\n";
  return doc;
}

TEST_CASE(
    "the prune report lists each pruned pin with its id and reason, expired "
    "winning over nonexisting_item",
    "[export][prune_report]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.prune_report = true;
  x.remove_expired_pins = true;
  x.remove_nonexisting_item_pins = true;
  ExportStats stats;
  CHECK(MustExport(*s, x, &stats) ==
        WithReport(Doc({kOut1Expired, kOut2, kOut3Missing, kOut4, kOut5Pruned,
                        kOut6Expired}),
                   {kPrunedPin11, kPrunedMissing3, kPrunedPin12Expired,
                    kPrunedPin10Expired6}));
  // The second walk does not count twice.
  CHECK(stats.records_matched == 6);
  CHECK(stats.pins_pruned_expired == 3);
  CHECK(stats.pins_pruned_missing == 1);

  x.remove_expired_pins = false;  // /p/12/ is now pruned as missing
  CHECK(MustExport(*s, x) ==
        WithReport(Doc({kOut1, kOut2, kOut3Missing, kOut4, kOut5Pruned, kOut6}),
                   {kPrunedMissing3, kPrunedPin12Missing}));
}

TEST_CASE("the prune report follows the filters and is empty without pruning",
          "[export][prune_report]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.prune_report = true;
  x.tags = {"winter"};
  CHECK(MustExport(*s, x) == WithReport(Doc({kOut5, kOut6}), {}));
  x.remove_expired_pins = true;
  CHECK(MustExport(*s, x) ==
        WithReport(Doc({kOut5Pruned, kOut6Expired}),
                   {kPrunedPin12Expired, kPrunedPin10Expired6}));
  x.tags = {"nothing"};
  CHECK(MustExport(*s, x) == "{\"results\":[],\"pruned\":[]}\n");
}

TEST_CASE("prune_report with NDJSON is rejected naming prune_report",
          "[export][prune_report]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.prune_report = true;
  x.representation.format = ExportFormat::kNdjson;
  StringSink sink;
  Status st = s->Export(x, sink);
  CHECK(st.code() == Status::Code::kInvalidArgument);
  CHECK(st.field() == "prune_report");
  CHECK(sink.out.empty());
}

TEST_CASE("an import ignores the prune report of an export document",
          "[export][prune_report][import]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.prune_report = true;
  x.remove_expired_pins = true;
  const std::string with_report = MustExport(*s, x);
  REQUIRE(with_report.find("\"pruned\":[\n{") != std::string::npos);
  TestStore t;
  REQUIRE_OK(t->AddTracker("shop"));
  MustImport(*t, "shop", with_report, Opts(ImportFormat::kJson));
  x.prune_report = false;
  CHECK(MustExport(*t, x) == MustExport(*s, x));
  // Spaces around the member, and the slow path (an escape in results).
  TestStore u;
  REQUIRE_OK(u->AddTracker("shop"));
  MustImport(
      *u, "shop",
      "{\"results\":[" + std::string(kIn4) +
          "] , \"pruned\" : [{\"id\":\"x\",\"pin\":{\"a\":\"]\\\"\"}}] }",
      Opts(ImportFormat::kJson));
  x.remove_expired_pins = false;
  CHECK(MustExport(*u, x) == Doc({kOut4}));
}

TEST_CASE("a gzip or zstd export decompresses to the identity bytes",
          "[export][compression]") {
  TestStore s;
  LoadShop(*s);
  for (ExportFormat format : {ExportFormat::kJson, ExportFormat::kNdjson}) {
    auto x = Query("shop");
    x.representation.format = format;
    const std::string plain = MustExport(*s, x);
    for (ContentCoding coding : {ContentCoding::kGzip, ContentCoding::kZstd}) {
      INFO(ContentCodingName(coding));
      x.representation.coding = coding;
      ExportStats stats;
      const std::string coded = MustExport(*s, x, &stats);
      CHECK(CodingOfData(coded) == coding);
      CHECK(stats.bytes_written == coded.size());
      CHECK(stats.bytes_before_coding == plain.size());
      CHECK(coded.size() < plain.size());
      std::string back;
      REQUIRE_OK(Decompress(coding, coded, &back));
      CHECK(back == plain);
    }
  }
}

TEST_CASE("an export with nothing to write still is a complete stream",
          "[export][compression]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  x.models = {"nothing"};
  x.representation = {ExportFormat::kNdjson, ContentCoding::kZstd};
  std::string back;
  REQUIRE_OK(Decompress(ContentCoding::kZstd, MustExport(*s, x), &back));
  CHECK(back.empty());
  x.representation.coding = ContentCoding::kGzip;
  REQUIRE_OK(Decompress(ContentCoding::kGzip, MustExport(*s, x), &back));
  CHECK(back.empty());
}

TEST_CASE("a sink that stops a compressed export aborts it",
          "[export][compression]") {
  TestStore s;
  LoadShop(*s);
  class StopAtOnce : public ExportSink {
   public:
    bool Write(std::string_view) override { return false; }
  } sink;
  auto x = Query("shop");
  x.representation.coding = ContentCoding::kZstd;
  CHECK(s->Export(x, sink).code() == Status::Code::kAborted);
}

TEST_CASE("Decompress rejects truncated or foreign input and caps the output",
          "[compression]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  for (ContentCoding coding : {ContentCoding::kGzip, ContentCoding::kZstd}) {
    INFO(ContentCodingName(coding));
    x.representation.coding = coding;
    const std::string coded = MustExport(*s, x);
    std::string out;
    CHECK(Decompress(coding, coded.substr(0, coded.size() / 2), &out).code() ==
          Status::Code::kInvalidArgument);
    CHECK(Decompress(coding, "{\"results\":[]}", &out).code() ==
          Status::Code::kInvalidArgument);
    CHECK(Decompress(coding, coded, &out, 100).code() ==
          Status::Code::kResourceExhausted);
    // Two streams back to back are one input (gzip members, zstd frames).
    REQUIRE_OK(Decompress(coding, coded + coded, &out));
    x.representation.coding = ContentCoding::kIdentity;
    CHECK(out == MustExport(*s, x) + MustExport(*s, x));
  }
  CHECK(CodingOfFileName("backup.json.gz") == ContentCoding::kGzip);
  CHECK(CodingOfFileName("backup.ndjson.zst") == ContentCoding::kZstd);
  CHECK(CodingOfFileName("backup.json") == ContentCoding::kIdentity);
}

TEST_CASE(
    "StreamDecoder decodes an export given in pieces of any size, and names "
    "a truncated or foreign stream",
    "[compression]") {
  TestStore s;
  LoadShop(*s);
  auto x = Query("shop");
  const std::string plain = MustExport(*s, x);
  for (ContentCoding coding : {ContentCoding::kGzip, ContentCoding::kZstd}) {
    const std::string name(ContentCodingName(coding));
    INFO(name);
    x.representation.coding = coding;
    const std::string coded = MustExport(*s, x);
    // Byte by byte, in odd pieces, whole; two streams back to back too.
    for (size_t piece : {size_t{1}, size_t{7}, size_t{4096}, coded.size()}) {
      INFO(piece);
      auto d = StreamDecoder::Make(coding);
      REQUIRE_OK(d);
      std::string out;
      const std::string input = coded + coded;
      for (size_t at = 0; at < input.size(); at += piece) {
        REQUIRE_OK(
            (*d)->Write(input.substr(at, piece), [&](std::string_view p) {
              CHECK(p.size() <= 64 * 1024);
              out.append(p);
              return true;
            }));
      }
      REQUIRE_OK((*d)->Finish());
      CHECK(out == plain + plain);
    }
    auto keep = [](std::string_view) { return true; };
    auto d = StreamDecoder::Make(coding);
    REQUIRE_OK(d);
    REQUIRE_OK((*d)->Write(coded.substr(0, coded.size() / 2), keep));
    Status st = (*d)->Finish();
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.message() == name + ": the input is truncated");
    d = StreamDecoder::Make(coding);
    REQUIRE_OK(d);
    st = (*d)->Write("{\"results\":[]}", keep);
    CHECK(st.code() == Status::Code::kInvalidArgument);
    CHECK(st.message().rfind(name + ": ", 0) == 0);
    // Nothing at all is a truncated stream, not an empty export.
    d = StreamDecoder::Make(coding);
    REQUIRE_OK(d);
    CHECK((*d)->Finish().code() == Status::Code::kInvalidArgument);
    // The receiver stops the decoding.
    d = StreamDecoder::Make(coding);
    REQUIRE_OK(d);
    CHECK((*d)->Write(coded, [](std::string_view) { return false; }).code() ==
          Status::Code::kAborted);
  }
  CHECK(StreamDecoder::Make(ContentCoding::kIdentity).status().code() ==
        Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace libexport::testing
