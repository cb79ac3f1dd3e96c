#include "sqlite_peer.h"

#include <sqlite3.h>

namespace libexport::bench {
namespace {

constexpr char kSchema[] = R"sql(
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
PRAGMA mmap_size = 8589934592;
CREATE TABLE customizations (
  id TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_identity TEXT,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE customization_tags (
  tag TEXT NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (tag, id)
) WITHOUT ROWID;
CREATE TABLE catalog (identity TEXT PRIMARY KEY) WITHOUT ROWID;
)sql";

// Built after the load, as a user loading a dump would.
constexpr char kIndexes[] = R"sql(
CREATE INDEX customizations_model ON customizations (model, id);
CREATE INDEX customizations_target_type ON customizations (target_type, id);
CREATE INDEX customizations_target_identity ON customizations (target_identity, id);
ANALYZE;
)sql";

// A pin is active at :now when active_from <= now < active_to. julianday()
// reads fractions and offsets; plain text comparison would not.
constexpr char kActive[] =
    "(json_extract(a.value, '$.active_from') IS NULL OR "
    "julianday(json_extract(a.value, '$.active_from')) <= :now) AND "
    "(json_extract(a.value, '$.active_to') IS NULL OR "
    "julianday(json_extract(a.value, '$.active_to')) > :now)";

}  // namespace

SqlitePeer::~SqlitePeer() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close(db_);
}

std::string SqlitePeer::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string e = message != nullptr ? message : "sqlite3_exec failed";
    sqlite3_free(message);
    return e;
  }
  return "";
}

std::string SqlitePeer::Load(const std::string& path, std::string_view ndjson,
                             const std::vector<std::string>& catalog) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    return "sqlite3_open: " + std::string(sqlite3_errmsg(db_));
  }
  if (std::string e = Exec(kSchema); !e.empty()) return e;
  if (std::string e = Exec("BEGIN"); !e.empty()) return e;
  sqlite3_stmt* put = nullptr;
  sqlite3_stmt* tag = nullptr;
  sqlite3_stmt* item = nullptr;
  sqlite3_prepare_v2(db_,
                     "INSERT INTO customizations VALUES "
                     "(?1 ->> '$.id', ?1 ->> '$.model', ?1 ->> '$.target_type',"
                     " ?1 ->> '$.target_identity', json(?1))",
                     -1, &put, nullptr);
  sqlite3_prepare_v2(
      db_,
      "INSERT OR IGNORE INTO customization_tags "
      "SELECT t.value, ?1 ->> '$.id' FROM json_each(?1, '$.tags') t",
      -1, &tag, nullptr);
  sqlite3_prepare_v2(db_, "INSERT OR IGNORE INTO catalog VALUES (?1)", -1,
                     &item, nullptr);
  std::string error;
  while (!ndjson.empty() && error.empty()) {
    size_t nl = ndjson.find('\n');
    std::string_view line = ndjson.substr(0, nl);
    ndjson = nl == std::string_view::npos ? std::string_view()
                                          : ndjson.substr(nl + 1);
    if (line.empty()) continue;
    for (sqlite3_stmt* s : {put, tag}) {
      sqlite3_bind_text(s, 1, line.data(), static_cast<int>(line.size()),
                        SQLITE_STATIC);
      if (sqlite3_step(s) != SQLITE_DONE) error = sqlite3_errmsg(db_);
      sqlite3_reset(s);
    }
  }
  for (const std::string& identity : catalog) {
    if (!error.empty()) break;
    sqlite3_bind_text(item, 1, identity.data(),
                      static_cast<int>(identity.size()), SQLITE_STATIC);
    if (sqlite3_step(item) != SQLITE_DONE) error = sqlite3_errmsg(db_);
    sqlite3_reset(item);
  }
  sqlite3_finalize(put);
  sqlite3_finalize(tag);
  sqlite3_finalize(item);
  if (!error.empty()) return "load: " + error;
  if (std::string e = Exec("COMMIT"); !e.empty()) return e;
  return Exec(kIndexes);
}

std::string SqlitePeer::Sql(const Filters& f, const Pruning& p) {
  // :model0, :model1, ... one placeholder per value.
  auto any = [](const char* name, size_t n) {
    std::string list;
    for (size_t i = 0; i < n; ++i) {
      list += (i ? ", :" : ":") + std::string(name) + std::to_string(i);
    }
    return "(" + list + ")";
  };
  std::string where = "1";
  if (!f.models.empty()) {
    where += " AND c.model IN " + any("model", f.models.size());
  }
  if (!f.tags.empty()) {
    where +=
        " AND c.id IN (SELECT t.id FROM customization_tags t WHERE t.tag IN " +
        any("tag", f.tags.size()) + ")";
  }
  if (!f.target_types.empty()) {
    where +=
        " AND c.target_type IN " + any("target_type", f.target_types.size());
  }
  if (!f.target_identities.empty()) {
    where += " AND c.target_identity IN " +
             any("target_identity", f.target_identities.size());
  }
  std::string keep;
  if (p.expired) {
    keep +=
        " AND (json_extract(p.value, '$.active_to') IS NULL OR "
        "julianday(json_extract(p.value, '$.active_to')) > :now)";
  }
  if (p.catalog) {
    keep +=
        " AND (json_extract(p.value, '$.pin_type') <> 'item' OR EXISTS "
        "(SELECT 1 FROM catalog k WHERE k.identity = "
        "json_extract(p.value, '$.pin_identity')))";
  }
  std::string pins = keep.empty()
                         ? "json_extract(c.body, '$.pin_definitions')"
                         : "(SELECT json_group_array(json(p.value)) FROM "
                           "json_each(c.body, '$.pin_definitions') p WHERE 1" +
                               keep + ")";
  std::string available =
      "json(CASE WHEN EXISTS (SELECT 1 FROM json_each(x.pins) a WHERE " +
      std::string(kActive) + ") THEN 'true' ELSE 'false' END)";
  std::string set = keep.empty() ? "" : "'$.pin_definitions', json(x.pins), ";
  return "SELECT json_set(x.body, " + set + "'$.available', " + available +
         ") FROM (SELECT c.id, c.body, " + pins +
         " AS pins FROM customizations c WHERE " + where + ") x ORDER BY x.id";
}

int64_t SqlitePeer::Export(const Filters& f, const Pruning& p, Timestamp now,
                           std::string* out) {
  std::string sql = Sql(f, p);
  sqlite3_stmt*& stmt = statements_[sql];
  if (stmt == nullptr &&
      sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    error_ = "prepare: " + std::string(sqlite3_errmsg(db_));
    return -1;
  }
  auto bind = [&](const char* name, const std::string& value) {
    int i = sqlite3_bind_parameter_index(stmt, name);
    if (i > 0) {
      sqlite3_bind_text(stmt, i, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT);
    }
  };
  auto bind_all = [&](const char* name, const std::vector<std::string>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      bind((":" + std::string(name) + std::to_string(i)).c_str(), v[i]);
    }
  };
  bind_all("model", f.models);
  bind_all("tag", f.tags);
  std::vector<std::string> types;
  for (TargetType t : f.target_types) types.emplace_back(TargetTypeName(t));
  bind_all("target_type", types);
  bind_all("target_identity", f.target_identities);
  int now_index = sqlite3_bind_parameter_index(stmt, ":now");
  // Julian day of the instant: the Unix epoch is JD 2440587.5.
  sqlite3_bind_double(
      stmt, now_index,
      2440587.5 +
          (static_cast<double>(now.seconds) + now.nanos / 1e9) / 86400.0);
  out->append("{\"results\":[");
  int64_t n = 0;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    out->append(n == 0 ? "\n" : ",\n");
    out->append(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                sqlite3_column_bytes(stmt, 0));
    ++n;
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) {
    error_ = "step: " + std::string(sqlite3_errmsg(db_));
    return -1;
  }
  out->append(n == 0 ? "]}\n" : "\n]}\n");
  return n;
}

}  // namespace libexport::bench
