// The seeded demo generator. Every random choice comes from one splitmix64
// stream (no std:: distributions: their output differs between standard
// libraries), so a seed gives the same bytes everywhere.
//
// Each line is written in the store's canonical form (docs/store_format.md:
// key order, no whitespace, minimal escapes, UTC times), so an export of the
// imported data equals these lines with `,"available":...` added. A few
// strings carry non-ASCII text, quotes, backslashes, tabs, `?` and `%` so the
// escaping paths of the codec are exercised.
#include "demo_data.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

#include "libexport/json_string.h"

namespace libexport::demo {
namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The modulo bias is irrelevant here.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // True with probability per_mille / 1000.
  bool PerMille(uint64_t per_mille) { return Below(1000) < per_mille; }

 private:
  uint64_t state_;
};

// Samples index i of a list with weight 1 / (i + 1): a Zipf-like skew.
// Integer weights keep the sampler exact and platform independent.
class ZipfSampler {
 public:
  explicit ZipfSampler(size_t n) {
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) {
      total += 1'000'000 / (i + 1);
      cumulative_.push_back(total);
    }
  }
  size_t Sample(SplitMix64& rng) const {
    uint64_t r = rng.Below(cumulative_.back());
    return std::upper_bound(cumulative_.begin(), cumulative_.end(), r) -
           cumulative_.begin();
  }

 private:
  std::vector<uint64_t> cumulative_;
};

void AppendEscaped(std::string& out, std::string_view s) {
  libexport::AppendJsonString(&out, s);
}

// `"key":` then the escaped string value.
void AppendField(std::string& out, std::string_view key,
                 std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  AppendEscaped(out, value);
}

void AppendTime(std::string& out, std::string_view key, Timestamp t,
                int fraction_digits) {
  AppendField(out, key, FormatRfc3339(t, fraction_digits));
}

std::string ItemIdentity(uint64_t n) { return "/p/" + std::to_string(n) + "/"; }

void AppendUuid(std::string& out, SplitMix64& rng) {
  std::array<uint8_t, 16> b;
  uint64_t hi = rng.Next();
  uint64_t lo = rng.Next();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0f];
  }
  out += '"';
}

// Strings that need escaping or carry non-ASCII, `?` and `%`.
constexpr std::array<std::string_view, 6> kOddTitles = {
    "Caf\xc3\xa9 \"Cr\xc3\xa8me\" br\xc3\xbbl\xc3\xa9\x65",
    "50% off? back\\slash \\\"nested\\\"",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x91\x9f sneakers",
    "tab\there & new\nline",
    "Stra\xc3\x9f\x65 / \xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0",
    "ctrl \x01 char",
};
constexpr std::array<std::string_view, 8> kTitles = {
    "Summer sale", "Running shoes", "Top picks",      "New arrivals",
    "Bestsellers", "Gift ideas",    "Back to school", "Clearance",
};
constexpr std::array<std::string_view, 8> kBrands = {
    "Nike", "Adidas", "Puma", "Asics", "New Balance", "Reebok", "Vans", "Fila",
};
constexpr std::array<std::string_view, 6> kCategories = {
    "shoes", "bags", "shirts", "jackets", "socks", "hats",
};
constexpr std::array<std::string_view, 5> kCreators = {
    "alice@example.com", "bob@example.com",           "merch-bot",
    "carol@example.com", "Jos\xc3\xa9 \"QA\" O'Neil",
};

// An opaque criteria object, as a merchant would write it.
void AppendCriteria(std::string& out, SplitMix64& rng) {
  switch (rng.Below(4)) {
    case 0:
    case 1:
      out += "{\"field\":\"brand\",\"operator\":\"eq\",";
      AppendField(out, "value", kBrands[rng.Below(kBrands.size())]);
      out += '}';
      break;
    case 2: {
      out += "{\"field\":\"category\",\"operator\":\"in\",\"value\":[";
      AppendEscaped(out, kCategories[rng.Below(kCategories.size())]);
      out += ',';
      AppendEscaped(out, kCategories[rng.Below(kCategories.size())]);
      out += "]}";
      break;
    }
    default:
      out += "{\"field\":\"price\",\"operator\":\"lt\",\"value\":";
      out += std::to_string(10 + rng.Below(490));
      if (rng.PerMille(300)) out += ".99";
      out += ",\"currency\":\"EUR\"}";
      break;
  }
}

// A pin window around `now`: ~20% expired, ~10% future, ~40% open, the rest
// active (one or both bounds). Some times carry milliseconds.
void AppendWindow(std::string& out, SplitMix64& rng, Timestamp now) {
  constexpr int64_t kHour = 3600;
  auto offset = [&rng]() {
    return static_cast<int64_t>(kHour + rng.Below(30 * 24 * kHour));
  };
  int fraction = rng.PerMille(100) ? 3 : 0;
  auto at = [&](int64_t delta) {
    Timestamp t{now.seconds + delta, 0};
    if (fraction != 0)
      t.nanos = static_cast<int32_t>(rng.Below(1000)) * 1'000'000;
    return t;
  };
  uint64_t kind = rng.Below(100);
  if (kind < 20) {  // expired
    int64_t to = -offset();
    if (rng.PerMille(700)) {
      out += ',';
      AppendTime(out, "active_from", at(to - offset()), fraction);
    }
    out += ',';
    AppendTime(out, "active_to", at(to), fraction);
  } else if (kind < 30) {  // future
    int64_t from = offset();
    out += ',';
    AppendTime(out, "active_from", at(from), fraction);
    if (rng.PerMille(600)) {
      out += ',';
      AppendTime(out, "active_to", at(from + offset()), fraction);
    }
  } else if (kind < 70) {  // open
  } else {                 // active now
    uint64_t bounds = rng.Below(3);
    if (bounds != 1) {
      out += ',';
      AppendTime(out, "active_from", at(-offset()), fraction);
    }
    if (bounds != 0) {
      out += ',';
      AppendTime(out, "active_to", at(offset()), fraction);
    }
  }
}

void AppendPin(std::string& out, SplitMix64& rng, Timestamp now,
               uint64_t item_range) {
  uint64_t kind = rng.Below(100);
  int64_t position = 1 + static_cast<int64_t>(rng.Below(10));
  bool criteria = false, block = false, bundle = false;
  if (kind < 68) {
  } else if (kind < 78) {
    position = -1;  // global
  } else if (kind < 83) {
    position = 0;  // block
    block = true;
  } else if (kind < 96) {
    criteria = true;
    if (rng.PerMille(200)) position = -1;
  } else {
    bundle = true;
  }
  out += "{\"position\":";
  out += std::to_string(position);
  if (criteria) {
    out += ",\"pin_type\":\"criteria\",\"pin_criteria\":";
    AppendCriteria(out, rng);
  } else {
    out += ",\"pin_type\":\"item\",";
    AppendField(out, "pin_identity", ItemIdentity(rng.Below(item_range)));
  }
  if (rng.PerMille(150)) {
    out += ',';
    AppendField(out, "widget_id", "widget-" + std::to_string(rng.Below(20)));
  }
  out += ",\"is_block_pin\":";
  out += block ? "true" : "false";
  out += ",\"is_bundle_pin\":";
  out += bundle ? "true" : "false";
  AppendWindow(out, rng, now);
  out += '}';
}

void AppendCustomization(std::string& out, SplitMix64& rng,
                         const DemoOptions& o, uint64_t item_range,
                         const ZipfSampler& models, const ZipfSampler& tags) {
  out += "{\"id\":";
  AppendUuid(out, rng);
  out += ',';
  AppendField(out, "model", DemoModels()[models.Sample(rng)]);
  uint64_t target = rng.Below(100);
  if (target < 60) {
    out += ",\"target_type\":\"item\",";
    std::string identity = ItemIdentity(rng.Below(item_range));
    // A few identities carry a query string with odd bytes.
    if (rng.PerMille(5)) identity += "?q=caf\xc3\xa9%20\"x\"\\";
    AppendField(out, "target_identity", identity);
  } else if (target < 85) {
    out += ",\"target_type\":\"criteria\",\"target_criteria\":";
    AppendCriteria(out, rng);
  } else {
    out += ",\"target_type\":\"all\"";
  }
  if (rng.PerMille(300)) {
    out += ",\"target_metadata\":{";
    std::string_view title = rng.PerMille(50)
                                 ? kOddTitles[rng.Below(kOddTitles.size())]
                                 : kTitles[rng.Below(kTitles.size())];
    AppendField(out, "title", title);
    out += ',';
    AppendField(out, "image",
                "https://img.example.com/" + std::to_string(rng.Below(100000)) +
                    ".jpg");
    out += '}';
  }
  // 0-3 distinct common tags, plus the rare tag on ~0.1% of records.
  std::vector<size_t> chosen;
  uint64_t tag_count = rng.Below(4);
  for (uint64_t i = 0; i < tag_count; ++i) {
    size_t t = tags.Sample(rng);
    if (std::find(chosen.begin(), chosen.end(), t) == chosen.end()) {
      chosen.push_back(t);
    }
  }
  bool rare = rng.PerMille(1);
  if (!chosen.empty() || rare) {
    out += ",\"tags\":[";
    for (size_t i = 0; i < chosen.size(); ++i) {
      if (i != 0) out += ',';
      AppendEscaped(out, DemoTags()[chosen[i]]);
    }
    if (rare) {
      if (!chosen.empty()) out += ',';
      out += "\"rare-tag\"";
    }
    out += ']';
  }
  out += ",\"pin_definitions\":[";
  uint64_t pins = 1 + rng.Below(8);
  for (uint64_t i = 0; i < pins; ++i) {
    if (i != 0) out += ',';
    AppendPin(out, rng, o.now, item_range);
  }
  out += ']';
  if (rng.PerMille(800)) {
    out += ',';
    AppendField(out, "creator", kCreators[rng.Below(kCreators.size())]);
  }
  constexpr int64_t kDay = 24 * 3600;
  Timestamp created{
      o.now.seconds - kDay - static_cast<int64_t>(rng.Below(365 * kDay)), 0};
  Timestamp updated{
      created.seconds + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(
                            o.now.seconds - created.seconds))),
      0};
  out += ',';
  AppendTime(out, "created_at", created, 0);
  out += ',';
  AppendTime(out, "updated_at", updated, 0);
  out += "}\n";
}

}  // namespace

const std::vector<std::string>& DemoModels() {
  static const std::vector<std::string> kModels = {
      "basket",
      "item_detail_alternatives",
      "item_detail_complements",
      "basket_popup",
      "category",
      "brand",
      "favorites",
      "search",
      "homepage",
      "personal",
  };
  return kModels;
}

const std::vector<std::string>& DemoTags() {
  static const std::vector<std::string> kTags = {
      "summer",
      "sale",
      "new",
      "bestseller",
      "winter",
      "clearance",
      "gift",
      "premium",
      "eco",
      "kids",
      "outdoor",
      "running",
      "black-friday",
      "limited",
      "b2b",
      "\xc3\xa9t\xc3\xa9",  // "été": a non-ASCII tag
  };
  return kTags;
}

DemoData GenerateDemo(const DemoOptions& options) {
  DemoData data;
  SplitMix64 rng(options.seed);
  // Pinned and target items come from a range ~10% larger than the catalog.
  uint64_t item_range =
      options.catalog + std::max<uint64_t>(1, options.catalog / 10);
  ZipfSampler models(DemoModels().size());
  ZipfSampler tags(DemoTags().size());
  data.ndjson.reserve(options.customizations * 700);
  for (size_t i = 0; i < options.customizations; ++i) {
    AppendCustomization(data.ndjson, rng, options, item_range, models, tags);
  }
  data.catalog.reserve(options.catalog);
  for (size_t n = 0; n < options.catalog; ++n) {
    data.catalog.push_back(ItemIdentity(n));
  }
  return data;
}

}  // namespace libexport::demo
