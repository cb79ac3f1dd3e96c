// The peer a user would reach for: customizations kept as JSON text in
// SQLite, with the columns and indexes a competent user adds, exported with
// SQL (json_each / json_extract / json_set, a catalog table), ordered by id.
#ifndef LIBEXPORT_BENCH_SQLITE_PEER_H_
#define LIBEXPORT_BENCH_SQLITE_PEER_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bench_cases.h"

struct sqlite3;
struct sqlite3_stmt;

namespace libexport::bench {

class SqlitePeer {
 public:
  SqlitePeer() = default;
  ~SqlitePeer();
  SqlitePeer(const SqlitePeer&) = delete;
  SqlitePeer& operator=(const SqlitePeer&) = delete;

  // Creates the database file `path` and loads the NDJSON lines (each with
  // an id) and the catalog. Returns "" or an error message.
  std::string Load(const std::string& path, std::string_view ndjson,
                   const std::vector<std::string>& catalog);

  // Writes {"results":[...]} for the case into `out` (same layout as the
  // engine). Returns the number of results, or -1 (see error()).
  int64_t Export(const Filters& f, const Pruning& p, Timestamp now,
                 std::string* out);
  const std::string& error() const { return error_; }

  // The SQL text of a case, for the docs.
  static std::string Sql(const Filters& f, const Pruning& p);

 private:
  std::string Exec(const char* sql);
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> statements_;
  std::string error_;
};

}  // namespace libexport::bench

#endif  // LIBEXPORT_BENCH_SQLITE_PEER_H_
