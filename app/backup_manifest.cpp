#include "backup_manifest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli.h"
#include "libexport/json_string.h"
#include "libexport/version.h"

namespace libexport::app {
namespace {

// The files of a store copy that the manifest covers (lock.mdb is not part
// of a backup: LMDB makes it anew).
const char* const kCoveredFiles[] = {"data.mdb"};

std::string Hex(const unsigned char* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

}  // namespace

std::string Sha256OfFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Failure{FileError("cannot read", path, errno)};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> block(1 << 20);
  while (true) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw Failure{FileError("cannot read", path, error)};
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), block.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  return Hex(digest, size);
}

void WriteManifest(const std::string& dir, Timestamp now) {
  namespace fs = std::filesystem;
  std::string trackers, format;
  {
    // The copy's own contents; opening it makes a lock.mdb, removed after.
    StoreOptions options;
    options.create_if_missing = false;
    options.read_only = true;
    auto copy = Store::Open(dir, options);
    if (!copy.ok()) {
      throw Failure{"backup: cannot open the copy in " + dir + ": " +
                    copy.status().ToString()};
    }
    StoreStats stats;
    Status st = (*copy)->Stats(&stats);
    if (!st.ok()) throw Failure{"backup: " + st.ToString()};
    format = stats.format;
    auto list = (*copy)->ListTrackers();
    if (!list.ok()) throw Failure{"backup: " + list.status().ToString()};
    for (const TrackerInfo& t : *list) {
      if (!trackers.empty()) trackers += ",\n";
      trackers += "    {\"tracker\": " + Quoted(t.tracker_id) +
                  ", \"customizations\": " + std::to_string(t.customizations) +
                  ", \"catalog_items\": " + std::to_string(t.catalog_items) +
                  "}";
    }
  }
  std::error_code ignored;
  fs::remove(fs::path(dir) / "lock.mdb", ignored);
  std::string files;
  for (const char* name : kCoveredFiles) {
    const std::string path = (fs::path(dir) / name).string();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      throw Failure{FileError("cannot stat", path, errno)};
    }
    if (!files.empty()) files += ",\n";
    files += "    {\"name\": " + Quoted(name) +
             ", \"bytes\": " + std::to_string(st.st_size) +
             ", \"sha256\": " + Quoted(Sha256OfFile(path)) + "}";
  }
  const std::string text =
      "{\n  \"libexport_backup\": 1,\n  \"libexport_version\": " +
      Quoted(kVersion) + ",\n  \"store_format\": " + Quoted(format) +
      ",\n  \"created_at\": " + Quoted(FormatRfc3339(now)) +
      ",\n  \"files\": [\n" + files + "\n  ],\n  \"trackers\": [\n" + trackers +
      "\n  ]\n}\n";
  const std::string path = (fs::path(dir) / kManifestName).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw Failure{FileError("cannot write", path, errno)};
}

std::vector<std::string> VerifyManifest(const std::string& dir,
                                        std::string* summary) {
  namespace fs = std::filesystem;
  const std::string path = (fs::path(dir) / kManifestName).string();
  simdjson::padded_string text;
  if (simdjson::padded_string::load(path).get(text) != simdjson::SUCCESS) {
    throw Failure{FileError("cannot read", path, ENOENT) +
                  " (not a backup made by exportctl backup?)"};
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array files, trackers;
  std::string_view version, format, created;
  if (parser.parse(text).get(root) != simdjson::SUCCESS ||
      root["files"].get(files) != simdjson::SUCCESS ||
      root["trackers"].get(trackers) != simdjson::SUCCESS ||
      root["libexport_version"].get(version) != simdjson::SUCCESS ||
      root["store_format"].get(format) != simdjson::SUCCESS ||
      root["created_at"].get(created) != simdjson::SUCCESS) {
    throw Failure{path +
                  ": not a backup manifest (files, trackers, "
                  "libexport_version, store_format, created_at)"};
  }
  std::vector<std::string> problems;
  size_t checked = 0;
  for (simdjson::dom::element f : files) {
    std::string_view name, sha;
    uint64_t bytes = 0;
    if (f["name"].get(name) || f["sha256"].get(sha) || f["bytes"].get(bytes) ||
        name.find('/') != std::string_view::npos) {
      throw Failure{path + ": a files entry lacks name, bytes or sha256"};
    }
    const std::string file = (fs::path(dir) / name).string();
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      problems.push_back(FileError("missing", file, errno));
      continue;
    }
    ++checked;
    if (static_cast<uint64_t>(st.st_size) != bytes) {
      problems.push_back(file + ": " + std::to_string(st.st_size) +
                         " bytes, the manifest says " + std::to_string(bytes));
    } else if (Sha256OfFile(file) != sha) {
      problems.push_back(file +
                         ": sha256 differs from the manifest (the file "
                         "changed after the backup)");
    }
  }
  if (files.size() == 0) problems.push_back(path + ": lists no file");
  *summary = std::to_string(checked) + " file(s), " +
             std::to_string(trackers.size()) + " tracker(s), libexport " +
             std::string(version) + ", " + std::string(format) + ", created " +
             std::string(created);
  return problems;
}

}  // namespace libexport::app
